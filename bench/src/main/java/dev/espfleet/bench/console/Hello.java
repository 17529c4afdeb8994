package dev.espfleet.bench.console;

import java.util.Optional;
import java.util.OptionalLong;

/**
 * A device's {@code hello}: at boot, once it has read its identity from NVS (or failed to), and in answer to a
 * {@code query}. Never a secret: the certificate by its hash only.
 *
 * @param fw         the firmware version (ESP-IDF's app version)
 * @param mac        the base MAC from eFuse, {@code aa:bb:cc:dd:ee:ff}
 * @param thing      the thing name read from NVS; empty when it read none
 * @param certSha256 lower-case hex SHA-256 of the DER of the device certificate it loaded; empty for none
 * @param endpoint   as read from NVS, {@code host} or {@code host:port}
 * @param boot       1 on the first report after a reset
 */
public record Hello(long proto, Optional<String> project, String fw, Optional<String> idf, Optional<String> chip,
                    String mac, Optional<String> thing, Optional<String> certSha256, Optional<String> endpoint,
                    OptionalLong boot, OptionalLong uptimeMs) implements DeviceReport {
}
