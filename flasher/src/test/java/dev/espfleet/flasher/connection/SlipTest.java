package dev.espfleet.flasher.connection;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SlipTest {

    private static List<byte[]> decodeAll(SlipDecoder d, byte[] stream) {
        List<byte[]> out = new ArrayList<>();
        for (byte b : stream) {
            byte[] f = d.feed(b);
            if (f != null) {
                out.add(f);
            }
        }
        return out;
    }

    @Test
    void escapesEndAndEscBytes() {
        byte[] framed = Slip.encode(new byte[] {0x01, (byte) 0xC0, 0x02, (byte) 0xDB, 0x03});
        assertArrayEquals(new byte[] {(byte) 0xC0, 0x01, (byte) 0xDB, (byte) 0xDC, 0x02, (byte) 0xDB, (byte) 0xDD, 0x03,
            (byte) 0xC0}, framed);
    }

    @Test
    void roundTripsEveryByteValue() {
        byte[] all = new byte[256];
        for (int i = 0; i < 256; i++) {
            all[i] = (byte) i;
        }
        List<byte[]> frames = decodeAll(new SlipDecoder(), Slip.encode(all));
        assertEquals(1, frames.size());
        assertArrayEquals(all, frames.get(0));
    }

    @Test
    void skipsBootMessagesBetweenFrames() {
        SlipDecoder d = new SlipDecoder();
        byte[] noise = "ets Jun  8 2016 00:22:57\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] stream = new byte[noise.length + 4];
        System.arraycopy(noise, 0, stream, 0, noise.length);
        System.arraycopy(Slip.encode(new byte[] {0x42, 0x43}), 0, stream, noise.length, 4);
        List<byte[]> frames = decodeAll(d, stream);
        assertEquals(1, frames.size());
        assertArrayEquals(new byte[] {0x42, 0x43}, frames.get(0));
        assertEquals(noise.length, d.skippedBytes());
    }

    @Test
    void dropsAFrameWithAnInvalidEscape() {
        SlipDecoder d = new SlipDecoder();
        List<byte[]> frames = decodeAll(d, new byte[] {(byte) 0xC0, 0x01, (byte) 0xDB, 0x05, 0x02, (byte) 0xC0});
        assertEquals(0, frames.size());
        assertEquals(1, d.droppedFrames());
        assertNull(d.feed(0x01));
    }
}
