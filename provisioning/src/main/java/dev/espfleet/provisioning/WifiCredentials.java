package dev.espfleet.provisioning;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.nvs.NvsKey;
import java.nio.charset.StandardCharsets;

/**
 * Wi-Fi credentials written next to the identity in the identity image, under the NVS namespace and
 * keys the firmware reads them from. ESP-IDF's {@code wifi_sta_config_t} holds a 32-byte SSID and a
 * password of at most 63 characters (or 64 hex digits).
 */
public record WifiCredentials(NvsKey namespace, NvsKey ssidKey, NvsKey passwordKey, String ssid, String password) {
    public WifiCredentials {
        int ssidBytes = ssid == null ? 0 : ssid.getBytes(StandardCharsets.UTF_8).length;
        if (ssidBytes < 1 || ssidBytes > 32) {
            throw EspfleetException.badInput("--wifi-ssid must be 1 to 32 bytes, got " + ssidBytes);
        }
        int passwordBytes = password == null ? 0 : password.getBytes(StandardCharsets.UTF_8).length;
        if (passwordBytes > 64 || passwordBytes == 64 && !password.matches("[0-9A-Fa-f]{64}")
                || passwordBytes > 0 && passwordBytes < 8) {
            throw EspfleetException.badInput("--wifi-password must be empty (open network), 8 to 63 characters, "
                    + "or 64 hex digits; got " + passwordBytes + " bytes");
        }
    }
}
