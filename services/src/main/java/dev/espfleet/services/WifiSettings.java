package dev.espfleet.services;

/**
 * The Wi-Fi network a front end was given for the devices ({@code --wifi-ssid}, {@code --wifi-password});
 * {@link DeviceProfile#placeWifi} decides where they are written.
 *
 * @param password empty for an open network
 */
public record WifiSettings(String ssid, String password) {
    public WifiSettings {
        password = password == null ? "" : password;
    }
}
