package dev.espfleet.flasher.connection;

import java.io.ByteArrayOutputStream;

/**
 * Turns a byte stream into SLIP packets, one byte at a time. Bytes outside a frame (boot messages, line
 * noise) are counted and skipped; a frame with an invalid escape is dropped whole, because its content can
 * no longer be trusted.
 */
public final class SlipDecoder {
    private final ByteArrayOutputStream frame = new ByteArrayOutputStream(2048);
    private boolean inFrame;
    private boolean escaping;
    private boolean corrupt;
    private long skippedBytes;
    private long droppedFrames;

    /** Feeds one byte; returns a complete packet (without delimiters) or {@code null}. */
    public byte[] feed(int b) {
        b &= 0xFF;
        if (!inFrame) {
            if (b == Slip.END) {
                inFrame = true;
                frame.reset();
                escaping = false;
                corrupt = false;
            } else {
                skippedBytes++;
            }
            return null;
        }
        if (b == Slip.END) {
            if (frame.size() == 0 && !corrupt) {
                // two delimiters in a row: the second one starts the frame
                return null;
            }
            inFrame = false;
            if (corrupt || escaping) {
                droppedFrames++;
                return null;
            }
            return frame.toByteArray();
        }
        if (escaping) {
            escaping = false;
            if (b == Slip.ESC_END) {
                frame.write(Slip.END);
            } else if (b == Slip.ESC_ESC) {
                frame.write(Slip.ESC);
            } else {
                corrupt = true;
            }
        } else if (b == Slip.ESC) {
            escaping = true;
        } else {
            frame.write(b);
        }
        return null;
    }

    /** Forgets a half-received frame (after a timeout or a baud change). */
    public void reset() {
        inFrame = false;
        escaping = false;
        corrupt = false;
        frame.reset();
    }

    public long skippedBytes() {
        return skippedBytes;
    }

    public long droppedFrames() {
        return droppedFrames;
    }
}
