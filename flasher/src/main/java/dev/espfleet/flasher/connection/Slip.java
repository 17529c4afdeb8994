package dev.espfleet.flasher.connection;

import java.io.ByteArrayOutputStream;

/**
 * SLIP framing (RFC 1055) as the ESP ROM loader uses it: every packet starts and ends with {@code 0xC0};
 * inside, {@code 0xC0} becomes {@code DB DC} and {@code 0xDB} becomes {@code DB DD}.
 */
public final class Slip {
    public static final int END = 0xC0;
    public static final int ESC = 0xDB;
    public static final int ESC_END = 0xDC;
    public static final int ESC_ESC = 0xDD;

    private Slip() {
    }

    /** One framed packet, delimiters included. */
    public static byte[] encode(byte[] packet) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(packet.length + 16);
        out.write(END);
        for (byte b : packet) {
            int v = b & 0xFF;
            if (v == END) {
                out.write(ESC);
                out.write(ESC_END);
            } else if (v == ESC) {
                out.write(ESC);
                out.write(ESC_ESC);
            } else {
                out.write(v);
            }
        }
        out.write(END);
        return out.toByteArray();
    }
}
