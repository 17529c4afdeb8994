package dev.espfleet.flasher.targets;

import dev.espfleet.model.Chip;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntUnaryOperator;

/**
 * Everything that differs between chips, as constants (esptool's per-chip classes, technical reference
 * manuals), one spec per {@link Chip}: {@link #of(Chip)} is where a chip's constants are looked up. Nothing
 * outside this package asks which chip it is talking to.
 *
 * @param chip             the chip these constants are of
 * @param magicValues      values of the register at {@link #MAGIC_REGISTER} that identify the chip
 * @param securityChipId   chip id in the GET_SECURITY_INFO reply, -1 if the ROM does not send one
 * @param statusLength     status bytes at the end of each ROM reply: 4 on the ESP32, 2 on later ROMs
 * @param flashBeginWords  32-bit words FLASH_BEGIN takes: 4 on the ESP32 ROM, 5 (with "encrypted") later
 * @param macHigh          register holding MAC bytes 0-1 in its low half
 * @param macLow           register holding MAC bytes 2-5
 * @param macCrcInHigh     whether bits 16-23 of {@code macHigh} hold a CRC-8 of the MAC (ESP32 eFuse BLK0)
 * @param spi              SPI1 registers for raw flash commands
 * @param imageChipId      chip id in byte 12 of an app image's extended header
 * @param bootloaderOffset where the second-stage bootloader lives in flash
 * @param romRegisters     register values of a real ROM in download mode (simulator seed), beyond magic and MAC
 * @param revision         decodes the chip revision from registers; {@code null} where not supported
 * @param flashFrequencies image-header codes (low nibble of byte 3) per flash frequency, e.g. 40m -> 0x0
 * @param dromBase         start of the flash-mapped data (DROM) window: an app's first segment, holding its
 *                         esp_app_desc_t, is mapped at dromBase + 0x20 (ESP-IDF's SOC_DROM_LOW)
 * @param bootloaderDram   load address of the bootloader's first DRAM segment (where its esp_bootloader_desc_t
 *                         sits), as the ROM prints it in "load:0x...": it moves a little between ESP-IDF releases
 */
public record ChipSpec(
        Chip chip,
        int[] magicValues,
        int securityChipId,
        int statusLength,
        int flashBeginWords,
        int macHigh,
        int macLow,
        boolean macCrcInHigh,
        SpiRegisters spi,
        int imageChipId,
        int bootloaderOffset,
        Map<Integer, Integer> romRegisters,
        RevisionDecoder revision,
        Map<String, Integer> flashFrequencies,
        int dromBase,
        int bootloaderDram) {

    /** The ROM's chip-identifying word (esptool: CHIP_DETECT_MAGIC_REG_ADDR). */
    public static final int MAGIC_REGISTER = 0x40001000;

    /** Flash frequency codes in the image header (esptool's FLASH_FREQUENCY of each chip class). */
    private static final Map<String, Integer> CLASSIC_FREQUENCIES = Map.of("80m", 0xF, "40m", 0x0, "26m", 0x1, "20m", 0x2);

    private static final ChipSpec ESP32 = new ChipSpec(Chip.ESP32, new int[] {0x00F01D83}, -1, 4, 4,
            0x3FF5A008, 0x3FF5A004, true, SpiRegisters.esp32(0x3FF42000), 0, 0x1000,
            // seen in ../shared/rom-traces (ESP32 ECO3 ROM): eFuse BLK0 words 3-6, APB_CTRL_DATE,
            // UART0 clock divider (40 MHz crystal at 115200), GPIO strapping (download mode)
            Map.of(0x3FF5A00C, 0x00008000, 0x3FF5A010, 0x00000000, 0x3FF5A014, 0x00100000,
                    0x3FF5A018, 0x00000000, 0x3FF6607C, 0x96042000, 0x3FF40014, 0x0000015A,
                    0x3FF44038, 0x0000000F),
            ChipSpec::esp32Revision, CLASSIC_FREQUENCIES, 0x3F400000, 0x3FFF0030);
    private static final ChipSpec ESP32S2 = new ChipSpec(Chip.ESP32S2, new int[] {0x000007C6}, -1, 2, 5,
            0x3F41A048, 0x3F41A044, false, SpiRegisters.later(0x3F402000), 2, 0x1000, Map.of(), null,
            CLASSIC_FREQUENCIES, 0x3F000000, 0x3FFE6100);
    private static final ChipSpec ESP32S3 = new ChipSpec(Chip.ESP32S3, new int[] {0x00000009}, 9, 2, 5,
            0x60007048, 0x60007044, false, SpiRegisters.later(0x60002000), 9, 0x0, Map.of(), null,
            CLASSIC_FREQUENCIES, 0x3C000000, 0x3FCE2810);
    private static final ChipSpec ESP32C3 = new ChipSpec(Chip.ESP32C3,
            new int[] {0x6921506F, 0x1B31506F, 0x4881606F, 0x4361606F}, 5, 2, 5,
            0x60008848, 0x60008844, false, SpiRegisters.later(0x60002000), 5, 0x0, Map.of(), null,
            CLASSIC_FREQUENCIES, 0x3C000000, 0x3FCD5820);
    private static final ChipSpec ESP32C6 = new ChipSpec(Chip.ESP32C6, new int[] {0x2CE0806F}, 13, 2, 5,
            0x600B0848, 0x600B0844, false, SpiRegisters.later(0x60003000), 13, 0x0, Map.of(), null,
            Map.of("80m", 0x0, "40m", 0x0, "20m", 0x2), 0x42800000, 0x40875720);
    private static final ChipSpec ESP32H2 = new ChipSpec(Chip.ESP32H2, new int[] {0xD7B73E80}, 16, 2, 5,
            0x600B0848, 0x600B0844, false, SpiRegisters.later(0x60003000), 16, 0x0, Map.of(), null,
            Map.of("48m", 0xF, "24m", 0x0, "16m", 0x1, "12m", 0x2), 0x42800000, 0x408556B0);

    /** Reads the chip revision through register reads. */
    @FunctionalInterface
    public interface RevisionDecoder {
        String decode(IntUnaryOperator readRegister);
    }

    /** The constants of {@code chip}: every chip espfleet knows has them (the switch covers them all). */
    public static ChipSpec of(Chip chip) {
        return switch (chip) {
            case ESP32 -> ESP32;
            case ESP32S2 -> ESP32S2;
            case ESP32S3 -> ESP32S3;
            case ESP32C3 -> ESP32C3;
            case ESP32C6 -> ESP32C6;
            case ESP32H2 -> ESP32H2;
        };
    }

    /** The chip whose magic register reads {@code magic}. */
    public static Optional<Chip> byMagic(int magic) {
        return Arrays.stream(Chip.values()).filter(c -> Arrays.stream(of(c).magicValues).anyMatch(m -> m == magic))
                .findFirst();
    }

    /** The chip a GET_SECURITY_INFO reply names. */
    public static Optional<Chip> bySecurityChipId(int id) {
        return Arrays.stream(Chip.values()).filter(c -> of(c).securityChipId == id && id >= 0).findFirst();
    }

    /** The chip an app or bootloader image's extended header names. */
    public static Optional<Chip> byImageChipId(int id) {
        return Arrays.stream(Chip.values()).filter(c -> of(c).imageChipId == id).findFirst();
    }

    /** MAC address bytes from the two eFuse words (bytes 2..7 of high word, low word, big-endian). */
    public byte[] macFrom(int highWord, int lowWord) {
        return new byte[] {
            (byte) (highWord >>> 8), (byte) highWord,
            (byte) (lowWord >>> 24), (byte) (lowWord >>> 16), (byte) (lowWord >>> 8), (byte) lowWord};
    }

    /**
     * ESP32 revision (esptool's ESP32ROM.get_major/minor_chip_version): bit 15 of eFuse word 3, bit 20 of
     * word 5 and bit 31 of APB_CTRL_DATE combine to 0, 1, 3 or 7 for v0..v3; the minor is word 5 bits 24-25.
     */
    private static String esp32Revision(IntUnaryOperator reg) {
        int word3 = reg.applyAsInt(0x3FF5A00C);
        int word5 = reg.applyAsInt(0x3FF5A014);
        int apbDate = reg.applyAsInt(0x3FF6607C);
        int combined = ((apbDate >>> 31) & 1) << 2 | ((word5 >>> 20) & 1) << 1 | ((word3 >>> 15) & 1);
        int major = switch (combined) {
            case 0 -> 0;
            case 1 -> 1;
            case 3 -> 2;
            case 7 -> 3;
            default -> -1;
        };
        int minor = (word5 >>> 24) & 0x3;
        return major < 0 ? "unknown" : "v" + major + "." + minor;
    }
}
