package dev.espfleet.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.sql.DriverManager;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
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
            assertEquals("pg-0001", first.allocate("24:0a:c4:aa:00:00", "p", pattern, "setup").thingName());
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
                        mine.add(ledger.allocate(String.format("24:0a:c4:%02x:01:%02x", station, i), "p", pattern,
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
            assertEquals("pg-0001", ledger.allocate("24:0a:c4:aa:00:00", "p", pattern, "rework").thingName());
            ledger.markDone("24:0a:c4:aa:00:00", "f00d");
            assertEquals(UnitRecord.State.DONE, ledger.find("24:0a:c4:aa:00:00").orElseThrow().state());
        }
    }
}
