package dev.espfleet.generator.config;

/**
 * Where a unit's private key is made: {@code identity.key_source}. {@code host}: the bench (or {@code provision})
 * makes key and certificate on the workstation and writes both into the identity image. {@code device}: the
 * firmware makes the key on the chip at its first boot and keeps it in its identity partition; the bench writes
 * only what is not secret (thing name, endpoint, server CA) and signs the certificate request the device offers
 * on its console (docs/console-protocol.md).
 */
public enum KeySource {
    HOST("host"),
    DEVICE("device");

    private final String label;

    KeySource(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
