package dev.espfleet.flasher.targets;

/**
 * What a compressed write through the ROM (FLASH_DEFL_BEGIN/DATA, no stub) does to flash past the image,
 * measured on the genuine ESP32 ROM (rom-traces/README.md, flash pre-filled with 0xA5): it re-programs
 * (erases) flash from the region's offset up to offset + (floor(len / 32 KiB) + 1) x 32 KiB, where len is the
 * size announced in FLASH_DEFL_BEGIN. 40 KB at 0x10000 changed 0x1a000-0x1ffff, 64 KB at 0x10000
 * 0x20000-0x27fff, 8 KB at 0x11000 0x13000-0x18fff, 256 KB at 0x10000 0x50000-0x57fff. The MD5 of the image
 * still matches, so the damage is silent. Later ROMs are assumed to do the same until measured; the stub and
 * uncompressed FLASH_DATA change nothing outside the image.
 */
public final class RomDeflateSpill {
    /** The unit the spill is counted in. */
    public static final int UNIT = 32 * 1024;

    private RomDeflateSpill() {
    }

    /** The end (exclusive) of what a compressed ROM write announcing {@code announcedSize} at {@code offset} changes. */
    public static long end(int offset, int announcedSize) {
        return offset + ((long) announcedSize / UNIT + 1) * UNIT;
    }
}
