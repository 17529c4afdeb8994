package dev.espfleet.provisioning;

import dev.espfleet.common.EspfleetException;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Where the device identity lives in NVS: the partition, the namespace and one key per item. The
 * generated firmware reads the same names; {@link #DEFAULT} is what it expects unless configured otherwise.
 */
public record IdentityLayout(String partition, String namespace, String thingNameKey, String endpointKey,
                             String deviceCertKey, String privateKeyKey, String serverCaKey) {
    /** NVS keys and namespaces are at most 15 characters (NVS_KEY_NAME_MAX_SIZE is 16 with the NUL). */
    public static final int MAX_NVS_NAME = 15;
    /** Partition labels are 16 bytes in the partition table entry. */
    public static final int MAX_PARTITION_LABEL = 16;

    public static final IdentityLayout DEFAULT = new IdentityLayout("certs", "identity", "thing_name", "endpoint",
            "device_cert", "private_key", "server_ca");

    public IdentityLayout {
        requireName("partition", partition, MAX_PARTITION_LABEL);
        requireName("namespace", namespace, MAX_NVS_NAME);
        List<String> keys = List.of(thingNameKey, endpointKey, deviceCertKey, privateKeyKey, serverCaKey);
        Set<String> seen = new HashSet<>();
        for (String key : keys) {
            requireName("key", key, MAX_NVS_NAME);
            if (!seen.add(key)) {
                throw EspfleetException.badInput("invalid identity layout: NVS key '" + key + "' is used twice");
            }
        }
    }

    private static void requireName(String what, String name, int max) {
        if (name == null || name.isEmpty() || name.length() > max || !name.matches("[A-Za-z0-9_]+")) {
            throw EspfleetException.badInput("invalid NVS " + what + " name '" + name + "': expected 1-" + max
                    + " characters of [A-Za-z0-9_]");
        }
    }
}
