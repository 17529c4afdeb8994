package dev.espfleet.nvs;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;

/**
 * One item of an NVS partition: an integer, a string (stored with its NUL) or a blob, in a namespace; or,
 * with a null {@link #key()}, the declaration of a namespace (written where it appears, even if no item
 * follows, as a CSV {@code namespace} row is).
 *
 * @param namespace the namespace name (1..15 ASCII bytes)
 * @param key       the key (1..15 ASCII bytes), null for a namespace declaration
 * @param type      an integer type, {@link NvsType#STRING} or {@link NvsType#BLOB}; null for a declaration
 * @param number    the integer value (two's complement for {@code u64} above {@code Long.MAX_VALUE})
 * @param data      string bytes including the NUL, or blob bytes; null for integers
 */
public record NvsEntry(String namespace, String key, NvsType type, long number, byte[] data) {

    public NvsEntry {
        Objects.requireNonNull(namespace, "namespace");
        if (key != null) {
            Objects.requireNonNull(type, "type");
            if (type.isInteger() != (data == null)) {
                throw new IllegalArgumentException("integers carry a number, strings and blobs carry data");
            }
            if (type == NvsType.BLOB_DATA || type == NvsType.BLOB_IDX) {
                throw new IllegalArgumentException("BLOB_DATA and BLOB_IDX are how a blob is stored, not entries");
            }
        }
    }

    public static NvsEntry namespace(String name) {
        return new NvsEntry(name, null, null, 0, null);
    }

    /** An integer; the value must fit the type (see {@link #checkedInteger}). */
    public static NvsEntry integer(String namespace, String key, NvsType type, long value) {
        if (!type.isInteger()) {
            throw new IllegalArgumentException(type + " is not an integer type");
        }
        return new NvsEntry(namespace, key, type, value, null);
    }

    /** An integer after checking its range; {@code u64} takes values up to 2^64-1. */
    public static NvsEntry checkedInteger(String namespace, String key, NvsType type, BigInteger value) {
        if (value.compareTo(type.min()) < 0 || value.compareTo(type.max()) > 0) {
            throw new IllegalArgumentException(type.csvName() + " value " + value + " is out of range "
                    + type.min() + ".." + type.max());
        }
        return integer(namespace, key, type, value.longValue());
    }

    /** A string, stored UTF-8 with a terminating NUL. */
    public static NvsEntry string(String namespace, String key, String value) {
        return stringBytes(namespace, key, value.getBytes(StandardCharsets.UTF_8));
    }

    /** A string from its bytes (without NUL); the NUL is appended. */
    public static NvsEntry stringBytes(String namespace, String key, byte[] withoutNul) {
        return new NvsEntry(namespace, key, NvsType.STRING, 0, Arrays.copyOf(withoutNul, withoutNul.length + 1));
    }

    public static NvsEntry blob(String namespace, String key, byte[] value) {
        return new NvsEntry(namespace, key, NvsType.BLOB, 0, value.clone());
    }

    public boolean isNamespaceDeclaration() {
        return key == null;
    }

    /** The integer as the type reads it: unsigned types are never negative. */
    public BigInteger integerValue() {
        BigInteger v = BigInteger.valueOf(number);
        if (!type.isSigned() && number < 0) {
            v = v.add(BigInteger.ONE.shiftLeft(64));
        }
        return v;
    }

    /** A string's text without its NUL. */
    public String stringValue() {
        int end = data.length > 0 && data[data.length - 1] == 0 ? data.length - 1 : data.length;
        return new String(data, 0, end, StandardCharsets.UTF_8);
    }

    /** The value as text: decimal, the string, or blob bytes in hex. */
    public String displayValue() {
        if (type.isInteger()) {
            return integerValue().toString();
        }
        return type == NvsType.STRING ? stringValue() : HexFormat.of().formatHex(data);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NvsEntry e && namespace.equals(e.namespace) && Objects.equals(key, e.key)
                && type == e.type && number == e.number && Arrays.equals(data, e.data);
    }

    @Override
    public int hashCode() {
        return Objects.hash(namespace, key, type, number) * 31 + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        if (isNamespaceDeclaration()) {
            return "namespace " + namespace;
        }
        return namespace + "/" + key + " " + type.csvName() + " = " + displayValue();
    }
}
