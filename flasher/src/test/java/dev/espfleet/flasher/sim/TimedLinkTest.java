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

    /**
     * Through the stub, 16 KB blocks: one turnaround per 16 KB instead of per 1 KB, so at 921600 the link time
     * (virtual, so the figure is the protocol's, not the machine's) is within 5 % of the payload's wire time,
     * where the ROM's 1 KB blocks cost more than that.
     */
    @Test
    void theStubPathsBlocksKeepTheLinkWithinFivePercentOfTheWireTime() {
        byte[] image = FlashBenchmark.incompressible(64 * 1024);
        double wireOnly = image.length * 10.0 / 921600;
        FlashBenchmark.Result stub = FlashBenchmark.run(921600, "incompressible", image, Duration.ofMillis(1), true,
                FlashBenchmark.standInStub());
        FlashBenchmark.Result rom = FlashBenchmark.run(921600, "incompressible", image, Duration.ofMillis(1), true);
        assertTrue(stub.seconds() > wireOnly && stub.seconds() < wireOnly * 1.05, stub.seconds() + " s for " + wireOnly);
        assertTrue(rom.seconds() > wireOnly * 1.05, rom.seconds() + " s for " + wireOnly);
    }
}
