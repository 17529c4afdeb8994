package dev.espfleet.flasher.targets;

/**
 * The SPI1 controller registers the loader drives by hand to send a raw flash command (JEDEC id): base
 * address and offsets of USER, USER1, USER2, MOSI/MISO bit lengths and W0 (technical reference manual of
 * each chip, "SPI registers").
 */
public record SpiRegisters(int base, int usr, int usr1, int usr2, int mosiDlen, int misoDlen, int w0) {
    /** Bit in SPI_CMD_REG that starts a user-defined transaction and clears itself when done. */
    public static final int CMD_USR = 1 << 18;
    public static final int USR_COMMAND = 1 << 31;
    public static final int USR_MISO = 1 << 28;
    public static final int USR_MOSI = 1 << 27;
    /** USER2: command bit length sits in the top 4 bits. */
    public static final int USR2_COMMAND_BITLEN_SHIFT = 28;

    /** The layout of the ESP32. */
    static SpiRegisters esp32(int base) {
        return new SpiRegisters(base, 0x1C, 0x20, 0x24, 0x28, 0x2C, 0x80);
    }

    /** The layout shared by ESP32-S2 and later chips. */
    static SpiRegisters later(int base) {
        return new SpiRegisters(base, 0x18, 0x1C, 0x20, 0x24, 0x28, 0x58);
    }

    public int cmd() {
        return base;
    }

    public int at(int offset) {
        return base + offset;
    }
}
