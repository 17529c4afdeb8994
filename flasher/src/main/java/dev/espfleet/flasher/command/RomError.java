package dev.espfleet.flasher.command;

/**
 * The error byte of a failed reply (status byte 1), named as in esptool's serial-protocol documentation:
 * 0x05..0x0B come from the ROM, 0xC0..0xFF from the stub.
 */
public enum RomError {
    INVALID_MESSAGE(0x05, "received message is invalid (parameters or length field)"),
    FAILED_TO_ACT(0x06, "failed to act on received message"),
    INVALID_CRC(0x07, "invalid checksum in message"),
    FLASH_WRITE_ERROR(0x08, "flash write error (after writing a block the flash read back different data)"),
    FLASH_READ_ERROR(0x09, "SPI read failed"),
    FLASH_READ_LENGTH_ERROR(0x0A, "SPI read request length is too long"),
    DEFLATE_ERROR(0x0B, "deflate error (compressed data is corrupt)"),
    BAD_DATA_LEN(0xC0, "stub: bad data length"),
    BAD_DATA_CHECKSUM(0xC1, "stub: bad data checksum"),
    BAD_BLOCKSIZE(0xC2, "stub: bad block size"),
    INVALID_COMMAND(0xC3, "stub: invalid command"),
    FAILED_SPI_OP(0xC4, "stub: SPI operation failed"),
    FAILED_SPI_UNLOCK(0xC5, "stub: SPI unlock failed"),
    NOT_IN_FLASH_MODE(0xC6, "stub: not in flash mode"),
    INFLATE_ERROR(0xC7, "stub: inflate error"),
    NOT_ENOUGH_DATA(0xC8, "stub: not enough data"),
    TOO_MUCH_DATA(0xC9, "stub: too much data"),
    CMD_NOT_IMPLEMENTED(0xFF, "stub: command not implemented"),
    UNKNOWN(-1, "unknown error code");

    private final int code;
    private final String meaning;

    RomError(int code, String meaning) {
        this.code = code;
        this.meaning = meaning;
    }

    public int code() {
        return code;
    }

    public String meaning() {
        return meaning;
    }

    public static RomError fromCode(int code) {
        for (RomError e : values()) {
            if (e.code == code) {
                return e;
            }
        }
        return UNKNOWN;
    }

    /** An error code the ROM loaders send (with status byte 1). */
    public boolean fromRom() {
        return code >= 0x05 && code <= 0x0B;
    }

    /** An error code esptool's stub sends (in place of the status byte). */
    public boolean fromStub() {
        return code >= 0xC0;
    }

    /**
     * The stub refuses a data block with one of these before it looks at the data (stub_flasher.c), so it
     * dropped the block and sending it again is safe. (The ROM takes no other block of a write after any
     * refusal, rom-traces/README.md.)
     */
    public boolean stubDroppedBlock() {
        return this == BAD_DATA_CHECKSUM || this == BAD_DATA_LEN;
    }
}
