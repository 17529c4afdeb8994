package dev.espfleet.flasher.image;

import dev.espfleet.flasher.targets.ChipSpec;
import dev.espfleet.model.Chip;
import java.util.List;
import java.util.Optional;

/**
 * espfleet's "host payload": in an app image for a simulated chip, the segment loaded at
 * {@value #LOAD_ADDRESS_HEX} carries a Linux executable (an ELF file, zero-padded to a multiple of 4 bytes) that
 * the simulated chip runs as its application. The range {@code [0x7E000000, 0x80000000)} is no memory of any
 * ESP32-family chip espfleet knows, so a real second-stage bootloader refuses such an image ("bad load address
 * range") instead of jumping into it; the image is otherwise a valid ESP-IDF app image (header, app description,
 * checksum, SHA-256).
 */
public final class HostPayload {
    public static final int LOAD_ADDRESS = 0x7E00_0000;
    static final String LOAD_ADDRESS_HEX = "0x7E000000";
    /** The end of the range (exclusive): a payload of up to 32 MB. */
    public static final long RANGE_END = 0x8000_0000L;

    private HostPayload() {
    }

    /** The payload of a parsed image, if it has one. */
    public static Optional<AppImage.Segment> in(AppImage image) {
        return image.segmentIn(LOAD_ADDRESS & 0xFFFFFFFFL, RANGE_END);
    }

    /**
     * A valid ESP-IDF app image for {@code chip} that carries {@code elf} as its host payload: the first segment
     * is the DROM segment mapped at the chip's DROM base + 0x20 holding the app description (so it sits at offset
     * 0x20 of the file, where ESP-IDF's tools read it), the second the payload at {@link #LOAD_ADDRESS}; entry
     * {@link #LOAD_ADDRESS}; DIO, 40 MHz, the flash size given; any chip revision; SHA-256 appended.
     */
    public static byte[] appImage(Chip chip, int flashSize, AppDescription description, byte[] elf) {
        ChipSpec spec = ChipSpec.of(chip);
        return AppImage.write(AppImage.SPI_MODE_DIO, sizeCode(flashSize), LOAD_ADDRESS, spec.imageChipId(), 0, 0xFFFF,
                true, List.of(new AppImage.Segment(spec.dromBase() + AppImage.FIRST_SEGMENT_DATA, description.encode(), 0),
                        new AppImage.Segment(LOAD_ADDRESS, elf, 0)));
    }

    /**
     * A second-stage bootloader image for a simulated {@code chip}: valid (header, checksum, SHA-256) with one DRAM
     * segment holding the bootloader description, and no code (the simulator runs the bootloader's logic itself).
     */
    public static byte[] bootloaderImage(Chip chip, int flashSize, BootloaderDescription description) {
        ChipSpec spec = ChipSpec.of(chip);
        return AppImage.write(AppImage.SPI_MODE_DIO, sizeCode(flashSize), LOAD_ADDRESS, spec.imageChipId(), 0, 0xFFFF,
                true, List.of(new AppImage.Segment(spec.bootloaderDram(), description.encode(), 0)));
    }

    /** Byte 3's high nibble: 0 = 1 MB, 1 = 2 MB, 2 = 4 MB ... (esptool's image format); 40 MHz in the low one. */
    static int sizeCode(int flashSize) {
        int mb = flashSize >> 20;
        if (mb < 1 || Integer.bitCount(mb) != 1 || mb > 128) {
            throw new IllegalArgumentException("flash size " + flashSize + " is not 1, 2, 4 ... 128 MB");
        }
        return Integer.numberOfTrailingZeros(mb) << 4;
    }
}
