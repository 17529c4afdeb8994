package dev.espfleet.provisioning;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.nvs.NvsKey;
import dev.espfleet.nvs.PartitionLabel;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Where the device identity lives in NVS: the partition, the namespace and one key per item. The
 * generated firmware reads the same names; {@link #DEFAULT} is what it expects unless configured otherwise.
 * The names are held to the NVS format's own rules ({@link NvsKey}, {@link PartitionLabel}), as the config is.
 */
public record IdentityLayout(PartitionLabel partition, NvsKey namespace, NvsKey thingNameKey, NvsKey endpointKey,
                             NvsKey deviceCertKey, NvsKey privateKeyKey, NvsKey serverCaKey) {
    public static final IdentityLayout DEFAULT = new IdentityLayout(PartitionLabel.of("certs"), NvsKey.of("identity"),
            NvsKey.of("thing_name"), NvsKey.of("endpoint"), NvsKey.of("device_cert"), NvsKey.of("private_key"),
            NvsKey.of("server_ca"));

    public IdentityLayout {
        List<NvsKey> keys = List.of(thingNameKey, endpointKey, deviceCertKey, privateKeyKey, serverCaKey);
        Set<NvsKey> seen = new HashSet<>();
        for (NvsKey key : keys) {
            if (!seen.add(key)) {
                throw EspfleetException.badInput("invalid identity layout: NVS key '" + key + "' is used twice");
            }
        }
        java.util.Objects.requireNonNull(partition, "partition");
        java.util.Objects.requireNonNull(namespace, "namespace");
    }
}
