package dev.espfleet.services;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.generator.config.ConfigException;
import dev.espfleet.generator.config.ConfigLoader;
import dev.espfleet.generator.render.GeneratedProject;
import dev.espfleet.generator.render.ProjectRenderer;
import dev.espfleet.model.ThingName;
import dev.espfleet.nvs.NvsEntry;
import dev.espfleet.nvs.NvsPartitionReader;
import dev.espfleet.nvs.PartitionEntry;
import dev.espfleet.nvs.PartitionLabel;
import dev.espfleet.nvs.PartitionTable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class DeviceProfileTest {
    static final String BASE = """
            product:
              name: lab-sensor
              firmware_version: 1.0.0
            aws:
              endpoint: abc123-ats.iot.eu-west-1.amazonaws.com
            """;

    @TempDir
    Path tmp;

    private DeviceProfile profile(String more) throws Exception {
        Path file = tmp.resolve("device.yaml");
        Files.writeString(file, BASE + more);
        return DeviceProfile.load(file);
    }

    /** What a build of the generated project will have: the partitions.csv the generator writes. */
    @ParameterizedTest
    @ValueSource(strings = {"minimal", "env-sensor", "all-types"})
    void theFlashLayoutIsThePartitionTableOfTheGeneratedProject(String example) {
        DeviceProfile profile = DeviceProfile.load(Path.of("..", "examples", example + ".yaml"));
        GeneratedProject project = new ProjectRenderer().render(profile.config());
        PartitionTable table = PartitionTable.fromCsv(project.text("partitions.csv"), "partitions.csv",
                PartitionTable.DEFAULT_OFFSET);
        assertEquals(table.entries().size(), profile.flashLayout().partitions().size());
        for (PartitionEntry e : table.entries()) {
            FlashLayout.Partition p = profile.flashLayout().partition(PartitionLabel.of(e.name()));
            assertEquals(e.offset(), p.offset(), e.name());
            assertEquals(e.size(), p.size(), e.name());
        }
        assertEquals(profile.identityLayout().partition(), profile.identityPartition().label());
        // the policy is the project's aws/policy.json, rendered alone
        assertEquals(project.text("aws/policy.json"), profile.policy().json());
        assertEquals(profile.config().product().name() + "-device", profile.policy().name());
    }

    @Test
    void wifiGoesIntoTheIdentityImageWhenTheFirmwareReadsItFromTheIdentityPartition() throws Exception {
        DeviceProfile profile = profile("");
        assertTrue(profile.wifiPlacement().inIdentityImage());
        DeviceProfile.WifiWrite write = profile.placeWifi(Optional.of(new WifiSettings("lab-ap", "secret123")));
        assertEquals("lab-ap", write.inIdentityImage().orElseThrow().ssid());
        assertTrue(write.ownImage().isEmpty());
        assertEquals(new DeviceProfile.WifiWrite(Optional.empty(), Optional.empty()), profile.placeWifi(Optional.empty()));
    }

    @Test
    void wifiGetsAnImageOfItsOwnForTheNvsPartitionWhenTheFirmwareReadsItThere() throws Exception {
        DeviceProfile profile = profile("wifi:\n  partition: nvs\n  namespace: net\n");
        assertFalse(profile.wifiPlacement().inIdentityImage());
        DeviceProfile.WifiWrite write = profile.placeWifi(Optional.of(new WifiSettings("lab-ap", null)));
        assertTrue(write.inIdentityImage().isEmpty());
        PartitionImage image = write.ownImage().orElseThrow();
        assertEquals(new FlashLayout.Partition(PartitionLabel.of("nvs"), 0x9000, 0x6000), image.partition());
        assertEquals(List.of(NvsEntry.string("net", "ssid", "lab-ap"), NvsEntry.string("net", "password", "")),
                NvsPartitionReader.read(image.image()).items().stream().filter(e -> "net".equals(e.namespace())).toList());
        assertEquals(0x9000, image.region("Wi-Fi").offset());
        assertTrue(image.region("Wi-Fi").secret(), "the password is never traced");
    }

    @Test
    void badWifiCredentialsAreRefusedWhereverTheyWouldGo() throws Exception {
        EspfleetException e = assertThrows(EspfleetException.class, () -> profile("wifi:\n  partition: nvs\n")
                .placeWifi(Optional.of(new WifiSettings("lab-ap", "short"))));
        assertEquals("--wifi-password must be empty (open network), 8 to 63 characters, or 64 hex digits; got 5 bytes",
                e.getMessage());
    }

    @Test
    void identityKeysUsedTwiceAreRefusedNamingTheConfig() throws Exception {
        // the config's own rule refuses it at its line, before any derivation (validate, provision, bench alike)
        ConfigException e = assertThrows(ConfigException.class, () -> profile("identity:\n  keys:\n    endpoint: thing_name\n"));
        assertEquals(1, e.details().size(), e.details().toString());
        assertTrue(e.details().get(0).matches(java.util.regex.Pattern.quote(tmp.resolve("device.yaml").toString())
                + ":\\d+:\\d+: .*'thing_name'.*"), e.details().get(0));
    }

    @Test
    void aWifiKeyThatIsAnIdentityKeyOfTheSameNamespaceIsRefused() throws Exception {
        // the config's own rule refuses it at its line, before any derivation (validate, provision, bench alike)
        ConfigException e = assertThrows(ConfigException.class, () -> profile("wifi:\n  namespace: identity\n  ssid_key: endpoint\n"));
        assertEquals(1, e.details().size(), e.details().toString());
        assertTrue(e.details().get(0).matches(java.util.regex.Pattern.quote(tmp.resolve("device.yaml").toString())
                + ":\\d+:\\d+: .*'endpoint'.*"), e.details().get(0));
    }

    /**
     * nvs_partition_gen.py takes a key named like a Wi-Fi driver record (sta.ssid) as that record whatever the row:
     * an identity value, which is a file row, would be stored as its path. The config refuses it at its line.
     */
    @Test
    void anIdentityKeyNamedLikeAWifiDriverRecordIsRefusedAtItsLine() throws Exception {
        ConfigException e = assertThrows(ConfigException.class,
                () -> profile("identity:\n  keys:\n    thing_name: sta.ssid\n"));
        assertEquals(1, e.details().size(), e.details().toString());
        assertTrue(e.details().get(0).matches(java.util.regex.Pattern.quote(tmp.resolve("device.yaml").toString())
                + ":\\d+:\\d+: identity.keys.thing_name: 'sta.ssid' is a name nvs_partition_gen.py takes for an "
                + "ESP-IDF Wi-Fi driver record.*"), e.details().get(0));
    }

    @Test
    void aWifiImageOfItsOwnWithOneKeyForSsidAndPasswordIsRefused() throws Exception {
        // the config's own rule refuses it at its line, before any derivation (validate, provision, bench alike)
        ConfigException e = assertThrows(ConfigException.class, () -> profile("wifi:\n  partition: nvs\n  ssid_key: creds\n  password_key: creds\n"));
        assertEquals(1, e.details().size(), e.details().toString());
        assertTrue(e.details().get(0).matches(java.util.regex.Pattern.quote(tmp.resolve("device.yaml").toString())
                + ":\\d+:\\d+: .*'creds'.*"), e.details().get(0));
    }

    @Test
    void aPinnedThingNameTakesOnlyThatThingAndNoFleet() {
        DeviceProfile profile = DeviceProfile.of(ConfigLoader.parse("lab.yaml", "lab.yaml",
                BASE.replace("aws:\n", "aws:\n  thing_name: lab-01\n")));
        profile.requireThing(ThingName.of("lab-01"));
        EspfleetException other = assertThrows(EspfleetException.class, () -> profile.requireThing(ThingName.of("lab-02")));
        assertEquals("lab.yaml: aws.thing_name pins 'lab-01' into the firmware, which would connect as 'lab-01', not "
                + "'lab-02'; use --thing lab-01 or remove aws.thing_name to read the name from NVS", other.getMessage());
        EspfleetException fleet = assertThrows(EspfleetException.class, profile::requireFleet);
        assertTrue(fleet.getMessage().startsWith("lab.yaml: aws.thing_name pins one thing name into the firmware"),
                fleet.getMessage());
    }
}
