package dev.espfleet.generator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.generator.config.ConfigLoader;
import dev.espfleet.generator.config.DeviceConfig;
import dev.espfleet.generator.render.ProjectRenderer;
import dev.espfleet.generator.render.ProjectWriter;
import dev.espfleet.nvs.NvsCsv;
import dev.espfleet.nvs.NvsEntry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * NVS keys and names may be any printable ASCII ({@link dev.espfleet.nvs.NvsKey}), and partition names nearly so
 * ({@link dev.espfleet.nvs.PartitionLabel}), so every generated file that carries one escapes it for its language:
 * the C the firmware is built from (compiled here with gcc and run to print the names back, trigraphs and
 * backslashes included) and nvs/identity.csv (read back as nvs_partition_gen.py reads it).
 */
class NvsNamesInGeneratedFilesTest {
    /** Quotes, a backslash, trigraph starters, a comma, a space, '#', '$' and '%' (printf), each within 15 bytes. */
    static final Map<String, String> NAMES = Map.of(
            "identity.partition", "id\"p\\1??=",
            "identity.namespace", "#ns \"1\",2",
            "thing_name", "thing-name",
            "endpoint", "back\\slash",
            "device_cert", "??=cert??/",
            "private_key", "key %s $HOME",
            "server_ca", "ca'`~!",
            "wifi.namespace", "w\\\"i",
            "ssid_key", "#ssid",
            "password_key", "pass,word");

    static String config() {
        return """
                product: {name: names, firmware_version: 1.0.0}
                aws: {endpoint: abc123-ats.iot.eu-west-1.amazonaws.com}
                identity:
                  partition: %s
                  namespace: %s
                  keys:
                    thing_name: %s
                    endpoint: %s
                    device_cert: %s
                    private_key: %s
                    server_ca: %s
                wifi:
                  namespace: %s
                  ssid_key: %s
                  password_key: %s
                """.formatted(yaml("identity.partition"), yaml("identity.namespace"), yaml("thing_name"),
                yaml("endpoint"), yaml("device_cert"),
                yaml("private_key"), yaml("server_ca"), yaml("wifi.namespace"), yaml("ssid_key"), yaml("password_key"));
    }

    /** A YAML double-quoted scalar holding the name. */
    private static String yaml(String key) {
        return '"' + NAMES.get(key).replace("\\", "\\\\").replace("\"", "\\\"") + '"';
    }

    @Test
    void theConfigTakesEveryNameAsWritten() {
        DeviceConfig c = ConfigLoader.parse("names.yaml", "names.yaml", config());
        assertEquals(NAMES.get("identity.namespace"), c.identity().namespace().value());
        assertEquals(NAMES.get("device_cert"), c.identity().deviceCertKey().value());
        assertEquals(NAMES.get("wifi.namespace"), c.wifi().namespace().value());
    }

    @Test
    void theGeneratedCCompilesAndCarriesEachNameUnchanged(@TempDir Path tmp) throws Exception {
        Path project = tmp.resolve("names");
        dev.espfleet.generator.config.DeviceConfig parsed = ConfigLoader.parse("names.yaml", "names.yaml", config());
        ProjectWriter.write(new ProjectRenderer().render(parsed), project);
        List<String> target = GeneratedCCompilesTest.targetDefines(parsed.target());
        Path main = project.resolve("main");
        List<Path> sources;
        try (Stream<Path> s = Files.list(main)) {
            sources = s.filter(p -> p.toString().endsWith(".c")).sorted().toList();
        }
        for (Path source : sources) {
            run(tmp, "gcc", "-std=gnu17", "-Wall", "-Wextra", "-Werror", "-Wtrigraphs", "-c", target.get(0), target.get(1),
                    "-I", GeneratedCCompilesTest.HOST_INCLUDE.toString(), "-I", GeneratedCCompilesTest.CJSON_INCLUDE.toString(),
                    "-I", main.toString(), source.toString(), "-o", tmp.resolve(source.getFileName() + ".o").toString());
        }
        // -std=c17 is strict ISO C: the preprocessor replaces trigraphs there, so an unescaped ??= would show
        Path printer = tmp.resolve("print_names.c");
        Files.writeString(printer, """
                #include <stdio.h>
                #include "espfleet_config.h"
                int main(void)
                {
                    const char *names[] = {ESPFLEET_IDENTITY_PARTITION, ESPFLEET_WIFI_PARTITION,
                        ESPFLEET_IDENTITY_NAMESPACE, ESPFLEET_NVS_KEY_THING_NAME,
                        ESPFLEET_NVS_KEY_ENDPOINT, ESPFLEET_NVS_KEY_DEVICE_CERT, ESPFLEET_NVS_KEY_PRIVATE_KEY,
                        ESPFLEET_NVS_KEY_SERVER_CA, ESPFLEET_WIFI_NAMESPACE, ESPFLEET_NVS_KEY_WIFI_SSID,
                        ESPFLEET_NVS_KEY_WIFI_PASSWORD};
                    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
                        fputs(names[i], stdout);
                        fputc('\\n', stdout);
                    }
                    return 0;
                }
                """);
        run(tmp, "gcc", "-std=c17", "-Wall", "-Wextra", "-Werror", "-I", GeneratedCCompilesTest.HOST_INCLUDE.toString(),
                "-I", main.toString(), printer.toString(), "-o", tmp.resolve("print_names").toString());
        assertEquals(List.of(NAMES.get("identity.partition"), NAMES.get("identity.partition"),
                NAMES.get("identity.namespace"), NAMES.get("thing_name"), NAMES.get("endpoint"),
                NAMES.get("device_cert"), NAMES.get("private_key"), NAMES.get("server_ca"), NAMES.get("wifi.namespace"),
                NAMES.get("ssid_key"), NAMES.get("password_key")),
                run(tmp, tmp.resolve("print_names").toString()).lines().toList());
    }

    /** With Wi-Fi in the identity partition, identity.csv names both namespaces: nvs generate reads them back. */
    @Test
    void identityCsvCarriesEachNameAsNvsPartitionGenReadsIt() {
        String csv = new ProjectRenderer().render(ConfigLoader.parse("names.yaml", "names.yaml", config()))
                .text("nvs/identity.csv");
        Map<String, byte[]> files = Map.of("cert.pem", new byte[] {'c'}, "key.pem", new byte[] {'k'});
        List<NvsEntry> entries = NvsCsv.read("identity.csv", csv, files).stream().map(NvsCsv.Row::entry).toList();
        String ns = NAMES.get("identity.namespace");
        String wifi = NAMES.get("wifi.namespace");
        assertEquals(List.of(NvsEntry.namespace(ns), NvsEntry.string(ns, NAMES.get("thing_name"), "THING_NAME"),
                NvsEntry.string(ns, NAMES.get("endpoint"), "abc123-ats.iot.eu-west-1.amazonaws.com"),
                NvsEntry.string(ns, NAMES.get("device_cert"), "c"), NvsEntry.string(ns, NAMES.get("private_key"), "k"),
                NvsEntry.namespace(wifi), NvsEntry.string(wifi, NAMES.get("ssid_key"), "WIFI_SSID"),
                NvsEntry.string(wifi, NAMES.get("password_key"), "WIFI_PASSWORD")), entries);
    }

    private static String run(Path dir, String... command) throws Exception {
        Process p = new ProcessBuilder(new ArrayList<>(List.of(command))).directory(dir.toFile())
                .redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", command) + ":\n" + output);
        assertTrue(command[0].equals("gcc") ? output.isEmpty() : true, "warnings:\n" + output);
        return output;
    }
}
