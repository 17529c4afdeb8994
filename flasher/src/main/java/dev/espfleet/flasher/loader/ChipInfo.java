package dev.espfleet.flasher.loader;

import dev.espfleet.model.Chip;
import dev.espfleet.model.MacAddress;


/** What {@code chip-info} reports. */
public record ChipInfo(Chip chip, MacAddress mac, String revision, int flashJedecId, int flashSize) {

    /** Manufacturer, device type and capacity bytes, e.g. {@code c8 40 16}. */
    public String jedecText() {
        return String.format("%02x %02x %02x", flashJedecId & 0xFF, (flashJedecId >> 8) & 0xFF,
                (flashJedecId >> 16) & 0xFF);
    }

    public static String sizeText(int bytes) {
        return bytes >= 1 << 20 && bytes % (1 << 20) == 0 ? (bytes >> 20) + " MB" : (bytes >> 10) + " KB";
    }
}
