package dev.espfleet.generator.model;

import dev.espfleet.generator.config.DeviceConfig;
import dev.espfleet.nvs.PartitionTable;
import java.util.List;

/**
 * The generated partition table: the default NVS, OTA data, PHY data, the identity NVS partition on
 * its own (so a bench can rewrite identity without touching anything else) and two OTA app slots.
 */
public final class PartitionLayout {
    /** App partitions must start on a 64 KB boundary. */
    private static final int APP_ALIGN = 0x10000;
    private static final int FIRST_APP = 0x20000;

    public record Row(String name, String type, String subtype, int offset, int size, String flags) {
    }

    private PartitionLayout() {
    }

    public static List<Row> of(DeviceConfig config) {
        int identitySize = config.identity().partitionSize();
        // the table sits at ESP-IDF's default offset (sdkconfig.defaults) and takes one 4 KB sector
        int nvs = PartitionTable.DEFAULT_OFFSET + PartitionTable.TABLE_SECTOR_SIZE;
        int otadata = nvs + 0x6000;
        int phy = otadata + 0x2000;
        int identity = phy + 0x1000;
        if (identity + identitySize > FIRST_APP) {
            throw new IllegalStateException("identity partition does not fit before the first app slot");
        }
        int slot = ((config.flashSize().bytes() - FIRST_APP) / 2) / APP_ALIGN * APP_ALIGN;
        return List.of(
                new Row("nvs", "data", "nvs", nvs, 0x6000, ""),
                new Row("otadata", "data", "ota", otadata, 0x2000, ""),
                new Row("phy_init", "data", "phy", phy, 0x1000, ""),
                new Row(config.identity().partition().value(), "data", "nvs", identity, identitySize, ""),
                new Row("ota_0", "app", "ota_0", FIRST_APP, slot, ""),
                new Row("ota_1", "app", "ota_1", FIRST_APP + slot, slot, ""));
    }
}
