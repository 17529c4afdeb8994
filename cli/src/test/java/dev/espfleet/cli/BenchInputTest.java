package dev.espfleet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Bench and ledger inputs that are wrong, or a ledger that does not answer: one error line, nothing written. */
@Timeout(value = 2, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a hang fails
class BenchInputTest {
    @TempDir
    Path tmp;
    Path ca;

    @BeforeEach
    void makeCa() {
        ca = tmp.resolve("ca");
        Cli.run("ca", "init", "--out", ca.toString()).ok();
    }

    private CliRun bench(String... extra) {
        List<String> args = new ArrayList<>(List.of("bench", "--config", "../examples/env-sensor.yaml", "--ca",
                ca.toString(), "--server-ca", ca.resolve("ca.pem").toString(), "--ports", "sim:1"));
        args.addAll(List.of(extra));
        return CliRun.of(args.toArray(String[]::new));
    }

    private List<Path> listing() throws IOException {
        try (Stream<Path> files = Files.walk(tmp)) {
            return files.sorted().toList();
        }
    }

    private void refused(String error, String... extra) throws IOException {
        List<Path> before = listing();
        CliRun run = bench(extra);
        assertEquals(2, run.exitCode(), run.toString());
        assertEquals("error: " + error + "\n", run.err());
        assertEquals(before, listing(), "a refused bench wrote something");
    }

    @Test
    void aBaudRateTheChipCannotUseIsRefusedBeforeAnyPortIsOpened() throws Exception {
        refused("--baud 12 is not a baud rate espfleet uses: expected 9600..5000000 (e.g. 115200, 460800, 921600)", "-b", "12", "--units", tmp.resolve("units").toString());
    }

    @Test
    void anEndOfLineModeOrDeadlineTheBenchDoesNotKnowIsRefused() throws Exception {
        refused("--eol 'sometimes': expected none, report, connected", "--eol", "sometimes", "--units",
                tmp.resolve("units").toString());
        refused("--eol-timeout 0: expected 1 to 1800 seconds", "--eol-timeout", "0", "--units",
                tmp.resolve("units").toString());
        refused("--eol-timeout 3601: expected 1 to 1800 seconds", "--eol-timeout", "3601", "--units",
                tmp.resolve("units").toString());
    }

    @Test
    void anEndpointWhosePortIsNotOneTo65535IsRefused() throws Exception {
        String expected = ": expected HOST or HOST:PORT, a host name such as abc123-ats.iot.eu-west-1.amazonaws.com "
                + "(no scheme) and a port from 1 to 65535";
        refused("invalid endpoint '127.0.0.1:70000'" + expected, "--endpoint", "127.0.0.1:70000", "--units",
                tmp.resolve("units").toString());
        refused("invalid endpoint 'mqtts://127.0.0.1:8883'" + expected, "--endpoint", "mqtts://127.0.0.1:8883",
                "--units", tmp.resolve("units").toString());
    }

    @Test
    void aNegativeBoardCountIsRefused() throws Exception {
        refused("--boards-per-port must be 0 (serve boards until Ctrl-C) or more, got -1", "--boards-per-port", "-1",
                "--units", tmp.resolve("units").toString());
    }

    @Test
    void aNamePatternThatMakesNoValidNameIsRefusedBeforeThePortsAndTheLedger() throws Exception {
        refused("--name-pattern 'lab/{mac}' gives invalid thing name 'lab/240ac4000001': expected 1-128 characters of "
                + "[a-zA-Z0-9:_-], but it contains '/'", "--name-pattern", "lab/{mac}", "--units",
                tmp.resolve("units").toString());
    }

    @Test
    void unitsThatIsAFileOrAUnitOrACaFolderIsRefused() throws Exception {
        Path file = tmp.resolve("units.txt");
        Files.writeString(file, "x");
        refused("--units " + file + " is a file, but it is the folder unit folders go in", "--units", file.toString());
        Path unit = tmp.resolve("units/dev-1");
        Cli.run("provision", "--config", "../examples/env-sensor.yaml", "--thing", "dev-1", "--out", unit.toString(),
                "--ca", ca.toString(), "--server-ca", ca.resolve("ca.pem").toString()).ok();
        refused("--units " + unit + " is a unit folder (it holds unit.json or key.pem); --units is the folder that "
                + "holds the unit folders", "--units", unit.toString());
        refused("--units " + ca + " is a CA folder; unit folders go elsewhere (default: units)", "--units",
                ca.toString());
    }

    @Test
    void aLedgerThatIsAFolderIsRefused() throws Exception {
        Path folder = tmp.resolve("ledgers");
        Files.createDirectories(folder);
        refused("--ledger jdbc:sqlite:" + folder + ": " + folder + " is a folder, not a ledger file", "--units",
                tmp.resolve("units").toString(), "--ledger", "jdbc:sqlite:" + folder);
    }

    /** Accepts every connection and never says a word: a PostgreSQL address behind a broken proxy. */
    private static ServerSocket silentServer(List<Socket> accepted) throws IOException {
        ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        Thread t = new Thread(() -> {
            try {
                while (true) {
                    accepted.add(server.accept());
                }
            } catch (IOException closed) {
                // test over
            }
        }, "silent server");
        t.setDaemon(true);
        t.start();
        return server;
    }

    @Test
    void aPostgresAddressThatNeverAnswersIsUnreachableNotAHang() throws Exception {
        List<Socket> accepted = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (ServerSocket silent = silentServer(accepted)) {
            String url = "jdbc:postgresql://127.0.0.1:" + silent.getLocalPort() + "/ledger?user=bench&password=s3cret";
            String shown = "jdbc:postgresql://127.0.0.1:" + silent.getLocalPort() + "/ledger?user=bench&password=***";
            // the ledger's deadlines are 10 s to connect and log in; a hang would run into the test's own.
            // Both commands at once (Cli.run captures per run, so they may share the JVM).
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
            java.util.concurrent.Future<Cli> listing = pool.submit(() -> Cli.run("ledger", "list", "--ledger", url));
            java.util.concurrent.Future<Cli> benching = pool.submit(() -> Cli.run("bench", "--config",
                    "../examples/env-sensor.yaml", "--ca", ca.toString(), "--server-ca", ca.resolve("ca.pem").toString(),
                    "--ports", "sim:1", "--units", tmp.resolve("units").toString(), "--ledger", url));
            Cli list = listing.get(60, TimeUnit.SECONDS);
            Cli bench = benching.get(60, TimeUnit.SECONDS);
            pool.shutdown();
            assertEquals(3, list.exit(), list.err());
            assertTrue(list.err().startsWith("error: cannot reach ledger " + shown + ": "), list.err());
            assertTrue(list.err().contains("\nhint: check the host and port in --ledger, that PostgreSQL runs there"),
                    list.err());
            assertTrue(!list.err().contains("s3cret"), "the password is not printed");
            assertEquals(3, bench.exit(), bench.err());
            assertTrue(bench.err().startsWith("error: cannot reach ledger " + shown + ": "), bench.err());
            assertTrue(!accepted.isEmpty(), "the commands did reach the silent server");
        }
    }
}
