package dev.espfleet.flasher.command;

/**
 * Where a reply says how its command went, and in which order. The ROM loaders end each reply with a status
 * byte (0 done, 1 failed) and an error byte ({@link RomError} 0x05..0x0B), the ESP32 ROM with two more zero
 * bytes (rom-traces: {@code 01 05 00 00}); esptool's flasher stub sends its error code first (0 done,
 * 0xC0..0xFF failed) and a status byte after it (stub_flasher.c: {@code C1 00} for a bad checksum).
 *
 * @param length     status bytes at the end of the reply
 * @param errorFirst the stub's order: error code, then status
 */
public record StatusFormat(int length, boolean errorFirst) {
    /** esptool's flasher stub, on every chip. */
    public static final StatusFormat STUB = new StatusFormat(2, true);

    /** A ROM loader whose replies end in {@code length} status bytes ({@code ChipSpec.statusLength()}). */
    public static StatusFormat rom(int length) {
        return new StatusFormat(length, false);
    }
}
