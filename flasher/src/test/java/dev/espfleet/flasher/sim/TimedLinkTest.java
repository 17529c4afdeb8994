package dev.espfleet.flasher.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The virtual-clock link charges wire time and the flash's erase and program time as the model says; no
 * wall-clock assertions. The protocol-only tests take {@link FlashTiming#NONE}.
 */
class TimedLinkTest {

    @Test
    void virtualClockChargesTenBitsPerByteAndTheTurnaround() {
        byte[] image = FlashBenchmark.incompressible(16 * 1024);
        FlashBenchmark.Result r = FlashBenchmark.run(115200, "incompressible", image, Duration.ofMillis(1), true, null, FlashTiming.NONE);
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
                Duration.ZERO, true, null, FlashTiming.NONE);
        assertTrue(r.compressed());
        assertTrue(r.wireBytes() < 62 * 1024 * 0.7, "sent " + r.wireBytes());
    }

    /** 64 KB at 0x10000: a compressed write through the ROM would change 0x20000..0x27fff. */
    @Test
    void compressibleDataGoesPlainWhereTheRomsSpillWouldChangeFlashPastIt() {
        FlashBenchmark.Result r = FlashBenchmark.run(921600, "compressible", FlashBenchmark.compressible(64 * 1024),
                Duration.ZERO, true, null, FlashTiming.NONE);
        assertEquals(false, r.compressed());
    }

    @Test
    void incompressibleDataIsSentPlain() {
        FlashBenchmark.Result r = FlashBenchmark.run(921600, "incompressible", FlashBenchmark.incompressible(64 * 1024),
                Duration.ZERO, true, null, FlashTiming.NONE);
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
                FlashBenchmark.standInStub(), FlashTiming.NONE);
        FlashBenchmark.Result rom = FlashBenchmark.run(921600, "incompressible", image, Duration.ofMillis(1), true, null, FlashTiming.NONE);
        assertTrue(stub.seconds() > wireOnly && stub.seconds() < wireOnly * 1.05, stub.seconds() + " s for " + wireOnly);
        assertTrue(rom.seconds() > wireOnly * 1.05, rom.seconds() + " s for " + wireOnly);
    }

    private static final double MS = 1e-3;

    /**
     * The stub answers a 16 KB block first and then erases and programs: with a W25Q32 (64 KB block erase
     * 150 ms, 64 pages 25.6 ms) the work of each block fits in the 178 ms the next block takes on the wire at
     * 921600, so nothing waits but the command after the last block, for that block's programming; the
     * flash time is still charged in full.
     */
    @Test
    void theStubHidesAFastFlashsEraseAndProgramBehindTheNextBlock() {
        byte[] image = FlashBenchmark.incompressible(64 * 1024);
        FlashBenchmark.Result r = FlashBenchmark.run(921600, "incompressible", image, Duration.ofMillis(1), true,
                FlashBenchmark.standInStub(), FlashTiming.W25Q32);
        assertEquals(150 * MS + 256 * 0.4 * MS, r.flashWorkSeconds(), 1e-6, "one block erase, 256 page programs");
        assertTrue(r.flashWaitSeconds() > 20 * MS && r.flashWaitSeconds() < 25.6 * MS, r.flashWaitSeconds() + " s waited");
        assertTrue(r.seconds() < image.length * 10.0 / 921600 * 1.05 + 25.6 * MS, r.seconds() + " s");
    }

    /**
     * With a GD25Q32 (64 KB block erase 250 ms) the first block of each 64 KB takes 288 ms of flash work,
     * more than the next block's 180 ms on the wire: that block waits about 108 ms; the others do not, but the
     * command after the last block waits for its programming (38.4 ms less a round trip).
     */
    @Test
    void aSlowerBlockEraseShowsThroughTheStubOncePer64Kb() {
        byte[] image = FlashBenchmark.incompressible(128 * 1024);
        FlashBenchmark.Result r = FlashBenchmark.run(921600, "incompressible", image, Duration.ofMillis(1), true,
                FlashBenchmark.standInStub(), FlashTiming.GD25Q32);
        assertEquals(2 * 250 * MS + 512 * 0.6 * MS, r.flashWorkSeconds(), 1e-6);
        assertTrue(r.flashWaitSeconds() > 2 * 100 * MS + 30 * MS && r.flashWaitSeconds() < 2 * 120 * MS + 38.4 * MS,
                r.flashWaitSeconds() + " s waited");
        FlashBenchmark.Result none = FlashBenchmark.run(921600, "incompressible", image, Duration.ofMillis(1), true,
                FlashBenchmark.standInStub(), FlashTiming.NONE);
        assertEquals(none.seconds() + r.flashWaitSeconds(), r.seconds(), 1e-6);
    }

    /**
     * The ROM erases the whole region before it answers FLASH_BEGIN and programs each 1 KB block before it
     * answers it: all of the flash time adds to the wire time.
     */
    @Test
    void theRomAddsItsEraseAndProgramTimeToTheWire() {
        byte[] image = FlashBenchmark.incompressible(64 * 1024);
        FlashBenchmark.Result r = FlashBenchmark.run(921600, "incompressible", image, Duration.ofMillis(1), true, null,
                FlashTiming.GD25Q32);
        FlashBenchmark.Result none = FlashBenchmark.run(921600, "incompressible", image, Duration.ofMillis(1), true, null,
                FlashTiming.NONE);
        assertEquals(250 * MS + 256 * 0.6 * MS, r.flashWorkSeconds(), 1e-6);
        assertEquals(none.seconds() + r.flashWorkSeconds(), r.seconds(), 1e-6);
    }

    @Test
    void eraseTimeFollowsTheEraseLoopOfBlocksAndSectors() {
        FlashTiming t = FlashTiming.GD25Q32;
        // 0x1000..0x22000: 15 sectors up to 0x10000, one 64 KB block, then 2 sectors
        assertEquals(17 * 50 * MS + 250 * MS, t.eraseNanos(0x1000, 0x21000) / 1e9, 1e-9);
        // a partial sector at each end still costs the sector
        assertEquals(2 * 50 * MS, t.eraseNanos(0x0ff0, 0x20) / 1e9, 1e-9);
        assertEquals(2 * 0.6 * MS, t.programNanos(0x10f0, 0x20) / 1e9, 1e-9, "two pages touched");
    }

    /**
     * A timed link takes the flash's real time (the ROM's erase of a 1 MB region: about 4 s), so the loader
     * must wait as for a real chip, not the twentieth an untimed link asks for.
     */
    @Test
    void aTimedLinkAsksTheLoaderForRealTimeouts() {
        SimulatedEsp32 chip = new SimulatedEsp32(SimConfig.esp32());
        assertEquals(1.0, new SimLink(chip, java.util.List.of(), LinkTiming.timed(Duration.ofMillis(1)), LinkNoise.NONE)
                .timeoutScale());
        assertEquals(SimLink.IN_PROCESS_TIMEOUT_SCALE, new SimLink(chip).timeoutScale());
    }
}
