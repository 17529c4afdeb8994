package dev.espfleet.cli;

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
}
