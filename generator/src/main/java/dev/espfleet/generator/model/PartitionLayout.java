package dev.espfleet.generator.model;

import dev.espfleet.generator.config.DeviceConfig;
import dev.espfleet.nvs.PartitionTable;
import java.util.ArrayList;
import java.util.List;

/**
 * The generated partition table: the default NVS, OTA data, PHY data, the identity NVS partition on
 * its own (so a bench can rewrite identity without touching anything else) and two OTA app slots. With
 * {@code identity.key_source: device}, the end of flash holds the key the device makes, in an NVS partition of
 * its own that the firmware opens encrypted ({@link #DEVICE_KEYS}), and on a chip without the HMAC peripheral
 * the {@code nvs_keys} partition its XTS keys live in (docs/nvs-encryption.md).
 */
public final class PartitionLayout {
    /** The default NVS partition, which ESP-IDF's nvs_flash_init() opens. */
    public static final String DEFAULT_NVS = "nvs";
    /** The partitions every generated table has; the identity partition needs a name of its own. */
    public static final List<String> FIXED_PARTITIONS = List.of(DEFAULT_NVS, "otadata", "phy_init", "ota_0", "ota_1");
    /** The NVS partition of the device-made key and its certificate, initialised encrypted by the firmware. */
    public static final String DEVICE_KEYS = "dev_keys";
    /** Four pages: a P-256 key, its certificate and chain, and the free page NVS keeps for garbage collection. */
    public static final int DEVICE_KEYS_SIZE = 0x4000;
    /** The NVS key partition of the flash-encryption-based scheme (ESP-IDF: data, nvs_keys, encrypted, 4 KB). */
    public static final String NVS_KEYS = "nvs_keys";
    public static final int NVS_KEYS_SIZE = 0x1000;
    /** What the device-key partitions take from the end of flash: one 64 KB step of the app slots. */
    private static final int DEVICE_KEYS_REGION = 0x10000;
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
        boolean deviceKeys = config.identity().keyBornOnDevice();
        int reserved = deviceKeys ? DEVICE_KEYS_REGION : 0;
        int slot = ((config.flashSize().bytes() - FIRST_APP - reserved) / 2) / APP_ALIGN * APP_ALIGN;
        List<Row> rows = new ArrayList<>(List.of(
                new Row(DEFAULT_NVS, "data", "nvs", NVS_OFFSET, NVS_SIZE, ""),
                new Row("otadata", "data", "ota", OTADATA_OFFSET, OTADATA_SIZE, ""),
                new Row("phy_init", "data", "phy", PHY_OFFSET, PHY_SIZE, ""),
                new Row(config.identity().partition().value(), "data", "nvs", IDENTITY_OFFSET, identitySize, ""),
                new Row("ota_0", "app", "ota_0", FIRST_APP, slot, ""),
                new Row("ota_1", "app", "ota_1", FIRST_APP + slot, slot, "")));
        if (deviceKeys) {
            int at = FIRST_APP + 2 * slot;
            rows.add(new Row(DEVICE_KEYS, "data", "nvs", at, DEVICE_KEYS_SIZE, ""));
            if (flashEncryptionScheme(config)) {
                rows.add(new Row(NVS_KEYS, "data", "nvs_keys", at + DEVICE_KEYS_SIZE, NVS_KEYS_SIZE, "encrypted"));
            }
        }
        return List.copyOf(rows);
    }

    /**
     * Whether the project's NVS keys are protected by flash encryption (an {@code nvs_keys} partition): on a chip
     * without the HMAC peripheral. The others derive them from an eFuse HMAC key.
     */
    public static boolean flashEncryptionScheme(DeviceConfig config) {
        return !config.target().hasHmacPeripheral();
    }
}
