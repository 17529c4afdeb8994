package dev.espfleet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code espfleet build} against a fake idf.py on PATH that records its arguments. */
class BuildCommandTest {
    @TempDir
    Path tmp;

    @AfterEach
    void restoreEnvironment() {
        BuildCommand.environment = System.getenv();
    }

    private Path fakeIdf(int exitCode) throws IOException {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path idf = bin.resolve("idf.py");
        Files.writeString(idf, "#!/bin/sh\necho \"$@\" >> \"" + tmp.resolve("idf-calls.txt") + "\"\n"
                + "if [ \"$3\" = set-target ]; then printf 'CONFIG_IDF_TARGET=\"%s\"\\n' \"$4\" > \"$2/sdkconfig\"; fi\n"
                + "exit " + exitCode + "\n");
        Files.setPosixFilePermissions(idf, PosixFilePermissions.fromString("rwxr-xr-x"));
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("PATH", bin + ":/usr/bin:/bin");
        env.remove("IDF_PATH");
        BuildCommand.environment = env;
        return idf;
    }

    private List<String> calls() throws IOException {
        return Files.readAllLines(tmp.resolve("idf-calls.txt"));
    }

    @Test
    void generatesThenRunsSetTargetAndBuild() throws IOException {
        fakeIdf(0);
        Path project = tmp.resolve("proj");
        CliRun run = CliRun.of("build", "../examples/all-types.yaml", "-o", project.toString());

        assertEquals(0, run.exitCode(), run.err());
        assertEquals(List.of("-C " + project + " set-target esp32c3", "-C " + project + " build"), calls());
        assertTrue(Files.isRegularFile(project.resolve("main/aws_mqtt.c")));
    }

    @Test
    void setTargetOnlyWhenTheChipChanges() throws IOException {
        fakeIdf(0);
        Path project = tmp.resolve("proj");
        assertEquals(0, CliRun.of("build", "../examples/env-sensor.yaml", "-o", project.toString()).exitCode());
        assertEquals(0, CliRun.of("build", project.toString(), "--target", "esp32").exitCode());
        assertEquals(0, CliRun.of("build", project.toString(), "--target", "esp32s3").exitCode());

        assertEquals(List.of("-C " + project + " set-target esp32", "-C " + project + " build",
                "-C " + project + " build",
                "-C " + project + " set-target esp32s3", "-C " + project + " build"), calls());
    }

    @Test
    void aProjectDirectoryIsBuiltForTheChipItWasGeneratedFor() throws IOException {
        fakeIdf(0);
        Path project = tmp.resolve("proj");
        // all-types is for esp32c3: a directory must not fall back to esp32 (set-target wipes the build)
        assertEquals(0, CliRun.of("generate", "../examples/all-types.yaml", "-o", project.toString()).exitCode());

        CliRun first = CliRun.of("build", project.toString());
        CliRun again = CliRun.of("build", project.toString());

        assertEquals(0, first.exitCode(), first.toString());
        assertEquals(0, again.exitCode(), again.toString());
        assertTrue(first.out().contains("for esp32c3"), first.out());
        assertEquals(List.of("-C " + project + " set-target esp32c3", "-C " + project + " build",
                "-C " + project + " build"), calls());
    }

    @Test
    void targetOptionOverridesTheChipOfAProjectDirectory() throws IOException {
        fakeIdf(0);
        Path project = tmp.resolve("proj");
        assertEquals(0, CliRun.of("build", "../examples/all-types.yaml", "-o", project.toString()).exitCode());

        CliRun run = CliRun.of("build", project.toString(), "--target", "esp32s3");

        assertEquals(0, run.exitCode(), run.toString());
        assertEquals(List.of("-C " + project + " set-target esp32c3", "-C " + project + " build",
                "-C " + project + " set-target esp32s3", "-C " + project + " build"), calls());
    }

    @Test
    void aDirectoryWithoutATargetInItsDefaultsKeepsTheChipItIsConfiguredFor() throws IOException {
        fakeIdf(0);
        Path project = tmp.resolve("proj");
        assertEquals(0, CliRun.of("build", "../examples/all-types.yaml", "-o", project.toString()).exitCode());
        // a project made before the generator recorded its chip: sdkconfig (esp32c3 here) still says it
        Path defaults = project.resolve("sdkconfig.defaults");
        Files.writeString(defaults, Files.readString(defaults).replaceAll("(?m)^CONFIG_IDF_TARGET=.*\\n", ""));
        Files.setLastModifiedTime(defaults, Files.getLastModifiedTime(project.resolve("sdkconfig")));

        CliRun run = CliRun.of("build", project.toString());

        assertEquals(0, run.exitCode(), run.toString());
        assertEquals(List.of("-C " + project + " set-target esp32c3", "-C " + project + " build",
                "-C " + project + " build"), calls());
    }

    @Test
    void changedSdkconfigDefaultsMakeSdkconfigAgain() throws IOException {
        fakeIdf(0);
        Path project = tmp.resolve("proj");
        assertEquals(0, CliRun.of("build", "../examples/env-sensor.yaml", "-o", project.toString()).exitCode());
        Files.setLastModifiedTime(project.resolve("sdkconfig.defaults"),
                java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() + 60_000));

        CliRun again = CliRun.of("build", project.toString(), "--target", "esp32");

        assertEquals(0, again.exitCode(), again.toString());
        assertTrue(again.err().contains("note: sdkconfig.defaults changed since sdkconfig was made"), again.err());
        assertTrue(Files.exists(project.resolve("sdkconfig.old")));
        assertEquals(List.of("-C " + project + " set-target esp32", "-C " + project + " build",
                "-C " + project + " set-target esp32", "-C " + project + " build"), calls());
    }

    @Test
    void failedBuildIsJobFailure() throws IOException {
        fakeIdf(2);
        CliRun run = CliRun.of("build", "../examples/minimal.yaml", "-o", tmp.resolve("p").toString());
        assertEquals(1, run.exitCode());
        assertTrue(run.err().startsWith("error: idf.py set-target esp32 failed with exit code 2"), run.err());
    }

    @Test
    void withoutEspIdfSaysHowToInstallItAndExits3() {
        Map<String, String> env = new HashMap<>(System.getenv());
        env.put("PATH", tmp.toString());
        env.remove("IDF_PATH");
        BuildCommand.environment = env;
        CliRun run = CliRun.of("build", "../examples/minimal.yaml", "-o", tmp.resolve("p").toString());

        assertEquals(3, run.exitCode());
        assertEquals("error: ESP-IDF not found: idf.py is not on PATH and IDF_PATH is not set", run.err().lines().findFirst().orElse(""));
        assertTrue(run.err().contains("hint: install ESP-IDF v5.x"), run.err());
        assertTrue(Files.notExists(tmp.resolve("p")), "nothing generated when ESP-IDF is missing");
    }

    @Test
    void unknownTargetIsBadInput() throws IOException {
        fakeIdf(0);
        CliRun run = CliRun.of("build", "../examples/minimal.yaml", "--target", "esp8266");
        assertEquals(2, run.exitCode());
        assertTrue(run.err().startsWith("error: --target: unknown chip 'esp8266'"), run.err());
    }

    @Test
    void aTargetWithoutWifiIsBadInputNamingWhy() throws IOException {
        fakeIdf(0);
        CliRun run = CliRun.of("build", "../examples/minimal.yaml", "--target", "esp32h2", "-o",
                tmp.resolve("p").toString());
        assertEquals(2, run.exitCode());
        assertEquals("error: --target: esp32h2 (ESP32-H2) has no Wi-Fi, and the generated firmware reaches AWS IoT over"
                + " Wi-Fi; expected one of esp32, esp32s2, esp32s3, esp32c3, esp32c6\n", run.err());
        assertTrue(Files.notExists(tmp.resolve("p")), "nothing generated for a chip the firmware cannot run on");
    }

    @Test
    void theTargetIsReadInEitherSpelling() throws IOException {
        fakeIdf(0);
        CliRun run = CliRun.of("build", "../examples/minimal.yaml", "--target", "ESP32-S3", "-o",
                tmp.resolve("p").toString());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(run.out().contains(" for esp32s3:"), run.out());
    }
}
