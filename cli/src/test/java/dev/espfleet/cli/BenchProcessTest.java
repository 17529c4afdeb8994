package dev.espfleet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.bench.IdentityLedger;
import dev.espfleet.bench.UnitRecord;
import dev.espfleet.provisioning.Pem;
import dev.espfleet.provisioning.UnitBinding;
import dev.espfleet.provisioning.UnitLock;
import dev.espfleet.provisioning.UnitProvisioner;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bench as separate processes: killed with SIGKILL mid-batch, and two stations sharing one ledger. */
class BenchProcessTest {
    @TempDir
    Path tmp;
    Path ca;
    Path units;

    @BeforeEach
    void makeCa() {
        ca = tmp.resolve("ca");
        assertEquals(0, CliRun.of("ca", "init", "--out", ca.toString()).exitCode());
        units = tmp.resolve("units");
    }

    private ProcessBuilder bench(String... extra) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "bench",
                "--config", "../examples/env-sensor.yaml", "--ca", ca.toString(), "--server-ca",
                ca.resolve("ca.pem").toString(), "--units", units.toString()));
        command.addAll(List.of(extra));
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("bench-" + System.nanoTime() + ".log").toFile());
    }

    private List<UnitRecord> ledger() {
        try (IdentityLedger l = IdentityLedger.openExisting("jdbc:sqlite:" + units.resolve("ledger.db"))) {
            return l.list();
        }
    }

    private long auditCount(String event) throws IOException {
        Path audit = units.resolve("audit.jsonl");
        return Files.exists(audit) ? Files.readAllLines(audit).stream()
                .filter(l -> l.contains("\"event\":\"" + event + "\"")).count() : 0;
    }

    @Test
    void killedMidBatchThenRerunGivesEveryBoardOneVerifiedIdentity() throws Exception {
        Process first = bench("--ports", "sim:4", "--baud", "115200", "--sim-link-ms", "5").start();
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (auditCount("unit-allocated") < 2 && Instant.now().isBefore(deadline) && first.isAlive()) {
            Thread.sleep(50);
        }
        Thread.sleep(300); // into the flash writes
        first.destroyForcibly(); // SIGKILL: no shutdown hook runs
        first.waitFor();

        // Whatever the kill left: a unit is done only if its verified write was recorded.
        long doneBefore = ledger().stream().filter(u -> u.state() == UnitRecord.State.DONE).count();
        assertEquals(auditCount("unit-done"), doneBefore);
        assertTrue(doneBefore < 4, "the kill came too late to test anything (" + doneBefore + " done)");

        Process second = bench("--ports", "sim:4").start();
        assertEquals(0, second.waitFor(), Files.readString(units.resolve("audit.jsonl")));

        List<UnitRecord> all = ledger();
        assertEquals(4, all.size());
        Set<String> names = new HashSet<>();
        Set<String> certificates = new HashSet<>();
        for (UnitRecord u : all) {
            assertEquals(UnitRecord.State.DONE, u.state());
            assertTrue(names.add(u.thingName()));
            assertTrue(certificates.add(u.certificateFingerprint().orElseThrow()));
            assertRecordsWhatItsFolderHolds(u);
            // the killed process held some of these locks: the OS released them with it
            UnitLock.acquire(units.resolve(u.thingName()), "test", Duration.ZERO, () -> false).close();
        }
    }

    /** The ledger row, the unit folder's binding and its files agree: one board, one key, one image. */
    private void assertRecordsWhatItsFolderHolds(UnitRecord u) throws IOException {
        Path unit = units.resolve(u.thingName());
        UnitBinding binding = UnitBinding.read(unit).orElseThrow();
        assertEquals(u.mac(), binding.board().orElseThrow().mac());
        assertEquals(u.sequence(), binding.board().orElseThrow().sequence());
        assertEquals(u.certificateFingerprint().orElseThrow(),
                UnitProvisioner.awsCertificateId(Pem.readCertificate(unit.resolve("cert.pem"))));
        String image = UnitBinding.sha256(Files.readAllBytes(unit.resolve("identity.bin")));
        assertEquals(Optional.of(image), u.identityFingerprint());
        assertEquals(Optional.of(image), binding.identitySha256());
        assertEquals(binding.keySha256(), UnitBinding.keyFingerprint(dev.espfleet.provisioning.KeyType.publicKeyOf(
                Pem.readPrivateKey(unit.resolve("key.pem")))));
    }

    @Test
    void terminatedBenchFinishesTheBoardsInFlightAndPrintsItsSummary() throws Exception {
        Path log = tmp.resolve("terminated.log");
        Process p = bench("--ports", "sim:2", "--baud", "115200", "--sim-link-ms", "5").redirectOutput(log.toFile())
                .start();
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (auditCount("unit-allocated") < 2 && Instant.now().isBefore(deadline) && p.isAlive()) {
            Thread.sleep(50);
        }
        p.destroy(); // SIGTERM, as Ctrl-C's SIGINT: the shutdown hook runs
        p.waitFor();

        String output = Files.readString(log);
        assertTrue(output.contains("stopping: no new board; the boards in flight get 10 s to finish"), output);
        assertTrue(output.contains("units done"), "the summary is printed:\n" + output);
        long done = ledger().stream().filter(u -> u.state() == UnitRecord.State.DONE).count();
        assertEquals(auditCount("unit-done"), done);
        assertEquals(2, done + auditCount("unit-failed"), output);
    }

    @Test
    void twoStationsSharingOneLedgerNeverShareANameOrASequence() throws Exception {
        Process a = bench("--ports", "sim:3", "--sim-first", "1", "--name-pattern", "dev-{seq:04}", "--station", "a")
                .start();
        Process b = bench("--ports", "sim:3", "--sim-first", "11", "--name-pattern", "dev-{seq:04}", "--station", "b")
                .start();
        assertEquals(0, a.waitFor());
        assertEquals(0, b.waitFor());

        List<UnitRecord> all = ledger();
        assertEquals(6, all.size());
        Set<String> names = new HashSet<>();
        for (UnitRecord u : all) {
            assertTrue(names.add(u.thingName()), "name twice: " + u.thingName());
            assertEquals(UnitRecord.State.DONE, u.state());
        }
        assertEquals(Set.of("dev-0001", "dev-0002", "dev-0003", "dev-0004", "dev-0005", "dev-0006"), names);
        assertEquals(Set.of("a", "b"), all.stream().map(UnitRecord::station).collect(java.util.stream.Collectors.toSet()));
        assertTrue(new File(units.resolve("audit.jsonl").toString()).length() > 0);
        for (UnitRecord u : all) {
            assertRecordsWhatItsFolderHolds(u);
        }
    }

    @Test
    void twoStationsOnTheSameBoardsTakeTurnsOnEachUnitAndRecordWhatTheyWrote() throws Exception {
        // station a writes slowly; station b starts on the same two boards (same MACs) once a is flashing them.
        // Without the unit lock b, fast, would provision, write and record both boards before a is done.
        Path aLog = tmp.resolve("a.log");
        Process a = bench("--ports", "sim:2", "--station", "a", "--baud", "115200", "--sim-link-ms", "40")
                .redirectOutput(aLog.toFile()).start();
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (Files.readString(aLog).lines().filter(l -> l.contains("] flashing ")).count() < 2
                && Instant.now().isBefore(deadline) && a.isAlive()) {
            Thread.sleep(50);
        }
        Process b = bench("--ports", "sim:2", "--station", "b").start();
        assertEquals(0, b.waitFor());
        assertEquals(0, a.waitFor());

        List<String> done = Files.readAllLines(units.resolve("audit.jsonl")).stream()
                .filter(l -> l.contains("\"event\":\"unit-done\"")).toList();
        assertEquals(4, done.size(), String.join("\n", done));
        for (UnitRecord u : ledger()) {
            List<String> mine = done.stream().filter(l -> l.contains("\"mac\":\"" + u.mac() + "\"")).toList();
            assertEquals(2, mine.size());
            // b waited for a's lock on the unit: a's record comes first, and b wrote the same identity again
            assertTrue(mine.get(0).contains("\"station\":\"a\"") && mine.get(1).contains("\"station\":\"b\""),
                    String.join("\n", mine));
            String certificate = "\"certificate\":\"" + u.certificateFingerprint().orElseThrow() + "\"";
            String image = "\"identity_sha256\":\"" + u.identityFingerprint().orElseThrow() + "\"";
            assertTrue(mine.stream().allMatch(l -> l.contains(certificate) && l.contains(image)), String.join("\n", mine));
            assertRecordsWhatItsFolderHolds(u);
        }
    }

    @Test
    void terminatedBenchStopsPromptlyEvenWhileABoardIsSlow() throws Exception {
        // a board at 9600 baud with a 56 KB identity partition: its write alone takes about a minute
        Path config = tmp.resolve("slow.yaml");
        Files.writeString(config, Files.readString(Path.of("../examples/env-sensor.yaml"))
                .replace("  namespace: identity\n", "  namespace: identity\n  partition_size: 0xE000\n"));
        Path log = tmp.resolve("slow.log");
        List<String> command = new ArrayList<>(bench().command());
        command.set(command.indexOf("../examples/env-sensor.yaml"), config.toString());
        command.addAll(List.of("--ports", "sim:1", "--baud", "9600", "--sim-link-ms", "40"));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Instant deadline = Instant.now().plus(Duration.ofSeconds(90));
        while (!Files.readString(log).contains("] flashing ") && Instant.now().isBefore(deadline) && p.isAlive()) {
            Thread.sleep(50);
        }
        assertTrue(Files.readString(log).contains("] flashing "), Files.readString(log));
        p.destroy(); // SIGTERM
        // STOP_GRACE + ABORT_GRACE is 15 s; the board would need a minute more
        boolean ended = p.waitFor(40, java.util.concurrent.TimeUnit.SECONDS);
        if (!ended) {
            p.destroyForcibly();
        }
        String output = Files.readString(log);
        assertTrue(ended, "the bench waited for the slow board after SIGTERM:\n" + output);
        assertEquals(143, p.exitValue(), output);
        assertTrue(output.contains("stopping: closing the ports of the boards still in flight"), output);
        assertTrue(ledger().stream().noneMatch(u -> u.state() == UnitRecord.State.DONE), "a board cut off is not done");
    }
}
