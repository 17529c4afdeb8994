package dev.espfleet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.nvs.NvsEntry;
import dev.espfleet.nvs.NvsPartitionReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One rule for NVS keys ({@link dev.espfleet.nvs.NvsKey}) decides for every command: a key validate accepts is
 * generated into the firmware and written by provision into identity.bin, and a key it refuses is refused at its
 * line before provision writes anything. (It was two rules: generate put {@code thing-name} into the firmware,
 * then provision refused it as "invalid NVS key name", with no file or line.)
 */
class OneNvsKeyRuleTest {
    @TempDir
    Path tmp;
    Path ca;

    @BeforeEach
    void makeCa() {
        ca = tmp.resolve("ca");
        Cli.run("ca", "init", "--out", ca.toString()).ok();
    }

    private Path config(String thingNameKey) throws Exception {
        Path config = tmp.resolve("device.yaml");
        Files.writeString(config, """
                product:
                  name: keys
                  firmware_version: 1.0.0
                aws:
                  endpoint: abc123-ats.iot.eu-west-1.amazonaws.com
                identity:
                  keys:
                    thing_name: %s
                """.formatted(thingNameKey));
        return config;
    }

    private Cli provision(Path config, Path unit) {
        return Cli.run("provision", "--config", config.toString(), "--thing", "dev-001", "--out", unit.toString(),
                "--ca", ca.toString(), "--server-ca", ca.resolve("ca.pem").toString());
    }

    @Test
    void aKeyWithAHyphenIsValidForValidateGenerateAndProvision() throws Exception {
        Path config = config("thing-name");
        Cli validate = Cli.run("validate", config.toString());
        assertEquals(0, validate.exit(), validate.err());

        Path project = tmp.resolve("project");
        Cli.run("generate", config.toString(), "-o", project.toString()).ok();
        assertTrue(Files.readString(project.resolve("main/espfleet_config.h"))
                .contains("#define ESPFLEET_NVS_KEY_THING_NAME \"thing-name\"\n"));
        assertTrue(Files.readAllLines(project.resolve("nvs/identity.csv")).contains("thing-name,data,string,THING_NAME"));

        Path unit = tmp.resolve("units/dev-001");
        Cli provision = provision(config, unit);
        assertEquals(0, provision.exit(), provision.err());
        List<NvsEntry> identity = NvsPartitionReader.read(Files.readAllBytes(unit.resolve("identity.bin"))).items()
                .stream().filter(e -> e.namespace().equals("identity")).toList();
        assertEquals(NvsEntry.string("identity", "thing-name", "dev-001"), identity.get(0));
        assertFalse(identity.stream().anyMatch(e -> "thing_name".equals(e.key())), identity.toString());
    }

    @Test
    void aSixteenByteKeyIsRefusedAtItsLineByValidateAndNeverReachesProvision() throws Exception {
        assertRefusedEverywhere("thing_name_16byt", "'thing_name_16byt' is 16 bytes; NVS keys and namespaces are at"
                + " most 15 bytes");
    }

    @Test
    void aNonAsciiKeyIsRefusedAtItsLineByValidateAndNeverReachesProvision() throws Exception {
        assertRefusedEverywhere("gerätename", "'gerätename' has the non-ASCII or control character U+00E4 at position 4;"
                + " NVS keys and namespaces are printable ASCII");
    }

    private void assertRefusedEverywhere(String key, String problem) throws Exception {
        Path config = config(key);
        String located = config + ":8:17: identity.keys.thing_name: " + problem + "\n"
                + "error: invalid config " + config + ": 1 problem\n";
        Cli validate = Cli.run("validate", config.toString());
        assertEquals(2, validate.exit());
        assertEquals(located, validate.err());

        Path project = tmp.resolve("project");
        Cli generate = Cli.run("generate", config.toString(), "-o", project.toString());
        assertEquals(2, generate.exit());
        assertEquals(located, generate.err());
        assertFalse(Files.exists(project));

        Path unit = tmp.resolve("units/dev-001");
        Cli provision = provision(config, unit);
        assertEquals(2, provision.exit());
        assertEquals(located, provision.err());
        assertFalse(Files.exists(unit), "provision wrote nothing");
    }
}
