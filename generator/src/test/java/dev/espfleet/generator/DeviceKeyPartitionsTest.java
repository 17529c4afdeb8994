package dev.espfleet.generator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.espfleet.generator.config.ConfigLoader;
import dev.espfleet.generator.config.DeviceConfig;
import dev.espfleet.generator.render.GeneratedProject;
import dev.espfleet.generator.render.ProjectRenderer;
import dev.espfleet.nvs.PartitionTable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * identity.key_source device: the partition table and sdkconfig.defaults that ESP-IDF v5.5's NVS encryption needs for
 * the partition of the device-made key, per the scheme the chip has (docs/nvs-encryption.md). The examples' goldens
 * cover key_source host, where neither changes.
 */
class DeviceKeyPartitionsTest {
    private static GeneratedProject render(String chip) throws IOException {
        String yaml = Files.readString(Examples.DIR.resolve("env-sensor.yaml"), StandardCharsets.UTF_8)
                .replace("identity:\n", "identity:\n  key_source: device\n")
                .replace("\ntarget: esp32\n", "\ntarget: " + chip + "\n");
        DeviceConfig config = ConfigLoader.parse("device-keys.yaml", "device-keys.yaml", yaml);
        return new ProjectRenderer().render(config);
    }

    private static String text(GeneratedProject project, String file) {
        return new String(project.files().get(file), StandardCharsets.UTF_8);
    }

    private static List<String> rows(GeneratedProject project) {
        return text(project, "partitions.csv").lines().filter(l -> !l.startsWith("#")).toList();
    }

    private static List<String> nvsLines(GeneratedProject project) {
        return text(project, "sdkconfig.defaults").lines()
                .filter(l -> l.startsWith("CONFIG_NVS_") || l.startsWith("CONFIG_SECURE_")).toList();
    }

    @Test
    void theEsp32KeepsItsNvsKeysInAnEncryptedNvsKeysPartitionUnderFlashEncryption() throws IOException {
        GeneratedProject project = render("esp32");
        assertEquals(List.of(
                "nvs, data, nvs, 0x9000, 0x6000,",
                "otadata, data, ota, 0xf000, 0x2000,",
                "phy_init, data, phy, 0x11000, 0x1000,",
                "certs, data, nvs, 0x12000, 0x6000,",
                "ota_0, app, ota_0, 0x20000, 0x1e0000,",
                "ota_1, app, ota_1, 0x200000, 0x1e0000,",
                "dev_keys, data, nvs, 0x3e0000, 0x4000,",
                "nvs_keys, data, nvs_keys, 0x3e4000, 0x1000, encrypted"), rows(project));
        assertEquals(List.of("CONFIG_SECURE_FLASH_ENC_ENABLED=y", "CONFIG_SECURE_FLASH_ENCRYPTION_MODE_DEVELOPMENT=y",
                "CONFIG_NVS_ENCRYPTION=y", "CONFIG_NVS_SEC_KEY_PROTECT_USING_FLASH_ENC=y"), nvsLines(project));
        // the table is one ESP-IDF takes: aligned, inside the 4 MB flash, the encrypted partition on a 4 KB boundary
        PartitionTable table = PartitionTable.fromCsv(text(project, "partitions.csv"), "partitions.csv",
                PartitionTable.DEFAULT_OFFSET);
        table.verify("partitions.csv", PartitionTable.DEFAULT_OFFSET);
        table.checkFits(4 * 1024 * 1024, "partitions.csv");
    }

    @Test
    void chipsWithTheHmacPeripheralDeriveTheirNvsKeysFromAnEfuseKeyWithoutAnNvsKeysPartition() throws IOException {
        for (String chip : List.of("esp32s2", "esp32s3", "esp32c3", "esp32c6")) {
            GeneratedProject project = render(chip);
            List<String> rows = rows(project);
            assertEquals("dev_keys, data, nvs, 0x3e0000, 0x4000,", rows.get(rows.size() - 1), chip);
            assertFalse(rows.stream().anyMatch(r -> r.contains("nvs_keys")), chip);
            assertEquals(List.of("CONFIG_NVS_ENCRYPTION=y", "CONFIG_NVS_SEC_KEY_PROTECT_USING_HMAC=y",
                    "CONFIG_NVS_SEC_HMAC_EFUSE_KEY_ID=5"), nvsLines(project), chip);
        }
    }
}
