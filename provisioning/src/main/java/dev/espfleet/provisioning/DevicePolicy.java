package dev.espfleet.provisioning;

import dev.espfleet.common.EspfleetException;
import java.util.regex.Pattern;

/**
 * The AWS IoT policy every device of a product shares (it grants each device only its own topics
 * through policy variables). The generator renders it from the device config, so the firmware and the
 * policy always name the same shadow and status topics; provisioning only places it in the unit folder.
 */
public record DevicePolicy(String name, String json) {
    /** AWS IoT policy names: 1-128 characters of {@code [\\w+=,.@-]}. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_+=,.@-]{1,128}");

    public DevicePolicy {
        if (name == null || !NAME.matcher(name).matches()) {
            throw EspfleetException.badInput("invalid AWS IoT policy name '" + name
                    + "': expected 1-128 characters of A-Z, a-z, 0-9 and _+=,.@-");
        }
        if (json == null || json.isBlank()) {
            throw EspfleetException.badInput("the AWS IoT policy document for " + name + " is empty");
        }
    }
}
