package dev.espfleet.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The run itself is covered by the host module's FirmwareInTheLoopTest; these are the refusals. */
class RunHostCommandTest {
    static final String CONFIG = Path.of("../examples/env-sensor.yaml").toString();

    @TempDir
    Path dir;

    @Test
    void refusesABrokerThatIsNotAnMqttUri() {
        Cli r = Cli.run("run-host", CONFIG, "--unit", dir.toString(), "--broker", "http://localhost:8883");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("error: --broker 'http://localhost:8883' is not mqtt[s]://HOST[:PORT]"), r.err());
    }

    @Test
    void refusesAMissingUnitFolderAndSaysHowToProvisionIt() {
        Cli r = Cli.run("run-host", CONFIG, "--unit", dir.resolve("units/dev-009").toString());
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("does not exist"), r.err());
        assertTrue(r.err().contains("hint: provision it first"), r.err());
    }

    @Test
    void refusesAUnitWithoutIdentity() {
        Cli r = Cli.run("run-host", CONFIG, "--unit", dir.toString(), "--work-dir", dir.resolve("work").toString());
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("holds neither identity.bin nor identity.csv"), r.err());
    }

    @Test
    void terminatedRunHostStopsTheFirmwareRemovesItsWorkFolderAndSaysOneLine() throws Exception {
        assumeTrue(Files.isRegularFile(Path.of("/usr/include/mosquitto.h")),
                "libmosquitto-dev is not installed (apt-get install libmosquitto-dev)");
        Path ca = dir.resolve("ca");
        Path unit = dir.resolve("units/dev-1");
        Cli.run("ca", "init", "--out", ca.toString()).ok();
        Cli.run("provision", "--config", CONFIG, "--thing", "dev-1", "--out", unit.toString(), "--ca", ca.toString(),
                "--server-ca", ca.resolve("ca.pem").toString(), "--wifi-ssid", "lab", "--wifi-password", "12345678").ok();
        Path temp = Files.createDirectories(dir.resolve("tmp"));
        Path log = dir.resolve("run-host.log");
        // nothing listens on port 1: the firmware keeps reconnecting until it is stopped
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Djava.io.tmpdir=" + temp, "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "run-host", CONFIG, "--unit", unit.toString(), "--broker", "mqtts://127.0.0.1:1")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Instant deadline = Instant.now().plus(Duration.ofMinutes(3));
        while (!Files.readString(log).contains("reconnect attempt") && Instant.now().isBefore(deadline) && p.isAlive()) {
            Thread.sleep(100);
        }
        assertTrue(p.isAlive(), Files.readString(log));
        p.destroy(); // SIGTERM
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), Files.readString(log));
        String output = Files.readString(log);
        assertEquals(143, p.exitValue(), output);
        assertTrue(output.lines().noneMatch(l -> l.startsWith("error:") || l.startsWith("hint:")), output);
        assertTrue(output.contains("\nrun-host: stopping the firmware and removing " + temp), output);
        try (Stream<Path> left = Files.list(temp)) {
            assertEquals(List.of(), left.toList(), "the work folder (with a copy of the key) is removed");
        }
        assertFalse(ProcessHandle.allProcesses().anyMatch(h -> h.info().commandLine().orElse("").contains(temp.toString())),
                "the firmware was left running");
    }

    @Test
    void flashFileIsLaidOutAsTheBenchWritesItAndTheAppBootsFromIt() throws Exception {
        assumeTrue(Files.isRegularFile(Path.of("/usr/include/mosquitto.h")),
                "libmosquitto-dev is not installed (apt-get install libmosquitto-dev)");
        Path ca = dir.resolve("ca");
        Path unit = dir.resolve("units/dev-1");
        Cli.run("ca", "init", "--out", ca.toString()).ok();
        Cli.run("provision", "--config", CONFIG, "--thing", "dev-1", "--out", unit.toString(), "--ca", ca.toString(),
                "--server-ca", ca.resolve("ca.pem").toString(), "--wifi-ssid", "lab", "--wifi-password", "12345678").ok();
        Path flash = dir.resolve("flash.bin");
        Path work = dir.resolve("work");
        Path log = dir.resolve("run-host.log");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(),
                "run-host", CONFIG, "--unit", unit.toString(), "--broker", "mqtts://127.0.0.1:1",
                "--work-dir", work.toString(), "--flash-file", flash.toString())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            Instant deadline = Instant.now().plus(Duration.ofMinutes(3));
            while (!Files.readString(log).contains("reconnect attempt") && Instant.now().isBefore(deadline) && p.isAlive()) {
                Thread.sleep(100);
            }
            String output = Files.readString(log);
            assertTrue(p.isAlive(), output);
            assertTrue(output.contains("Loaded app from partition at offset 0x20000")
                    || output.contains("from partition ota_0"), output);
            assertTrue(output.lines().anyMatch(l -> l.contains("@EF1") && l.contains("hello") && l.contains("1.2.3")),
                    "the app's console report says hello:\n" + output);

            byte[] bytes = Files.readAllBytes(flash);
            assertEquals(4 << 20, bytes.length);
            assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(flash)), "the flash file holds the private key");
            dev.espfleet.nvs.PartitionTable table = dev.espfleet.nvs.PartitionTable.fromCsv(
                    Files.readString(firstProject(work)),
                    "partitions.csv", dev.espfleet.nvs.PartitionTable.DEFAULT_OFFSET);
            byte[] expectedTable = table.toBinary();
            assertArrayEquals(expectedTable, java.util.Arrays.copyOfRange(bytes, 0x8000, 0x8000 + expectedTable.length));
            byte[] identity = Files.readAllBytes(unit.resolve("identity.bin"));
            dev.espfleet.nvs.PartitionEntry certs = table.entries().stream()
                    .filter(e -> e.name().equals("certs")).findFirst().orElseThrow(); // identity.partition
            assertArrayEquals(identity, java.util.Arrays.copyOfRange(bytes, (int) certs.offset(),
                    (int) certs.offset() + identity.length), "identity.bin at partition " + certs.name());
        } finally {
            p.destroy();
            p.waitFor(60, TimeUnit.SECONDS);
        }
    }

    private static Path firstProject(Path work) throws java.io.IOException {
        try (Stream<Path> all = Files.walk(work)) {
            return all.filter(f -> f.getFileName().toString().equals("partitions.csv")).findFirst().orElseThrow();
        }
    }
}
