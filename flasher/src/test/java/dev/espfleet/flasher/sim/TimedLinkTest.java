package dev.espfleet.flasher.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The virtual-clock link charges wire time as the model says; no wall-clock assertions. */
class TimedLinkTest {

    @Test
    void virtualClockChargesTenBitsPerByteAndTheTurnaround() {
        byte[] image = FlashBenchmark.incompressible(16 * 1024);
        FlashBenchmark.Result r = FlashBenchmark.run(115200, "incompressible", image, Duration.ofMillis(1), true);
        // 16 blocks of ~1058 framed bytes each way plus 14-byte replies, 1 ms each: a little over 1.5 s of link time
        double wireOnly = 16 * 1024 * 10.0 / 115200;
        assertTrue(r.seconds() > wireOnly, r.seconds() + " s must exceed the raw payload time " + wireOnly);
        assertTrue(r.seconds() < wireOnly * 1.2, r.seconds() + " s is more overhead than 1 KB blocks explain");
        assertEquals(image.length, r.bytes());
    }

    /** 62 KB at 0x10000: the ROM's compressed write changes flash up to 0x20000, the image's own last sector. */
    @Test
    void compressibleDataGoesCompressedWhereTheRomsSpillStaysInTheImagesLastSector() {
        FlashBenchmark.Result r = FlashBenchmark.run(921600, "compressible", FlashBenchmark.compressible(62 * 1024),
                Duration.ZERO, true);
        assertTrue(r.compressed());
        assertTrue(r.wireBytes() < 62 * 1024 * 0.7, "sent " + r.wireBytes());
    }

    /** 64 KB at 0x10000: a compressed write through the ROM would change 0x20000..0x27fff. */
    @Test
    void compressibleDataGoesPlainWhereTheRomsSpillWouldChangeFlashPastIt() {
        FlashBenchmark.Result r = FlashBenchmark.run(921600, "compressible", FlashBenchmark.compressible(64 * 1024),
                Duration.ZERO, true);
        assertEquals(false, r.compressed());
    }

    @Test
    void incompressibleDataIsSentPlain() {
        FlashBenchmark.Result r = FlashBenchmark.run(921600, "incompressible", FlashBenchmark.incompressible(64 * 1024),
                Duration.ZERO, true);
        assertEquals(false, r.compressed());
    }
}
