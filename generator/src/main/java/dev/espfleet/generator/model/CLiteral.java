package dev.espfleet.generator.model;

import java.nio.charset.StandardCharsets;

/** C source literals for values computed in Java, so that templates never escape anything. */
public final class CLiteral {
    private CLiteral() {
    }

    /** A C string literal; non-ASCII bytes as octal escapes so the source file stays ASCII. */
    public static String string(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (byte raw : s.getBytes(StandardCharsets.UTF_8)) {
            int c = raw & 0xff;
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                case '?' -> b.append("\\?"); // no trigraphs
                default -> {
                    if (c < 0x20 || c >= 0x7f) {
                        b.append(String.format("\\%03o", c));
                    } else {
                        b.append((char) c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    /** A double literal that reads back to the same value ("0.025", "10.0", "-1e-05"). */
    public static String real(double d) {
        String s = Double.toString(d);
        if (s.contains("E")) {
            s = s.replace("E", "e");
        }
        return s;
    }

    /** An integer literal that is valid C for every int32/int64 value, INT32_MIN included. */
    public static String integer(long v) {
        if (v == Long.MIN_VALUE) {
            return "INT64_MIN";
        }
        if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
            return "INT64_C(" + v + ")";
        }
        if (v == Integer.MIN_VALUE) {
            return "(-2147483647 - 1)";
        }
        return Long.toString(v);
    }
}
