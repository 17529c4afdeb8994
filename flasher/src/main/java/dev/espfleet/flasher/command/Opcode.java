package dev.espfleet.flasher.command;

import java.util.Optional;

/**
 * Command opcodes of the ESP ROM loader protocol with their wire values (esptool serial-protocol
 * documentation, "Supported by ROM and stub" / "stub only"). {@link #romSupported} says whether the ESP32
 * mask ROM answers it; the stub-only ones get an "invalid message" error from the ROM.
 */
public enum Opcode {
    FLASH_BEGIN(0x02, true),
    FLASH_DATA(0x03, true),
    FLASH_END(0x04, true),
    MEM_BEGIN(0x05, true),
    MEM_END(0x06, true),
    MEM_DATA(0x07, true),
    SYNC(0x08, true),
    WRITE_REG(0x09, true),
    READ_REG(0x0A, true),
    SPI_SET_PARAMS(0x0B, true),
    SPI_ATTACH(0x0D, true),
    /** ROM-only 64-byte flash read, the slow path esptool uses when there is no stub. */
    READ_FLASH_SLOW(0x0E, true),
    CHANGE_BAUDRATE(0x0F, true),
    FLASH_DEFL_BEGIN(0x10, true),
    FLASH_DEFL_DATA(0x11, true),
    FLASH_DEFL_END(0x12, true),
    SPI_FLASH_MD5(0x13, true),
    /** Not in the ESP32 ROM (it answers with an error); later ROMs answer it. */
    GET_SECURITY_INFO(0x14, false),
    ERASE_FLASH(0xD0, false),
    ERASE_REGION(0xD1, false),
    READ_FLASH(0xD2, false),
    RUN_USER_CODE(0xD3, false);

    private final int code;
    private final boolean romSupported;

    Opcode(int code, boolean romSupported) {
        this.code = code;
        this.romSupported = romSupported;
    }

    public int code() {
        return code;
    }

    /** Whether the ESP32 mask ROM implements it. */
    public boolean romSupported() {
        return romSupported;
    }

    public static Optional<Opcode> fromCode(int code) {
        for (Opcode op : values()) {
            if (op.code == code) {
                return Optional.of(op);
            }
        }
        return Optional.empty();
    }

    /** The name for a raw opcode byte, e.g. {@code FLASH_DATA} or {@code 0x42}. */
    public static String describe(int code) {
        return fromCode(code).map(Enum::name).orElse(String.format("0x%02X", code));
    }
}
