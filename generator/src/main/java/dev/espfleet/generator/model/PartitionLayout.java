package dev.espfleet.generator.model;

import dev.espfleet.generator.config.DeviceConfig;
import dev.espfleet.nvs.PartitionTable;
import java.util.List;

/**
 * The generated partition table: the default NVS, OTA data, PHY data, the identity NVS partition on
 * its own (so a bench can rewrite identity without touching anything else) and two OTA app slots.
 */
public final class PartitionLayout {
    /** The default NVS partition, which ESP-IDF's nvs_flash_init() opens. */
    public static final String DEFAULT_NVS = "nvs";
    /** The partitions every generated table has; the identity partition needs a name of its own. */
    public static final List<String> FIXED_PARTITIONS = List.of(DEFAULT_NVS, "otadata", "phy_init", "ota_0", "ota_1");
    /** App partitions must start on a 64 KB boundary. */
    private static final int APP_ALIGN = 0x10000;
    public static final int FIRST_APP = 0x20000;
    // the table sits at ESP-IDF's default offset (sdkconfig.defaults) and takes one 4 KB sector
    private static final int NVS_OFFSET = PartitionTable.DEFAULT_OFFSET + PartitionTable.TABLE_SECTOR_SIZE;
    private static final int NVS_SIZE = 0x6000;
    private static final int OTADATA_OFFSET = NVS_OFFSET + NVS_SIZE;
    private static final int OTADATA_SIZE = 0x2000;
    private static final int PHY_OFFSET = OTADATA_OFFSET + OTADATA_SIZE;
    private static final int PHY_SIZE = 0x1000;
    /** Where the identity partition starts: after phy_init. */
    public static final int IDENTITY_OFFSET = PHY_OFFSET + PHY_SIZE;
    /** The largest identity partition: what fits between phy_init and the first app slot. */
    public static final int MAX_IDENTITY_SIZE = FIRST_APP - IDENTITY_OFFSET;

    public record Row(String name, String type, String subtype, int offset, int size, String flags) {
    }

    private PartitionLayout() {
    }

    public static List<Row> of(DeviceConfig config) {
        int identitySize = config.identity().partitionSize();
        if (identitySize > MAX_IDENTITY_SIZE) {
            throw new IllegalStateException("identity partition does not fit before the first app slot");
        }
        int slot = ((config.flashSize().bytes() - FIRST_APP) / 2) / APP_ALIGN * APP_ALIGN;
        return List.of(
                new Row(DEFAULT_NVS, "data", "nvs", NVS_OFFSET, NVS_SIZE, ""),
                new Row("otadata", "data", "ota", OTADATA_OFFSET, OTADATA_SIZE, ""),
                new Row("phy_init", "data", "phy", PHY_OFFSET, PHY_SIZE, ""),
                new Row(config.identity().partition().value(), "data", "nvs", IDENTITY_OFFSET, identitySize, ""),
                new Row("ota_0", "app", "ota_0", FIRST_APP, slot, ""),
                new Row("ota_1", "app", "ota_1", FIRST_APP + slot, slot, ""));
    }
}
