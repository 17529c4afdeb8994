package dev.espfleet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Modes of what holds keys and records, whatever the umask: the CLI runs in a subprocess under
 * {@code umask 000}, where every file and folder made with default modes would be world-writable.
 */
class FileModesTest {
    @TempDir
    Path tmp;

    private void run(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("sh", "-c", "umask 000; exec \"$@\"", "sh",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", args) + "\n" + output);
    }

    private static String mode(Path p) throws IOException {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void keysFoldersAndRecordsAreOwnerOnlyUnderUmask000() throws Exception {
        Path ca = tmp.resolve("ca");
        Path unit = tmp.resolve("provisioned/dev-1");
        Path units = tmp.resolve("units");
        run("ca", "init", "--out", ca.toString());
        run("provision", "--config", "../examples/env-sensor.yaml", "--thing", "dev-1", "--out", unit.toString(),
                "--ca", ca.toString(), "--server-ca", ca.resolve("ca.pem").toString());
        run("bench", "--config", "../examples/env-sensor.yaml", "--ca", ca.toString(), "--server-ca",
                ca.resolve("ca.pem").toString(), "--ports", "sim:1", "--units", units.toString());
        Path benchUnit = units.resolve("env-sensor-240ac4e50001");

        for (Path folder : List.of(ca, unit.getParent(), unit, unit.resolve("aws"), units, benchUnit,
                benchUnit.resolve("aws"))) {
            assertEquals("rwx------", mode(folder), folder.toString());
        }
        for (Path secret : List.of(ca.resolve("ca.key.pem"), unit.resolve("key.pem"), unit.resolve("identity.bin"),
                benchUnit.resolve("key.pem"), benchUnit.resolve("identity.bin"), units.resolve("ledger.db"),
                units.resolve("audit.jsonl"), benchUnit.resolve("bench.log"), benchUnit.resolve(".lock"))) {
            assertEquals("rw-------", mode(secret), secret.toString());
        }
        // nothing anywhere is writable by others, or by the group
        try (Stream<Path> all = Files.walk(tmp)) {
            for (Path p : all.toList()) {
                Set<PosixFilePermission> perms = Files.getPosixFilePermissions(p);
                assertTrue(!perms.contains(PosixFilePermission.OTHERS_WRITE)
                        && !perms.contains(PosixFilePermission.GROUP_WRITE), p + " is " + mode(p));
            }
        }
    }
}
