package dev.espfleet.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.flasher.image.FlashRegion;
import dev.espfleet.flasher.sim.LinkTiming;
import dev.espfleet.model.AwsEndpoint;
import dev.espfleet.model.MacAddress;
import dev.espfleet.provisioning.CertificateAuthority;
import dev.espfleet.provisioning.DevicePolicy;
import dev.espfleet.provisioning.IdentityLayout;
import dev.espfleet.provisioning.KeyType;
import dev.espfleet.provisioning.Pem;
import dev.espfleet.provisioning.ServerCa;
import dev.espfleet.provisioning.UnitBinding;
import dev.espfleet.provisioning.UnitProvisioner;
import dev.espfleet.provisioning.ValidityPeriod;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The ledger on a real PostgreSQL server (Debian's postgresql, started by the test in a temporary data
 * directory): several stations allocating at once never share a name. Required in CI; skipped elsewhere
 * when PostgreSQL is not installed.
 */
class PostgresLedgerTest {
    static Path dataDir;
    static Process server;
    static String url;

    static Optional<Path> bin() throws IOException {
        Path root = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(root)) {
            return Optional.empty();
        }
        try (Stream<Path> versions = Files.list(root)) {
            return versions.map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("postgres")))
                    .max(Path::compareTo);
        }
    }

    @BeforeAll
    static void startServer() throws Exception {
        Optional<Path> bin = bin();
        if (bin.isEmpty()) {
            if ("true".equals(System.getenv("CI"))) {
                throw new AssertionError("PostgreSQL is not installed; .ci/run installs the postgresql package");
            }
            Assumptions.assumeTrue(false, "PostgreSQL is not installed (apt-get install postgresql)");
        }
        boolean root = "root".equals(System.getProperty("user.name"));
        dataDir = Files.createTempDirectory("espfleet-pg");
        if (root) { // PostgreSQL refuses to run as root: its files and process belong to the postgres user
            UserPrincipal postgres = dataDir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres");
            Files.setOwner(dataDir, postgres);
        }
        Path data = dataDir.resolve("data");
        run(root, bin.get().resolve("initdb").toString(), "-D", data.toString(), "-U", "postgres", "--auth=trust",
                "--no-sync", "-E", "UTF8");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        List<String> command = new ArrayList<>();
        if (root) {
            command.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        command.addAll(List.of(bin.get().resolve("postgres").toString(), "-D", data.toString(), "-p",
                Integer.toString(port), "-k", dataDir.toString(), "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off"));
        server = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(dataDir.resolve("server.log").toFile()).start();
        url = "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres";
        Instant deadline = Instant.now().plus(Duration.ofSeconds(30));
        while (true) {
            try (var c = DriverManager.getConnection(url)) {
                break;
            } catch (java.sql.SQLException e) {
                if (Instant.now().isAfter(deadline) || !server.isAlive()) {
                    throw new AssertionError("PostgreSQL did not start: " + Files.readString(dataDir.resolve("server.log")));
                }
                Thread.sleep(100);
            }
        }
    }

    private static void run(boolean asPostgres, String... args) throws Exception {
        List<String> command = new ArrayList<>();
        if (asPostgres) {
            command.addAll(List.of("runuser", "-u", "postgres", "--"));
        }
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), output);
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (server != null) {
            server.destroy();
            server.waitFor();
        }
        if (dataDir != null) {
            try (Stream<Path> files = Files.walk(dataDir)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    @Test
    void stationsAllocatingAtOnceNeverShareANameAndReworkKeepsIt() throws Exception {
        ThingNamePattern pattern = new ThingNamePattern("pg-{seq:04}");
        try (IdentityLedger first = IdentityLedger.open(url)) { // creates the table
            assertEquals("pg-0001", first.allocate(MacAddress.parse("24:0a:c4:aa:00:00"), "p", pattern, "setup").thingName());
        }
        int stations = 4;
        int perStation = 15;
        ExecutorService pool = Executors.newFixedThreadPool(stations);
        List<Future<List<UnitRecord>>> futures = new ArrayList<>();
        for (int s = 0; s < stations; s++) {
            int station = s;
            futures.add(pool.submit(() -> {
                List<UnitRecord> mine = new ArrayList<>();
                try (IdentityLedger ledger = IdentityLedger.open(url)) {
                    for (int i = 0; i < perStation; i++) {
                        mine.add(ledger.allocate(MacAddress.parse(String.format("24:0a:c4:%02x:01:%02x", station, i)), "p", pattern,
                                "station-" + station));
                    }
                }
                return mine;
            }));
        }
        Set<String> names = new HashSet<>();
        for (Future<List<UnitRecord>> f : futures) {
            for (UnitRecord r : f.get()) {
                assertTrue(names.add(r.thingName()), "name handed out twice: " + r.thingName());
            }
        }
        pool.shutdown();
        try (IdentityLedger ledger = IdentityLedger.open(url)) {
            assertEquals(1 + stations * perStation, ledger.list().size());
            assertEquals("pg-0001", ledger.allocate(MacAddress.parse("24:0a:c4:aa:00:00"), "p", pattern, "rework").thingName());
            ledger.markDone("24:0a:c4:aa:00:00", "f00d", "be".repeat(32));
            assertEquals(UnitRecord.State.DONE, ledger.find("24:0a:c4:aa:00:00").orElseThrow().state());
        }
    }

    @Test
    void aBoardIsClaimedByOneStationAtATimeAndFreedWhenThatStationDies() {
        String mac = "24:0a:c4:bb:00:01";
        IdentityLedger a = IdentityLedger.open(url);
        try (IdentityLedger b = IdentityLedger.open(url)) {
            assertEquals(a.id(), b.id(), "one ledger, one id, whichever station asks");
            a.claim(mac, "station-a", Duration.ZERO, () -> false);
            EspfleetException busy = assertThrows(EspfleetException.class,
                    () -> b.claim(mac, "station-b", Duration.ofMillis(500), () -> false));
            assertEquals(ExitStatus.JOB_FAILED, busy.status());
            assertTrue(busy.getMessage().startsWith("board " + mac + " is being provisioned by 'espfleet station-a' at "
                    + "127.0.0.1 (connected since "), busy.getMessage());
            b.claim("24:0a:c4:bb:00:02", "station-b", Duration.ZERO, () -> false).close(); // another board is free

            a.close(); // station a dies without releasing: the server ends its session and its lock
            b.claim(mac, "station-b", Duration.ofSeconds(10), () -> false).close(); // would throw if still held
        }
    }

    @Test
    void twoStationsOnTheSameBoardTakeTurnsAndTheLedgerRecordsWhatWasWrittenLast() throws Exception {
        SecureRandom random = new SecureRandom();
        CertificateAuthority ca = CertificateAuthority.createRoot("pg bench CA", Optional.empty(), KeyType.EC_P256,
                ValidityPeriod.days(Instant.now(), 30), random);
        byte[] firmware = new byte[16 * 1024];
        random.nextBytes(firmware); // incompressible: the write takes its time on the timed link
        Path work = Files.createTempDirectory(dataDir, "bench");
        Map<String, List<long[]>> turns = new ConcurrentHashMap<>();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        List<Future<List<UnitResult>>> runs = new ArrayList<>();
        for (String station : List.of("a", "b")) {
            // each station its own units folder, as on two machines; one board (the same MAC) on both
            BenchJob job = new BenchJob("p", "p", new ThingNamePattern("pg-bench-{seq:04}"),
                    work.resolve("units-" + station), ca, "ca", new ServerCa(List.of(ca.certificate()), Path.of("ca.pem")),
                    new DevicePolicy("p-device", "{}\n"), IdentityLayout.DEFAULT, 0x12000, 0x6000, AwsEndpoint.of("a.example.com"),
                    Optional.empty(), KeyType.EC_P256, dev.espfleet.flasher.flash.FlashPlan.of(List.of(new FlashRegion("app", 0x20000, firmware))), 460800,
                    station, dev.espfleet.bench.eol.EndOfLinePlan.NONE);
            BenchListener timing = new BenchListener() {
                @Override
                public void state(String port, String state) {
                    if (state.startsWith("provisioning ")) {
                        turns.computeIfAbsent(station, k -> new ArrayList<>()).add(new long[] {System.nanoTime(), 0});
                    }
                }

                @Override
                public void finished(UnitResult r) {
                    List<long[]> mine = turns.get(station);
                    mine.get(mine.size() - 1)[1] = System.nanoTime();
                }
            };
            runs.add(pool.submit(() -> {
                try (IdentityLedger ledger = IdentityLedger.open(url);
                     AuditLog audit = new AuditLog(work.resolve("audit-" + station + ".jsonl"))) {
                    return new BenchRunner(job, ledger, audit, timing).run(List.of(BenchPort.simulated(0x77,
                            LinkTiming.timed(Duration.ofMillis(1)), List.of())), 1);
                }
            }));
        }
        for (Future<List<UnitResult>> f : runs) {
            UnitResult r = f.get().get(0);
            assertTrue(r.done(), r.detail());
        }
        pool.shutdown();

        long[] a = turns.get("a").get(0);
        long[] b = turns.get("b").get(0);
        assertTrue(a[1] <= b[0] || b[1] <= a[0], "the two stations provisioned the board at the same time");
        String last = a[1] <= b[0] ? "b" : "a";
        String mac = "24:0a:c4:e5:00:77";
        try (IdentityLedger ledger = IdentityLedger.openExisting(url)) {
            UnitRecord row = ledger.find(mac).orElseThrow();
            Path unit = work.resolve("units-" + last).resolve(row.thingName());
            assertEquals(row.certificateFingerprint().orElseThrow(),
                    UnitProvisioner.awsCertificateId(Pem.readCertificate(unit.resolve("cert.pem"))));
            assertEquals(row.identityFingerprint().orElseThrow(),
                    UnitBinding.sha256(Files.readAllBytes(unit.resolve("identity.bin"))));
            for (String station : List.of("a", "b")) {
                UnitBinding binding = UnitBinding.read(work.resolve("units-" + station).resolve(row.thingName()))
                        .orElseThrow();
                assertEquals(mac, binding.board().orElseThrow().mac());
                assertEquals(ledger.id(), binding.board().orElseThrow().ledgerId());
            }
        }
    }

    @Test
    void aLedgerFromBeforeIdentityFingerprintsIsMigrated() throws Exception {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE legacy");
        }
        String legacy = url.replace("/postgres?", "/legacy?");
        try (Connection c = DriverManager.getConnection(legacy); Statement s = c.createStatement()) {
            s.execute("""
                    CREATE TABLE units (mac TEXT PRIMARY KEY, thing_name TEXT NOT NULL UNIQUE,
                        sequence BIGINT NOT NULL UNIQUE, cert_fingerprint TEXT UNIQUE,
                        state TEXT NOT NULL CHECK (state IN ('ALLOCATED', 'DONE')), station TEXT NOT NULL,
                        allocated_at TEXT NOT NULL, done_at TEXT)""");
            s.execute("INSERT INTO units VALUES ('24:0a:c4:00:00:01', 'old-0001', 1, 'ab', 'DONE', 'st', "
                    + "'2025-01-01T00:00:00Z', '2025-01-01T00:01:00Z')");
        }
        try (IdentityLedger read = IdentityLedger.openExisting(legacy)) {
            assertEquals(Optional.empty(), read.list().get(0).identityFingerprint());
        }
        try (IdentityLedger ledger = IdentityLedger.open(legacy)) {
            ledger.markDone("24:0a:c4:00:00:01", "ab", "ef".repeat(32));
            assertEquals(Optional.of("ef".repeat(32)), ledger.list().get(0).identityFingerprint());
            assertEquals(Optional.empty(), ledger.list().get(0).endOfLine());
            dev.espfleet.bench.eol.EndOfLineRecord eol = new dev.espfleet.bench.eol.EndOfLineRecord(
                    dev.espfleet.bench.eol.EndOfLineOutcome.CONNECTED, "connected to a.example.com as old-0001",
                    java.time.Instant.parse("2026-01-05T10:00:00Z"));
            ledger.markDone("24:0a:c4:00:00:01", "ab", "ef".repeat(32), eol);
            assertEquals(Optional.of(eol), ledger.list().get(0).endOfLine());
        }
    }

    @Test
    void aDatabaseWithoutALedgerIsNotMadeOneByReadingIt() throws Exception {
        try (Connection c = DriverManager.getConnection(url); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE empty");
        }
        String empty = url.replace("/postgres?", "/empty?");
        EspfleetException e = assertThrows(EspfleetException.class, () -> IdentityLedger.openExisting(empty));
        assertEquals(ExitStatus.BAD_INPUT, e.status());
        assertEquals(empty + " is not an espfleet ledger: it has no units table", e.getMessage());
        try (Connection c = DriverManager.getConnection(empty); Statement s = c.createStatement();
             java.sql.ResultSet r = s.executeQuery("SELECT to_regclass('units') IS NULL")) {
            assertTrue(r.next() && r.getBoolean(1), "reading created the table");
        }
    }
}
