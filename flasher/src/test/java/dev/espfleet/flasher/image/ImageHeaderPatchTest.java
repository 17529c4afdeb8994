package dev.espfleet.flasher.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.flasher.targets.ChipSpec;
import dev.espfleet.model.Chip;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ImageHeaderPatchTest {

    /** A one-segment ESP32 image (qio, 4MB, 40m) with its SHA-256 appended: 64 bytes of image, 32 of digest. */
    static byte[] image() throws Exception {
        ByteBuffer b = ByteBuffer.allocate(96).order(ByteOrder.LITTLE_ENDIAN);
        b.put((byte) 0xE9).put((byte) 1).put((byte) 0).put((byte) 0x20).putInt(0x40080000);
        b.put((byte) 0xEE).put(new byte[3]).putShort((short) 0).put((byte) 0).putShort((short) 0).putShort((short) 0)
                .put(new byte[4]).put((byte) 1);
        b.putInt(0x3FFB0000).putInt(16).put(new byte[16]);
        // 48 bytes so far; checksum byte at 63 ends the 16-byte block
        b.position(63);
        b.put((byte) 0xEF);
        byte[] d = b.array();
        System.arraycopy(MessageDigest.getInstance("SHA-256").digest(Arrays.copyOf(d, 64)), 0, d, 64, 32);
        return d;
    }

    @Test
    void setsModeAndSizeAndRecomputesTheAppendedSha256() throws Exception {
        byte[] d = image();
        ImageHeaderPatch.Result r = ImageHeaderPatch.apply(new FlashRegion("bootloader.bin", 0x1000, d),
                ChipSpec.of(Chip.ESP32), "dio", "80m", "2MB", 4 << 20);
        byte[] p = r.region().data();
        assertEquals(2, p[2]);
        assertEquals(0x1F, p[3] & 0xFF);
        assertArrayEquals(MessageDigest.getInstance("SHA-256").digest(Arrays.copyOf(p, 64)), Arrays.copyOfRange(p, 64, 96));
        assertTrue(r.note().orElseThrow().contains("SHA-256 updated"), r.note().orElseThrow());
    }

    @Test
    void keepLeavesTheImageAsItIs() throws Exception {
        FlashRegion region = new FlashRegion("bootloader.bin", 0x1000, image());
        assertSame(region, ImageHeaderPatch.apply(region, ChipSpec.of(Chip.ESP32), "keep", "keep", "keep", 4 << 20).region());
    }

    @Test
    void onlyTheImageAtTheBootloaderOffsetIsPatched() throws Exception {
        FlashRegion app = new FlashRegion("app.bin", 0x10000, image());
        assertSame(app, ImageHeaderPatch.apply(app, ChipSpec.of(Chip.ESP32), "dio", "keep", "keep", 4 << 20).region());
        FlashRegion c3boot = new FlashRegion("bootloader.bin", 0x0, image());
        assertEquals(2, ImageHeaderPatch.apply(c3boot, ChipSpec.of(Chip.ESP32C3), "dio", "keep", "keep", 4 << 20).region().data()[2]);
    }

    @Test
    void leavesAWrongDigestAloneAndSaysSo() throws Exception {
        byte[] d = image();
        d[70] ^= 1;
        ImageHeaderPatch.Result r = ImageHeaderPatch.apply(new FlashRegion("bootloader.bin", 0x1000, d), ChipSpec.of(Chip.ESP32),
                "dio", "keep", "keep", 4 << 20);
        assertEquals(d[70], r.region().data()[70]);
        assertTrue(r.note().orElseThrow().contains("already wrong"), r.note().orElseThrow());
    }

    @Test
    void refusesAFrequencyTheChipDoesNotHave() throws Exception {
        EspfleetException e = assertThrows(EspfleetException.class, () -> ImageHeaderPatch.apply(
                new FlashRegion("bootloader.bin", 0x0, image()), ChipSpec.of(Chip.ESP32H2), "keep", "80m", "keep", 4 << 20));
        assertTrue(e.getMessage().contains("ESP32-H2 takes keep or one of 12m, 16m, 24m, 48m"), e.getMessage());
    }
}
