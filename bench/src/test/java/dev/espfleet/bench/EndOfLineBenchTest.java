package dev.espfleet.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.bench.eol.EndOfLineMode;
import dev.espfleet.bench.eol.EndOfLineOutcome;
import dev.espfleet.bench.eol.EndOfLinePlan;
import dev.espfleet.bench.standin.ScriptedConsoleBoard;
import dev.espfleet.bench.standin.ScriptedConsoleBoard.Network;
import dev.espfleet.bench.standin.ScriptedConsoleBoard.Script;
import dev.espfleet.bench.standin.StandInFirmware;
import dev.espfleet.flasher.flash.FlashPlan;
import dev.espfleet.flasher.sim.SimulatedEsp32;
import dev.espfleet.model.AwsEndpoint;
import dev.espfleet.provisioning.CertificateAuthority;
import dev.espfleet.provisioning.DevicePolicy;
import dev.espfleet.provisioning.IdentityLayout;
import dev.espfleet.provisioning.KeyType;
import dev.espfleet.provisioning.ServerCa;
import dev.espfleet.provisioning.ValidityPeriod;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The end-of-line test in the bench: units reset into their application after the write, whose console report
 * (from a scripted firmware that reads what the bench wrote to the simulated flash) decides whether they are done.
 */
class EndOfLineBenchTest {
    static final int IDENTITY = 0x12000;
    static CertificateAuthority ca;
    static ServerCa serverCa;

    @TempDir
    Path tmp;

    @BeforeAll
    static void makeCa() {
        SecureRandom random = new SecureRandom();
        ca = CertificateAuthority.createRoot("eol test CA", Optional.empty(), KeyType.EC_P256,
                ValidityPeriod.days(Instant.now(), 30), random);
        serverCa = new ServerCa(List.of(ca.certificate()), Path.of("broker-ca.pem"));
    }

    /** Short deadlines: the scripted firmware reports within a few hundred milliseconds of its reset. */
    static EndOfLinePlan plan(EndOfLineMode mode, String fw) {
        return new EndOfLinePlan(mode, fw, Duration.ofMillis(1500), Duration.ofMillis(mode == EndOfLineMode.CONNECTED
                ? 2500 : 1500), Duration.ofMillis(200));
    }

    private BenchJob job(EndOfLinePlan eol, String units) {
        return new BenchJob("sensor", "Acme", ThingNamePattern.defaultPattern(), tmp.resolve(units), ca, "test CA",
                serverCa, new DevicePolicy("sensor-device", "{}\n"), IdentityLayout.DEFAULT, IDENTITY, 0x6000,
                AwsEndpoint.withOptionalPort("127.0.0.1:18883"), Optional.empty(), KeyType.EC_P256,
                FlashPlan.of(List.of(StandInFirmware.appRegion("1.2.3", "sensor"))), 460800, "test", eol);
    }

    private List<UnitResult> run(BenchJob job, String ledger, List<BenchPort> ports, BenchListener listener) {
        try (IdentityLedger l = IdentityLedger.open("jdbc:sqlite:" + tmp.resolve(ledger));
             AuditLog audit = new AuditLog(tmp.resolve("audit.jsonl"))) {
            return new BenchRunner(job, l, audit, listener).run(ports, 1);
        }
    }

    private UnitRecord row(String ledger, int board) {
        try (IdentityLedger l = IdentityLedger.open("jdbc:sqlite:" + tmp.resolve(ledger))) {
            return l.list().stream().filter(r -> r.mac().equals(StandInFirmware.mac(board).toString())).findFirst()
                    .orElseThrow();
        }
    }

    private List<String> events() throws Exception {
        return Files.readAllLines(tmp.resolve("audit.jsonl")).stream()
                .map(l -> l.replaceAll(".*\"event\":\"([a-z-]+)\".*", "$1")).toList();
    }

    @Test
    void aUnitIsDoneWhenItsReportFromANoisyConsoleMatchesWhatWasRecorded() throws Exception {
        List<ScriptedConsoleBoard> boards = new CopyOnWriteArrayList<>();
        SimulatedEsp32 chip = StandInFirmware.chip(1);
        List<UnitResult> results = run(job(plan(EndOfLineMode.REPORT, "1.2.3"), "units"), "ledger.db",
                List.of(StandInFirmware.port("sim-1", chip, Script.reporting(IDENTITY), boards)), BenchListener.NONE);

        UnitResult r = results.get(0);
        assertTrue(r.done(), r.detail());
        assertEquals("verified 2 region(s); end-of-line: report matches (thing, certificate, MAC, endpoint, firmware "
                + "1.2.3)", r.detail());
        assertEquals(EndOfLineOutcome.REPORTED, r.endOfLine().orElseThrow().outcome());
        assertEquals(1, boards.get(0).boots(), "the bench reset the board into its application once");
        UnitRecord row = row("ledger.db", 1);
        assertEquals(UnitRecord.State.DONE, row.state());
        assertEquals(EndOfLineOutcome.REPORTED, row.endOfLine().orElseThrow().outcome());
        assertEquals(List.of("unit-allocated", "unit-eol", "unit-done"), events());
        String log = Files.readString(tmp.resolve("units/sensor-240ac4e50001/bench.log"));
        assertTrue(log.contains("console: hello fw 1.2.3, chip esp32, MAC 24:0a:c4:e5:00:01, thing sensor-240ac4e50001"),
                log);
        assertTrue(log.contains("end-of-line: reported: report matches"), log);
        assertFalse(log.contains("  | "), "the console's lines are kept for a unit that failed only: " + log);
    }

    @Test
    void theRecordedCertificateFingerprintIsTheSha256OfTheCertificatesDerAsTheFirmwareComputesIt() throws Exception {
        SimulatedEsp32 chip = StandInFirmware.chip(1);
        run(job(plan(EndOfLineMode.REPORT, "1.2.3"), "units"), "ledger.db",
                List.of(StandInFirmware.port("sim-1", chip, Script.reporting(IDENTITY), new CopyOnWriteArrayList<>())),
                BenchListener.NONE);
        String pem = Files.readString(tmp.resolve("units/sensor-240ac4e50001/cert.pem"));
        byte[] der = Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(der));
        assertEquals(Optional.of(sha), row("ledger.db", 1).certificateFingerprint());
    }

    @Test
    void aUnitThatNeverReportsFailsAtTheDeadlineIsNotDoneAndTheOtherPortsGoOn() throws Exception {
        List<ScriptedConsoleBoard> boards = new CopyOnWriteArrayList<>();
        List<BenchPort> ports = List.of(
                StandInFirmware.port("sim-1", StandInFirmware.chip(1), Script.reporting(IDENTITY), boards),
                StandInFirmware.port("sim-2", StandInFirmware.chip(2), Script.reporting(IDENTITY).silent(), boards),
                StandInFirmware.port("sim-3", StandInFirmware.chip(3), Script.reporting(IDENTITY), boards));

        List<UnitResult> results = run(job(plan(EndOfLineMode.REPORT, "1.2.3"), "units"), "ledger.db", ports,
                BenchListener.NONE);

        assertTrue(results.get(0).done(), results.get(0).detail());
        assertTrue(results.get(2).done(), results.get(2).detail());
        UnitResult silent = results.get(1);
        assertFalse(silent.done());
        assertTrue(silent.detail().matches("end-of-line: no report within 1\\.5 s of the reset: \\d+ console line\\(s\\), "
                + "no console frame \\(does the firmware send the console report\\?\\); last line: I \\(612\\) "
                + "wifi:wifi driver task: 3ffbf8a8, prio:23, stack:6656, core=0"), silent.detail());
        assertEquals(EndOfLineOutcome.FAILED, silent.endOfLine().orElseThrow().outcome());
        UnitRecord row = row("ledger.db", 2);
        assertEquals(UnitRecord.State.ALLOCATED, row.state());
        assertEquals(EndOfLineOutcome.FAILED, row.endOfLine().orElseThrow().outcome());
        assertEquals(silent.detail(), "end-of-line: " + row.endOfLine().orElseThrow().detail());
        String audit = Files.readString(tmp.resolve("audit.jsonl"));
        assertEquals(2, audit.lines().filter(l -> l.contains("\"event\":\"unit-done\"")).count(), audit);
        assertTrue(audit.lines().anyMatch(l -> l.contains("\"event\":\"unit-failed\"") && l.contains("end-of-line: no "
                + "report")), audit);
        String log = Files.readString(tmp.resolve("units/sensor-240ac4e50002/bench.log"));
        assertTrue(log.contains("FAILED on sim-2"), log);
        assertTrue(log.contains("  | I (590) identity: thing 'sensor-240ac4e50002'"), "the console's last lines: " + log);
        assertTrue(log.contains("  | I (31) boot: ESP-IDF v5.2.1 2nd stage bootloader"), "colours removed: " + log);
    }

    @Test
    void onlyDamagedFramesSayWhatToCheck() {
        List<UnitResult> results = run(job(plan(EndOfLineMode.REPORT, "1.2.3"), "units"), "ledger.db",
                List.of(StandInFirmware.port("sim-1", StandInFirmware.chip(1),
                        Script.reporting(IDENTITY).withDamagedFrames(), new CopyOnWriteArrayList<>())),
                BenchListener.NONE);
        String detail = results.get(0).detail();
        assertFalse(results.get(0).done());
        assertTrue(detail.matches("end-of-line: no report: only damaged console frames \\(\\d+\\) within 1\\.5 s of "
                + "the reset: check the serial link \\(115200 baud, cable, noise\\)"), detail);
    }

    @Test
    void aBootReportLostOnTheWireIsAskedForAgain() {
        List<UnitResult> results = run(job(plan(EndOfLineMode.REPORT, "1.2.3"), "units"), "ledger.db",
                List.of(StandInFirmware.port("sim-1", StandInFirmware.chip(1),
                        Script.reporting(IDENTITY).withBootReportLost(), new CopyOnWriteArrayList<>())),
                BenchListener.NONE);
        assertTrue(results.get(0).done(), results.get(0).detail());
        assertEquals(1, results.get(0).endOfLine().orElseThrow().damagedFrames(), "the lost hello");
    }

    @Test
    void aReportWhoseCertificateDiffersFromTheLedgersFailsTheUnit() throws Exception {
        SimulatedEsp32 chip = StandInFirmware.chip(1);
        // first life: the board is provisioned under another ledger, and its identity is where the firmware looks
        assertTrue(run(job(plan(EndOfLineMode.REPORT, "1.2.3"), "units-old"), "old.db",
                List.of(StandInFirmware.port("sim-1", chip, Script.reporting(IDENTITY), new CopyOnWriteArrayList<>())),
                BenchListener.NONE).get(0).done());
        int firmwaresIdentity = 0x3f0000;
        chip.flash().load(firmwaresIdentity, chip.flash().read(IDENTITY, 0x6000));
        // now a firmware whose partition table puts the identity at 0x3f0000 boots the old identity, while the
        // bench writes the new one (same thing name, new key and certificate) where the config says
        List<UnitResult> results = run(job(plan(EndOfLineMode.REPORT, "1.2.3"), "units"), "ledger.db",
                List.of(StandInFirmware.port("sim-1", chip, Script.reporting(firmwaresIdentity),
                        new CopyOnWriteArrayList<>())), BenchListener.NONE);

        UnitResult r = results.get(0);
        assertFalse(r.done());
        String expected = row("ledger.db", 1).certificateFingerprint().orElseThrow();
        String old = row("old.db", 1).certificateFingerprint().orElseThrow();
        assertEquals("end-of-line: certificate SHA-256: expected " + expected + ", got " + old, r.detail());
        assertEquals(UnitRecord.State.ALLOCATED, row("ledger.db", 1).state());
    }

    @Test
    void aFirmwareVersionOtherThanTheExpectedOneFailsTheUnitNamingBoth() {
        List<UnitResult> results = run(job(plan(EndOfLineMode.REPORT, "1.2.4"), "units"), "ledger.db",
                List.of(StandInFirmware.port("sim-1", StandInFirmware.chip(1), Script.reporting(IDENTITY),
                        new CopyOnWriteArrayList<>())), BenchListener.NONE);
        assertEquals("end-of-line: firmware version: expected '1.2.4', got '1.2.3'", results.get(0).detail());
    }

    @Test
    void withEolConnectedAUnitIsDoneWhenItReportsMqttConnectedAsItsThing() throws Exception {
        List<UnitResult> results = run(job(plan(EndOfLineMode.CONNECTED, "1.2.3"), "units"), "ledger.db",
                List.of(StandInFirmware.port("sim-1", StandInFirmware.chip(1),
                        Script.reporting(IDENTITY).withNetwork(Network.SCRIPTED_CONNECT), new CopyOnWriteArrayList<>())),
                BenchListener.NONE);
        UnitResult r = results.get(0);
        assertTrue(r.done(), r.detail());
        assertEquals("verified 2 region(s); end-of-line: connected to 127.0.0.1:18883 as sensor-240ac4e50001",
                r.detail());
        assertEquals(EndOfLineOutcome.CONNECTED, row("ledger.db", 1).endOfLine().orElseThrow().outcome());
    }

    @Test
    void aUnitConnectedAsAnotherThingFails() {
        List<UnitResult> results = run(job(plan(EndOfLineMode.CONNECTED, "1.2.3"), "units"), "ledger.db",
                List.of(StandInFirmware.port("sim-1", StandInFirmware.chip(1),
                        Script.reporting(IDENTITY).connectingAs("sensor-0000"), new CopyOnWriteArrayList<>())),
                BenchListener.NONE);
        assertEquals("end-of-line: the unit connected to its broker as 'sensor-0000', expected 'sensor-240ac4e50001'",
                results.get(0).detail());
    }

    @Test
    void aUnitThatCannotReachItsBrokerFailsWithTheReasonItReported() throws Exception {
        List<UnitResult> results = run(job(plan(EndOfLineMode.CONNECTED, "1.2.3"), "units"), "ledger.db",
                List.of(StandInFirmware.port("sim-1", StandInFirmware.chip(1),
                        Script.reporting(IDENTITY).withNetwork(Network.SCRIPTED_REFUSAL), new CopyOnWriteArrayList<>())),
                BenchListener.NONE);
        UnitResult r = results.get(0);
        assertFalse(r.done());
        assertEquals("end-of-line: the unit did not reach its broker at 127.0.0.1:18883: mqtt failed: "
                + "ESP_ERR_MBEDTLS_SSL_HANDSHAKE_FAILED (0x801a), TLS error 0x7780, errno 0 (tlsv1 alert unknown ca)",
                r.detail());
        assertEquals(r.detail(), "end-of-line: " + row("ledger.db", 1).endOfLine().orElseThrow().detail());
        assertTrue(r.endOfLine().orElseThrow().took().compareTo(Duration.ofMillis(2500)) < 0,
                "the fail frame ended the wait before its deadline");
    }

    @Test
    void withEolConnectedAUnitThatStaysOffTheNetworkFailsAtTheDeadlineNamingItsLastMilestone() {
        List<UnitResult> results = run(job(plan(EndOfLineMode.CONNECTED, "1.2.3"), "units"), "ledger.db",
                List.of(StandInFirmware.port("sim-1", StandInFirmware.chip(1), Script.reporting(IDENTITY),
                        new CopyOnWriteArrayList<>())), BenchListener.NONE);
        assertEquals("end-of-line: the unit did not report reaching its broker at 127.0.0.1:18883 within 2.5 s of the "
                + "reset (last milestone: identity_loaded)", results.get(0).detail());
    }

    @Test
    void onAPortWithoutDtrAndRtsTheOperatorIsAskedToPressEn() {
        List<ScriptedConsoleBoard> boards = new CopyOnWriteArrayList<>();
        List<String> states = new CopyOnWriteArrayList<>();
        BenchListener operator = new BenchListener() {
            @Override
            public void state(String port, String state) {
                states.add(state);
                if (state.startsWith("end-of-line: press EN")) {
                    boards.get(0).pressEn();
                }
            }
        };
        List<UnitResult> results = run(job(plan(EndOfLineMode.REPORT, "1.2.3"), "units"), "ledger.db",
                List.of(StandInFirmware.port("sim-1", StandInFirmware.chip(1), Script.reporting(IDENTITY)
                        .withoutModemLines(), boards)), operator);
        assertTrue(results.get(0).done(), results.get(0).detail());
        assertTrue(states.stream().anyMatch(s -> s.startsWith("end-of-line: press EN (reset) on the board: ")
                && s.endsWith(" cannot reset it")), states.toString());
    }

    @Test
    void withEolNoneAUnitIsDoneWhenItsWritesAreVerifiedAsBefore() throws Exception {
        List<ScriptedConsoleBoard> boards = new CopyOnWriteArrayList<>();
        List<UnitResult> results = run(job(EndOfLinePlan.NONE, "units"), "ledger.db",
                List.of(StandInFirmware.port("sim-1", StandInFirmware.chip(1), Script.reporting(IDENTITY).silent(),
                        boards)), BenchListener.NONE);
        assertTrue(results.get(0).done(), results.get(0).detail());
        assertEquals("verified 2 region(s)", results.get(0).detail());
        assertEquals(Optional.empty(), results.get(0).endOfLine());
        assertEquals(Optional.empty(), row("ledger.db", 1).endOfLine());
        assertEquals(List.of("unit-allocated", "unit-done"), events());
    }
}
