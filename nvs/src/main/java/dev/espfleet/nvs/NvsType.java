package dev.espfleet.nvs;

import java.math.BigInteger;

/** Item types with their wire values (ESP-IDF {@code nvs_types.h}, {@code ItemType}). */
public enum NvsType {
    U8(0x01, "u8", 1, false),
    I8(0x11, "i8", 1, true),
    U16(0x02, "u16", 2, false),
    I16(0x12, "i16", 2, true),
    U32(0x04, "u32", 4, false),
    I32(0x14, "i32", 4, true),
    U64(0x08, "u64", 8, false),
    I64(0x18, "i64", 8, true),
    /** NUL-terminated string, never spans pages. */
    STRING(0x21, "string", 0, false),
    /** Version 1 blob; also the type of a blob entry handed to the writer, whatever the version. */
    BLOB(0x41, "blob", 0, false),
    BLOB_DATA(0x42, "blob_data", 0, false),
    BLOB_IDX(0x48, "blob_idx", 0, false);

    private final int wire;
    private final String csvName;
    private final int width;
    private final boolean signed;

    NvsType(int wire, String csvName, int width, boolean signed) {
        this.wire = wire;
        this.csvName = csvName;
        this.width = width;
        this.signed = signed;
    }

    public int wire() {
        return wire;
    }

    /** The encoding name in Espressif's CSV ({@code u8}, {@code string}, ...). */
    public String csvName() {
        return csvName;
    }

    public boolean isInteger() {
        return width > 0;
    }

    /** Bytes of an integer type, 0 otherwise. */
    public int width() {
        return width;
    }

    public boolean isSigned() {
        return signed;
    }

    public BigInteger min() {
        return signed ? BigInteger.ONE.shiftLeft(width * 8 - 1).negate() : BigInteger.ZERO;
    }

    public BigInteger max() {
        return signed ? BigInteger.ONE.shiftLeft(width * 8 - 1).subtract(BigInteger.ONE)
                : BigInteger.ONE.shiftLeft(width * 8).subtract(BigInteger.ONE);
    }

    public static NvsType fromWire(int wire) {
        for (NvsType t : values()) {
            if (t.wire == wire) {
                return t;
            }
        }
        return null;
    }

    /** The integer type for a CSV encoding name, or null. */
    public static NvsType integerNamed(String name) {
        for (NvsType t : values()) {
            if (t.isInteger() && t.csvName.equals(name)) {
                return t;
            }
        }
        return null;
    }
}
