package dev.espfleet.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.generator.config.ConfigLoader;
import dev.espfleet.generator.config.DeviceConfig;
import dev.espfleet.model.ThingName;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * identity.bin is what {@code nvs generate} (and so Espressif's generator) makes of the identity.csv written
 * beside it, for every example config, Wi-Fi credentials included where they go into the identity partition.
 */
class IdentityImageMatchesNvsGenerateTest {
    private static final Path EXAMPLES = Path.of("../examples");
    /** A comma, quotes and a '#': the CSV must quote them as Python's csv reads them back. */
    private static final String SSID = "#Lab \"2,4\"";
    private static final String PASSWORD = "pass,word\"1";

    @TempDir
    Path tmp;
    Path ca;

    @BeforeEach
    void makeCa() {
        ca = tmp.resolve("ca");
        Cli.run("ca", "init", "--out", ca.toString()).ok();
    }

    /** Provisions one unit from {@code config}, with Wi-Fi when the config keeps it in the identity partition. */
    private Path provision(Path config, String name) {
        DeviceConfig device = ConfigLoader.load(config);
        Path unit = tmp.resolve("units").resolve(name);
        List<String> args = new ArrayList<>(List.of("provision", "--config", config.toString(), "--thing",
                device.aws().thingName().map(ThingName::value).orElse("dev-001"), "--out", unit.toString(), "--ca", ca.toString(),
                "--server-ca", ca.resolve("ca.pem").toString()));
        if (device.wifi().partition().equals(device.identity().partition())) {
            args.addAll(List.of("--wifi-ssid", SSID, "--wifi-password", PASSWORD));
        }
        Cli.run(args.toArray(String[]::new)).ok();
        return unit;
    }

    private void assertImageIsNvsGenerateOfTheCsv(Path config, Path unit) throws Exception {
        int size = ConfigLoader.load(config).identity().partitionSize();
        Path generated = tmp.resolve(unit.getFileName() + "-generated.bin");
        Cli.run("nvs", "generate", unit.resolve("identity.csv").toString(), generated.toString(),
                "0x" + Integer.toHexString(size)).ok();
        assertArrayEquals(Files.readAllBytes(generated), Files.readAllBytes(unit.resolve("identity.bin")),
                unit.getFileName().toString());
    }

    @Test
    void identityBinIsNvsGenerateOfIdentityCsvForEveryExampleConfig() throws Exception {
        List<Path> configs;
        try (Stream<Path> files = Files.list(EXAMPLES)) {
            configs = files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertTrue(configs.size() >= 3, configs.toString());
        int withWifi = 0;
        for (Path config : configs) {
            Path unit = provision(config, config.getFileName().toString().replace(".yaml", ""));
            assertImageIsNvsGenerateOfTheCsv(config, unit);
            if (Files.readString(unit.resolve("identity.csv")).contains("\"#Lab \"\"2,4\"\"\"")) {
                withWifi++;
                assertEquals("rw-------", PosixFilePermissions.toString(
                        Files.getPosixFilePermissions(unit.resolve("identity.csv"))), "it holds the Wi-Fi password");
            }
        }
        assertTrue(withWifi >= 1, "no example keeps Wi-Fi in the identity partition");
    }

    /**
     * Wi-Fi keys named as the ESP-IDF Wi-Fi driver names its own (sta.ssid, sta.pswd) bring the records
     * Espressif's generator adds for them: in identity.bin as in nvs generate of identity.csv.
     */
    @Test
    void wifiKeysNamedLikeTheWifiDriversBringItsRecordsAsNvsGenerateAddsThem() throws Exception {
        Path config = tmp.resolve("driver-keys.yaml");
        Files.writeString(config, Files.readString(EXAMPLES.resolve("env-sensor.yaml"))
                + "wifi:\n  namespace: nvs.net80211\n  ssid_key: sta.ssid\n  password_key: sta.pswd\n");
        Path unit = provision(config, "driver-keys");
        assertImageIsNvsGenerateOfTheCsv(config, unit);
        String dump = Cli.run("nvs", "dump", unit.resolve("identity.bin").toString()).ok().out();
        for (String key : List.of("sta.ssid", "sta.apinfo", "sta.pmk", "sta.apsw", "sta.pswd")) {
            assertTrue(dump.lines().anyMatch(l -> l.startsWith(key + ",")), key + " missing from\n" + dump);
        }
    }
}
