package dev.espfleet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.bench.IdentityLedger;
import dev.espfleet.bench.UnitRecord;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
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
        try (IdentityLedger l = IdentityLedger.open("jdbc:sqlite:" + units.resolve("ledger.db"))) {
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
            assertTrue(Files.isRegularFile(units.resolve(u.thingName()).resolve("identity.bin")));
        }
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
        assertTrue(output.contains("stopping: finishing the boards in flight"), output);
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
    }
}
