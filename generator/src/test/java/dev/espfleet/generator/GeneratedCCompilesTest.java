package dev.espfleet.generator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.generator.config.ConfigLoader;
import dev.espfleet.generator.config.DeviceConfig;
import dev.espfleet.generator.render.ProjectRenderer;
import dev.espfleet.generator.render.ProjectWriter;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every generated .c file compiles with gcc -std=gnu17 -Wall -Wextra -Werror against the host
 * headers in host/include, which mirror ESP-IDF v5.x (a field or function ESP-IDF does not have fails
 * here too), and Debian's real cJSON. CI installs gcc and libcjson-dev; without them this test fails.
 */
class GeneratedCCompilesTest {
    static final Path HOST_INCLUDE = Path.of("..", "host", "include").toAbsolutePath().normalize();
    static final Path CJSON_INCLUDE = Path.of("/usr/include/cjson");

    /**
     * What ESP-IDF's generated sdkconfig.h says of the target, as host builds pass it (host/include/sdkconfig.h
     * takes CONFIG_IDF_TARGET from the command line).
     */
    static List<String> targetDefines(dev.espfleet.model.Chip chip) {
        return List.of("-DCONFIG_IDF_TARGET=\"" + chip.idfName() + "\"",
                "-DCONFIG_IDF_TARGET_" + chip.idfName().toUpperCase(java.util.Locale.ROOT) + "=1");
    }

    static List<String> examples() {
        return Examples.names();
    }

    /** identity.key_source device: app_main calls device_key_prepare (the examples build it with the call left out). */
    @Test
    void aProjectWithKeysBornOnTheDeviceCompilesWarningFree(@TempDir Path tmp) throws Exception {
        String yaml = Files.readString(Examples.DIR.resolve("env-sensor.yaml"), StandardCharsets.UTF_8)
                .replace("identity:\n", "identity:\n  key_source: device\n");
        DeviceConfig config = ConfigLoader.parse("device-keys.yaml", "device-keys.yaml", yaml);
        assertTrue(config.identity().keyBornOnDevice());
        Path project = tmp.resolve("device-keys");
        ProjectWriter.write(new ProjectRenderer().render(config), project);
        assertTrue(Files.readString(project.resolve("main/espfleet_config.h"))
                .contains("#define ESPFLEET_KEY_BORN_ON_DEVICE 1"));
        for (String source : List.of("app_main.c", "device_key.c", "device_key_store.c", "identity.c", "console_report.c")) {
            List<String> cmd = new ArrayList<>(List.of("gcc", "-std=gnu17", "-Wall", "-Wextra", "-Werror",
                    "-Wshadow", "-Wformat=2", "-O2", "-c", "-I", HOST_INCLUDE.toString(), "-I", CJSON_INCLUDE.toString(),
                    "-I", project.resolve("main").toString(), project.resolve("main").resolve(source).toString(), "-o",
                    tmp.resolve(source + ".o").toString()));
            cmd.addAll(targetDefines(config.target()));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.waitFor(), source + " does not compile cleanly:\n" + output);
            assertEquals("", output, source + " printed warnings");
        }
        // the call is compiled in: an object that does not reference device_key_provision would not provision
        Process nm = new ProcessBuilder("nm", tmp.resolve("app_main.c.o").toString()).redirectErrorStream(true).start();
        assertTrue(new String(nm.getInputStream().readAllBytes(), StandardCharsets.UTF_8)
                .contains("U device_key_prepare"));
        nm.waitFor();
    }

    /** identity.claim: fleet_provisioning.c with its template compiled in, and app_main calling it. */
    @Test
    void aProjectWithFleetProvisioningByClaimCompilesWarningFree(@TempDir Path tmp) throws Exception {
        String yaml = Files.readString(Examples.DIR.resolve("env-sensor.yaml"), StandardCharsets.UTF_8)
                .replace("identity:\n", "identity:\n  key_source: device\n  claim: {template: env-sensor-claim}\n");
        DeviceConfig config = ConfigLoader.parse("claim.yaml", "claim.yaml", yaml);
        Path project = tmp.resolve("claim");
        ProjectWriter.write(new ProjectRenderer().render(config), project);
        assertTrue(Files.readString(project.resolve("main/espfleet_config.h"))
                .contains("#define ESPFLEET_CLAIM_TEMPLATE \"env-sensor-claim\""));
        for (String source : List.of("app_main.c", "device_key.c", "fleet_provisioning.c")) {
            List<String> cmd = new ArrayList<>(List.of("gcc", "-std=gnu17", "-Wall", "-Wextra", "-Werror",
                    "-Wshadow", "-Wformat=2", "-O2", "-c", "-I", HOST_INCLUDE.toString(), "-I", CJSON_INCLUDE.toString(),
                    "-I", project.resolve("main").toString(), project.resolve("main").resolve(source).toString(), "-o",
                    tmp.resolve(source + ".o").toString()));
            cmd.addAll(targetDefines(config.target()));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.waitFor(), source + " does not compile cleanly:\n" + output);
            assertEquals("", output, source + " printed warnings");
        }
        // the exchange is compiled in, not the stub that says the firmware has no claim
        Process nm = new ProcessBuilder("nm", tmp.resolve("fleet_provisioning.c.o").toString())
                .redirectErrorStream(true).start();
        String symbols = new String(nm.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        nm.waitFor();
        assertTrue(symbols.contains("U device_key_csr") && symbols.contains("U esp_mqtt_client_publish"), symbols);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void everySourceCompilesWarningFree(String example, @TempDir Path tmp) throws Exception {
        assertTrue(Files.isRegularFile(CJSON_INCLUDE.resolve("cJSON.h")),
                "Debian's libcjson-dev is needed (apt-get install libcjson-dev; .ci/run does it)");
        Path project = tmp.resolve(example);
        ProjectWriter.write(Examples.render(example), project);
        List<Path> sources;
        try (Stream<Path> s = Files.list(project.resolve("main"))) {
            sources = s.filter(p -> p.toString().endsWith(".c")).sorted().toList();
        }
        assertTrue(sources.size() >= 8, "generated sources: " + sources);
        for (Path source : sources) {
            List<String> cmd = new ArrayList<>(List.of("gcc", "-std=gnu17", "-Wall", "-Wextra", "-Werror",
                    "-Wshadow", "-Wformat=2", "-O2", "-c", "-I", HOST_INCLUDE.toString(), "-I", CJSON_INCLUDE.toString(),
                    "-I", project.resolve("main").toString(), source.toString(), "-o",
                    tmp.resolve(source.getFileName() + ".o").toString()));
            cmd.addAll(targetDefines(Examples.config(example).target()));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.waitFor(), source.getFileName() + " does not compile cleanly:\n" + output);
            assertEquals("", output, source.getFileName() + " printed warnings");
        }
        // the console report's other console choices (a chip whose console is USB-Serial/JTAG, or none)
        for (String console : List.of("CONFIG_ESP_CONSOLE_USB_SERIAL_JTAG", "CONFIG_ESP_CONSOLE_NONE")) {
            List<String> cmd = new ArrayList<>(List.of("gcc", "-std=gnu17", "-Wall", "-Wextra", "-Werror", "-Wshadow",
                    "-O2", "-c", "-D" + console + "=1", "-I", HOST_INCLUDE.toString(), "-I", CJSON_INCLUDE.toString(),
                    "-I", project.resolve("main").toString(), project.resolve("main/console_report.c").toString(), "-o",
                    tmp.resolve("console_report-" + console + ".o").toString()));
            cmd.addAll(targetDefines(Examples.config(example).target()));
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, p.waitFor(), "console_report.c with " + console + " does not compile cleanly:\n" + output);
        }
    }

}
