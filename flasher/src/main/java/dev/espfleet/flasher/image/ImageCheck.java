package dev.espfleet.flasher.image;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.flasher.targets.ChipSpec;
import dev.espfleet.model.Chip;

/**
 * Refuses an ESP-IDF app or bootloader image built for another chip: such images start with 0xE9 and carry
 * the chip id in bytes 12-13 of the extended header (ESP-IDF "App image format").
 */
public final class ImageCheck {
    static final int IMAGE_MAGIC = 0xE9;
    static final int CHIP_ID_OFFSET = 12;
    static final int MIN_HEADER = 24;

    private ImageCheck() {
    }

    public static void requireChip(FlashRegion region, Chip chip) {
        byte[] d = region.data();
        if (d.length < MIN_HEADER || (d[0] & 0xFF) != IMAGE_MAGIC) {
            return;
        }
        int id = (d[CHIP_ID_OFFSET] & 0xFF) | (d[CHIP_ID_OFFSET + 1] & 0xFF) << 8;
        if (id != ChipSpec.of(chip).imageChipId()) {
            String built = ChipSpec.byImageChipId(id).map(Chip::displayName).orElse("chip id " + id);
            throw new EspfleetException(ExitStatus.BAD_INPUT, region.name() + " is built for " + built
                    + ", but the connected chip is " + chip.displayName(),
                    "build for " + chip.idfName() + " (idf.py set-target " + chip.idfName() + ") or connect the right board");
        }
    }
}
