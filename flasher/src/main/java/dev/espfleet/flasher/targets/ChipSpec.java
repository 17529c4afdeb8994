package dev.espfleet.flasher.targets;

import java.util.Map;
import java.util.function.IntUnaryOperator;

/**
 * Everything that differs between chips, as constants (esptool's per-chip classes, technical reference
 * manuals). Nothing outside this package asks which chip it is talking to.
 *
 * @param name             the name users see, e.g. {@code ESP32-S3}
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
 */
public record ChipSpec(
        String name,
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
        Map<String, Integer> flashFrequencies) {

    /** The ROM's chip-identifying word (esptool: CHIP_DETECT_MAGIC_REG_ADDR). */
    public static final int MAGIC_REGISTER = 0x40001000;

    /** Reads the chip revision through register reads. */
    @FunctionalInterface
    public interface RevisionDecoder {
        String decode(IntUnaryOperator readRegister);
    }

    /** MAC address bytes from the two eFuse words (bytes 2..7 of high word, low word, big-endian). */
    public byte[] macFrom(int highWord, int lowWord) {
        return new byte[] {
            (byte) (highWord >>> 8), (byte) highWord,
            (byte) (lowWord >>> 24), (byte) (lowWord >>> 16), (byte) (lowWord >>> 8), (byte) lowWord};
    }
}
