package dev.espfleet.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.flasher.command.Opcode;
import dev.espfleet.flasher.connection.Transport;
import dev.espfleet.flasher.sim.Fault;
import dev.espfleet.flasher.sim.LinkTiming;
import dev.espfleet.flasher.sim.SimConfig;
import dev.espfleet.flasher.sim.SimLink;
import dev.espfleet.flasher.sim.SimulatedEsp32;
import dev.espfleet.model.AwsEndpoint;
import dev.espfleet.model.MacAddress;
import dev.espfleet.provisioning.CertificateAuthority;
import dev.espfleet.provisioning.DevicePolicy;
import dev.espfleet.provisioning.IdentityLayout;
import dev.espfleet.provisioning.KeyType;
import dev.espfleet.provisioning.ServerCa;
import dev.espfleet.provisioning.UnitBinding;
import dev.espfleet.provisioning.ValidityPeriod;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchRunnerTest {
    static CertificateAuthority ca;
    static ServerCa serverCa;

    @TempDir
    Path tmp;

    @BeforeAll
    static void makeCa() {
        SecureRandom random = new SecureRandom();
        ca = CertificateAuthority.createRoot("bench test CA", Optional.empty(), KeyType.EC_P256,
                ValidityPeriod.days(Instant.now(), 30), random);
        CertificateAuthority broker = CertificateAuthority.createRoot("broker CA", Optional.empty(), KeyType.EC_P256,
                ValidityPeriod.days(Instant.now(), 30), random);
        serverCa = new ServerCa(List.of(broker.certificate()), Path.of("broker-ca.pem"));
    }

    private BenchJob job() {
        return job(ThingNamePattern.defaultPattern());
    }

    private BenchJob job(ThingNamePattern pattern) {
        return new BenchJob("sensor", "Acme", pattern, tmp.resolve("units"), ca, "test CA",
                serverCa, new DevicePolicy("sensor-device", "{}\n"), IdentityLayout.DEFAULT, 0x12000, 0x6000,
                AwsEndpoint.of("abc123-ats.iot.eu-west-1.amazonaws.com"), Optional.empty(), KeyType.EC_P256, dev.espfleet.flasher.flash.FlashPlan.NONE, 460800, "test",
                dev.espfleet.bench.eol.EndOfLinePlan.NONE);
    }

    private List<UnitResult> run(List<BenchPort> ports) {
        try (IdentityLedger ledger = IdentityLedger.open("jdbc:sqlite:" + tmp.resolve("ledger.db"));
             AuditLog audit = new AuditLog(tmp.resolve("audit.jsonl"))) {
            return new BenchRunner(job(), ledger, audit, BenchListener.NONE).run(ports, 1);
        }
    }

    private Map<String, UnitRecord> ledger() {
        try (IdentityLedger ledger = IdentityLedger.open("jdbc:sqlite:" + tmp.resolve("ledger.db"))) {
            return ledger.list().stream().collect(Collectors.toMap(UnitRecord::mac, Function.identity()));
        }
    }

    @Test
    void aUnitTheCloudCannotTakeIsFlashedAndRecordedButRegistrationPending() throws Exception {
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        UnitRegistration cloud = new UnitRegistration() {
            @Override
            public String describe() {
                return "test cloud";
            }

            @Override
            public Registered register(dev.espfleet.model.ThingName thing, java.security.cert.X509Certificate cert) {
                if (calls.incrementAndGet() == 1) {
                    throw new dev.espfleet.common.EspfleetException(dev.espfleet.common.ExitStatus.UNAVAILABLE,
                            "cannot reach the test cloud");
                }
                return new Registered("arn:thing/" + thing, "arn:cert/" + thing, "id");
            }
        };
        List<BenchPort> ports = List.of(BenchPort.simulated(1, LinkTiming.UNTIMED, List.of()));
        List<UnitResult> results;
        try (IdentityLedger ledger = IdentityLedger.open("jdbc:sqlite:" + tmp.resolve("ledger.db"));
             AuditLog audit = new AuditLog(tmp.resolve("audit.jsonl"))) {
            results = new BenchRunner(job(), ledger, audit, BenchListener.NONE, Optional.of(cloud)).run(ports, 1);
        }
        UnitResult r = results.get(0);
        assertTrue(r.done(), "flashed and verified");
        assertTrue(r.registrationPending());
        assertFalse(r.finished());
        assertTrue(r.detail().endsWith("registration pending: cannot reach the test cloud"), r.detail());
        UnitRecord unit = ledger().values().iterator().next();
        assertEquals(UnitRecord.State.DONE, unit.state());
        assertEquals(UnitRecord.RegistrationState.PENDING, unit.registration().state());
        assertEquals(Optional.of("cannot reach the test cloud"), unit.registration().detail());
        assertTrue(Files.readString(tmp.resolve("audit.jsonl")).contains("\"event\":\"unit-registration-pending\""));

        // the rework registers it
        try (IdentityLedger ledger = IdentityLedger.open("jdbc:sqlite:" + tmp.resolve("ledger.db"));
             AuditLog audit = new AuditLog(tmp.resolve("audit.jsonl"))) {
            results = new BenchRunner(job(), ledger, audit, BenchListener.NONE, Optional.of(cloud)).run(ports, 1);
        }
        assertTrue(results.get(0).finished(), results.get(0).detail());
        unit = ledger().values().iterator().next();
        assertEquals(UnitRecord.RegistrationState.REGISTERED, unit.registration().state());
        assertEquals(Optional.of("arn:thing/" + unit.thingName()), unit.registration().thingArn());
    }

    @Test
    void boardThatDropsOffMidWriteFailsAloneAndIsNotDone() throws Exception {
        List<BenchPort> ports = List.of(
                BenchPort.simulated(1, LinkTiming.UNTIMED, List.of()),
                BenchPort.simulated(2, LinkTiming.UNTIMED, List.of(Fault.at(Fault.Kind.DISCONNECT, Opcode.FLASH_DATA, 3))),
                BenchPort.simulated(3, LinkTiming.UNTIMED, List.of()));

        List<UnitResult> results = run(ports);

        assertEquals(3, results.size());
        assertTrue(results.get(0).done(), results.get(0).detail());
        assertFalse(results.get(1).done());
        assertTrue(results.get(2).done(), results.get(2).detail());
        Map<String, UnitRecord> units = ledger();
        assertEquals(UnitRecord.State.DONE, units.get("24:0a:c4:e5:00:01").state());
        assertEquals(UnitRecord.State.ALLOCATED, units.get("24:0a:c4:e5:00:02").state());
        assertEquals(UnitRecord.State.DONE, units.get("24:0a:c4:e5:00:03").state());
        String audit = Files.readString(tmp.resolve("audit.jsonl"));
        assertTrue(audit.contains("\"event\":\"unit-failed\""), audit);
        assertEquals(2, audit.lines().filter(l -> l.contains("\"event\":\"unit-done\"")).count());
        assertTrue(Files.readString(tmp.resolve("units/sensor-240ac4e50002/bench.log")).contains("FAILED"));
    }

    @Test
    void serialPortServesBoardsUntilStoppedWaitingForEachSwap() {
        // what a serial port sees over time: board 1, still board 1, no board, board 2, ...
        java.util.concurrent.atomic.AtomicInteger attempt = new java.util.concurrent.atomic.AtomicInteger();
        int[] boards = {1, 1, 0, 2, 2, 2};
        BenchPort port = new BenchPort("ttyFAKE", () -> {
            int board = boards[Math.min(attempt.getAndIncrement(), boards.length - 1)];
            if (board == 0) {
                throw new dev.espfleet.common.EspfleetException(dev.espfleet.common.ExitStatus.UNAVAILABLE,
                        "no reply from the chip");
            }
            return new SimLink(new SimulatedEsp32(SimConfig.esp32().withMac(MacAddress.of(new byte[] {0x24, 0x0a, (byte) 0xc4, 9, 9,
                    (byte) board}))), List.of(), LinkTiming.UNTIMED);
        }, false);
        List<UnitResult> results;
        try (IdentityLedger ledger = IdentityLedger.open("jdbc:sqlite:" + tmp.resolve("ledger.db"));
             AuditLog audit = new AuditLog(tmp.resolve("audit.jsonl"))) {
            BenchRunner[] runner = new BenchRunner[1];
            List<String> done = new java.util.concurrent.CopyOnWriteArrayList<>();
            runner[0] = new BenchRunner(job(), ledger, audit, new BenchListener() {
                @Override
                public void finished(UnitResult r) {
                    done.add(r.mac().orElse("?"));
                    if (done.size() == 2) {
                        runner[0].stop();
                    }
                }
            });
            results = runner[0].run(List.of(port), 0);
        }
        assertEquals(2, results.size(), results.toString());
        assertTrue(results.stream().allMatch(UnitResult::done), results.toString());
        assertEquals(List.of("24:0a:c4:09:09:01", "24:0a:c4:09:09:02"),
                results.stream().map(r -> r.mac().orElseThrow()).toList());
        assertTrue(attempt.get() >= 4, "the port waited through the same board and the empty socket");
    }

    /** The chip id an app image's extended header carries (ESP-IDF app image format, bytes 12-13): 9 is the ESP32-S3. */
    private static byte[] appImageForEsp32s3() {
        byte[] image = new byte[0x1000];
        image[0] = (byte) 0xE9;
        image[1] = 1;
        image[12] = 9;
        return image;
    }

    @Test
    void anImageBuiltForAnotherChipFailsTheBoardAsWriteFlashRefusesIt() throws Exception {
        BenchJob base = job();
        BenchJob wrongChip = new BenchJob(base.product(), base.organization(), base.namePattern(), base.unitsDir(),
                base.ca(), base.caLabel(), base.serverCa(), base.policy(), base.layout(), base.identityOffset(),
                base.identitySize(), base.endpoint(), base.wifi(), base.keyType(),
                dev.espfleet.flasher.flash.FlashPlan.of(List.of(new dev.espfleet.flasher.image.FlashRegion("app.bin", 0x20000,
                        appImageForEsp32s3()))), base.baud(),
                base.station(), base.endOfLine());
        List<UnitResult> results;
        try (IdentityLedger ledger = IdentityLedger.open("jdbc:sqlite:" + tmp.resolve("ledger.db"));
             AuditLog audit = new AuditLog(tmp.resolve("audit.jsonl"))) {
            results = new BenchRunner(wrongChip, ledger, audit, BenchListener.NONE)
                    .run(BenchPort.simulated(1, LinkTiming.UNTIMED), 1);
        }
        assertFalse(results.get(0).done(), results.toString());
        assertEquals("app.bin is built for ESP32-S3, but the connected chip is ESP32", results.get(0).detail());
        assertEquals(UnitRecord.State.ALLOCATED, ledger().get("24:0a:c4:e5:00:01").state());
    }

    @Test
    void reworkGivesEveryBoardItsIdentityBack() throws Exception {
        List<UnitResult> first = run(BenchPort.simulated(2, LinkTiming.UNTIMED));
        Map<String, UnitRecord> before = ledger();
        byte[] key = Files.readAllBytes(tmp.resolve("units/sensor-240ac4e50001/key.pem"));

        List<UnitResult> second = run(BenchPort.simulated(2, LinkTiming.UNTIMED));

        assertTrue(first.stream().allMatch(UnitResult::done));
        assertTrue(second.stream().allMatch(UnitResult::done));
        Map<String, UnitRecord> after = ledger();
        assertEquals(2, after.size());
        for (String mac : before.keySet()) {
            assertEquals(before.get(mac).thingName(), after.get(mac).thingName());
            assertEquals(before.get(mac).certificateFingerprint(), after.get(mac).certificateFingerprint());
        }
        assertEquals(new String(key), Files.readString(tmp.resolve("units/sensor-240ac4e50001/key.pem")));
    }

    @Test
    void identityImageOnTheChipIsTheUnitsImageDespiteACorruptedBlock() throws Exception {
        SimulatedEsp32 chip = new SimulatedEsp32(SimConfig.esp32().withMac(MacAddress.of(new byte[] {0x24, 0x0a, (byte) 0xc4, 1, 2, 3})));
        byte[] neighbour = new byte[4096];
        java.util.Arrays.fill(neighbour, (byte) 0x5a);
        chip.flash().load(0x18000, neighbour); // the partition after the identity must survive
        List<Fault> faults = List.of(Fault.at(Fault.Kind.CORRUPT_HOST_BYTE, Opcode.FLASH_DATA, 2));
        BenchPort port = new BenchPort("sim-x", () -> new SimLink(chip, faults, LinkTiming.UNTIMED),
                true);

        List<UnitResult> results = run(List.of(port));

        assertTrue(results.get(0).done(), results.get(0).detail());
        byte[] image = Files.readAllBytes(tmp.resolve("units/sensor-240ac4010203/identity.bin"));
        assertArrayEquals(image, chip.flash().read(0x12000, 0x6000));
        assertArrayEquals(neighbour, chip.flash().read(0x18000, 4096));
    }

    private List<UnitResult> run(String ledgerFile, ThingNamePattern pattern, List<BenchPort> ports) {
        try (IdentityLedger ledger = IdentityLedger.open("jdbc:sqlite:" + tmp.resolve(ledgerFile));
             AuditLog audit = new AuditLog(tmp.resolve("audit.jsonl"))) {
            return new BenchRunner(job(pattern), ledger, audit, BenchListener.NONE).run(ports, 1);
        }
    }

    @Test
    void aNewLedgerNamingBoardsAfreshDoesNotHandThemTheIdentitiesOfOthers() throws Exception {
        ThingNamePattern pattern = new ThingNamePattern("dev-{seq:04}");
        List<UnitResult> first = run("ledger.db", pattern, List.of(BenchPort.simulated(1, LinkTiming.UNTIMED, List.of()),
                BenchPort.simulated(2, LinkTiming.UNTIMED, List.of())));
        assertTrue(first.stream().allMatch(UnitResult::done), first.toString());
        byte[] key = Files.readAllBytes(tmp.resolve("units/dev-0001/key.pem"));

        // a typo in --ledger: a new ledger, the same --units; two other boards get dev-0001 and dev-0002 again
        List<UnitResult> second = run("ledgr.db", pattern, List.of(BenchPort.simulated(3, LinkTiming.UNTIMED, List.of()),
                BenchPort.simulated(4, LinkTiming.UNTIMED, List.of())));

        assertTrue(second.stream().noneMatch(UnitResult::done), second.toString());
        for (UnitResult r : second) { // the ports race for the names: which board owns which folder varies
            Path folder = tmp.resolve("units").resolve(r.thingName().orElseThrow());
            UnitBinding.Board owner = UnitBinding.read(folder).orElseThrow().board().orElseThrow();
            assertTrue(owner.mac().equals("24:0a:c4:e5:00:01") || owner.mac().equals("24:0a:c4:e5:00:02"), owner.mac());
            assertEquals(folder + " belongs to board " + owner.mac() + " (ledger " + owner.ledgerId() + " row "
                    + owner.sequence() + ", station test), not to board " + r.mac().orElseThrow() + " ("
                    + folder.resolve("unit.json") + "): a unit's key serves one board", r.detail());
        }
        assertArrayEquals(key, Files.readAllBytes(tmp.resolve("units/dev-0001/key.pem")));
        String audit = Files.readString(tmp.resolve("audit.jsonl"));
        assertEquals(2, audit.lines().filter(l -> l.contains("\"event\":\"unit-failed\"")).count(), audit);
    }

    @Test
    void theLedgerAndTheUnitFolderRecordTheIdentityImageTheChipVerified() throws Exception {
        SimulatedEsp32 chip = new SimulatedEsp32(SimConfig.esp32().withMac(MacAddress.of(new byte[] {0x24, 0x0a, (byte) 0xc4, 1, 2, 4})));
        BenchPort port = new BenchPort("sim-x", () -> new SimLink(chip, List.of(), LinkTiming.UNTIMED),
                true);
        assertTrue(run(List.of(port)).get(0).done());

        Path unit = tmp.resolve("units/sensor-240ac4010204");
        String written = UnitBinding.sha256(chip.flash().read(0x12000, 0x6000));
        assertEquals(UnitBinding.sha256(Files.readAllBytes(unit.resolve("identity.bin"))), written);
        UnitRecord row = ledger().get("24:0a:c4:01:02:04");
        assertEquals(Optional.of(written), row.identityFingerprint());
        UnitBinding binding = UnitBinding.read(unit).orElseThrow();
        assertEquals(Optional.of(written), binding.identitySha256());
        assertEquals("24:0a:c4:01:02:04", binding.board().orElseThrow().mac());
        assertEquals(row.certificateFingerprint().orElseThrow(),
                dev.espfleet.provisioning.UnitProvisioner.awsCertificateId(
                        dev.espfleet.provisioning.Pem.readCertificate(unit.resolve("cert.pem"))));
        assertTrue(Files.readString(tmp.resolve("audit.jsonl")).contains("\"identity_sha256\":\"" + written + "\""));
    }

    @Test
    void aThingNameFromTheLedgerIsCheckedBeforeItBecomesAPath() throws Exception {
        try (IdentityLedger ledger = IdentityLedger.open("jdbc:sqlite:" + tmp.resolve("ledger.db"));
             java.sql.Connection c = java.sql.DriverManager.getConnection("jdbc:sqlite:" + tmp.resolve("ledger.db"));
             java.sql.Statement s = c.createStatement()) {
            // a shared ledger another tool (or station) wrote
            s.execute("INSERT INTO units (mac, thing_name, sequence, state, station, allocated_at) VALUES "
                    + "('24:0a:c4:e5:00:01', '../../espfleet-escaped', 1, 'ALLOCATED', 'elsewhere', "
                    + "'2025-01-01T00:00:00Z')");
        }
        List<UnitResult> results = run(List.of(BenchPort.simulated(1, LinkTiming.UNTIMED, List.of())));

        assertFalse(results.get(0).done());
        assertTrue(results.get(0).detail().endsWith(" gives board 24:0a:c4:e5:00:01 an invalid thing name "
                + "'../../espfleet-escaped': expected 1-128 characters of [a-zA-Z0-9:_-], but it contains '.'; it is not"
                + " used as a folder name"),
                results.get(0).detail());
        assertFalse(Files.exists(tmp.getParent().resolve("espfleet-escaped")));
        try (var files = Files.list(tmp)) {
            assertEquals(java.util.Set.of("ledger.db", "audit.jsonl"), files.map(f -> f.getFileName().toString())
                    .filter(f -> !f.equals("units") && !f.startsWith("ledger.db-")).collect(Collectors.toSet()));
        }
    }

    @Test
    void aUnitFolderWrittenBeforeUnitJsonIsReworkedWhenTheLedgerRecordsItsCertificate() throws Exception {
        run(BenchPort.simulated(1, LinkTiming.UNTIMED));
        Path unit = tmp.resolve("units/sensor-240ac4e50001");
        byte[] key = Files.readAllBytes(unit.resolve("key.pem"));
        Files.delete(unit.resolve("unit.json"));

        assertTrue(run(BenchPort.simulated(1, LinkTiming.UNTIMED)).get(0).done());
        assertArrayEquals(key, Files.readAllBytes(unit.resolve("key.pem")));
        assertEquals("24:0a:c4:e5:00:01", UnitBinding.read(unit).orElseThrow().board().orElseThrow().mac());
    }

    @Test
    void aUnitCertifiedByAnotherCaGetsAHintTheBenchCanFollow() throws Exception {
        run(BenchPort.simulated(1, LinkTiming.UNTIMED));
        CertificateAuthority other = CertificateAuthority.createRoot("another CA", Optional.empty(), KeyType.EC_P256,
                ValidityPeriod.days(Instant.now(), 30), new SecureRandom());
        BenchJob withOtherCa = new BenchJob("sensor", "Acme", ThingNamePattern.defaultPattern(), tmp.resolve("units"),
                other, "other CA", serverCa, new DevicePolicy("sensor-device", "{}\n"), IdentityLayout.DEFAULT, 0x12000,
                0x6000, AwsEndpoint.of("abc123-ats.iot.eu-west-1.amazonaws.com"), Optional.empty(), KeyType.EC_P256, dev.espfleet.flasher.flash.FlashPlan.NONE, 460800,
                "test", dev.espfleet.bench.eol.EndOfLinePlan.NONE);
        List<UnitResult> results;
        try (IdentityLedger ledger = IdentityLedger.open("jdbc:sqlite:" + tmp.resolve("ledger.db"));
             AuditLog audit = new AuditLog(tmp.resolve("audit.jsonl"))) {
            results = new BenchRunner(withOtherCa, ledger, audit, BenchListener.NONE)
                    .run(BenchPort.simulated(1, LinkTiming.UNTIMED), 1);
        }
        String detail = results.get(0).detail();
        assertFalse(results.get(0).done());
        assertTrue(detail.endsWith("; pass the --ca that issued it, or give the unit a new key first with 'espfleet "
                + "provision --rotate --thing sensor-240ac4e50001 --out " + tmp.resolve("units/sensor-240ac4e50001")
                + " --ca CA ...'"), detail); // the bench itself has no --rotate
    }

    @Test
    void aBoardOnItsChipsOwnUsbSerialJtagIsEnteredWithTheUsbResetSequence() {
        /** All a port says of itself here: it is an Espressif chip's USB-Serial/JTAG (or not). */
        class Port extends StandInPort {
            private final boolean usb;

            Port(boolean usb) {
                this.usb = usb;
            }

            @Override
            public boolean usbSerialJtag() {
                return usb;
            }
        }
        BenchPort port = BenchPort.of("/dev/ttyACM0", 460800);
        assertEquals(dev.espfleet.flasher.connection.ConnectOptions.Before.USB_RESET,
                port.connectOptions(460800, new Port(true)).before());
        assertEquals(dev.espfleet.flasher.connection.ConnectOptions.Before.DEFAULT_RESET,
                port.connectOptions(460800, new Port(false)).before());
    }

    /** A port that is never used, only asked what it is. */
    abstract static class StandInPort implements Transport {
        @Override
        public void write(byte[] data) {
        }

        @Override
        public int read(byte[] buffer, java.time.Duration timeout) {
            return 0;
        }

        @Override
        public void setBaudRate(int baud) {
        }

        @Override
        public boolean hasModemLines() {
            return true;
        }

        @Override
        public void setDtr(boolean asserted) {
        }

        @Override
        public void setRts(boolean asserted) {
        }

        @Override
        public String description() {
            return "stand-in";
        }

        @Override
        public void close() {
        }
    }
}
