package dev.espfleet.flasher.flash;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.flasher.SimHarness;
import dev.espfleet.flasher.command.Opcode;
import dev.espfleet.flasher.image.FlashRegion;
import dev.espfleet.flasher.loader.RomLoader;
import dev.espfleet.flasher.sim.Fault;
import dev.espfleet.flasher.sim.SimConfig;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class FlashWriterTest {

    @Test
    void compressedBlocksOfASparseImageGetTheTimeTheirInflatedSizeNeeds() throws Exception {
        byte[] sparse = new byte[1 << 20];
        java.util.Arrays.fill(sparse, (byte) 0xFF);
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (java.util.zip.DeflaterOutputStream z = new java.util.zip.DeflaterOutputStream(out,
                new java.util.zip.Deflater(java.util.zip.Deflater.BEST_COMPRESSION))) {
            z.write(sparse);
        }
        byte[] compressed = out.toByteArray();
        int[] sizes = FlashWriter.inflatedSizes(compressed, 0x400);

        assertEquals(sparse.length, java.util.Arrays.stream(sizes).asLongStream().sum());
        assertTrue(sizes[0] > 500_000, "the first 1 KB block already inflates to " + sizes[0] + " bytes");
        java.time.Duration timeout = new dev.espfleet.flasher.command.Command.FlashDeflData(0,
                java.util.Arrays.copyOf(compressed, Math.min(0x400, compressed.length)), sizes[0]).timeout();
        assertTrue(timeout.toSeconds() >= 15, "timeout " + timeout + " for " + sizes[0] + " bytes to write");
    }

    @Test
    void writesA40kImagePlainSinceTheRomsCompressedWriteWouldChangeTheNext24k() {
        SimHarness h = new SimHarness();
        byte[] neighbour = SimHarness.pattern(0x6000, 1);
        h.chip.flash().load(0x1A000, neighbour);
        byte[] image = SimHarness.compressible(40 * 1024, 2);
        try (RomLoader loader = h.connect()) {
            List<FlashWriter.RegionResult> results = new FlashWriter(loader, FlashOptions.defaults(), ProgressListener.NONE)
                    .write(List.of(new FlashRegion("app.bin", 0x10000, image)));
            assertFalse(results.get(0).compressed(), "a compressed ROM write would change 0x1a000..0x1ffff");
        }
        assertArrayEquals(image, h.chip.flash().read(0x10000, image.length));
        assertArrayEquals(neighbour, h.chip.flash().read(0x1A000, neighbour.length));
    }

    /** The rule on the README's numbers: what a later region must cover for a compressed ROM write. */
    @Test
    void aCompressedRomWriteNeedsItsWholeSpillWrittenAgainLater() {
        FlashRegion app = new FlashRegion("app", 0x10000, new byte[0x10000]);
        assertFalse(FlashWriter.romSpillIsRewritten(app, List.of(), 4 << 20), "64 KB at 0x10000 spills to 0x27fff");
        assertFalse(FlashWriter.romSpillIsRewritten(app, List.of(new FlashRegion("b", 0x20000, new byte[0x7000])),
                4 << 20), "0x27000..0x27fff is not written again");
        assertTrue(FlashWriter.romSpillIsRewritten(app, List.of(new FlashRegion("b", 0x20000, new byte[0x4000]),
                new FlashRegion("c", 0x24000, new byte[0x3001])), 4 << 20), "c's FLASH_BEGIN erases its last sector");
        FlashRegion small = new FlashRegion("small", 0x11000, new byte[0x2000]);
        assertFalse(FlashWriter.romSpillIsRewritten(small, List.of(new FlashRegion("b", 0x13000, new byte[0x5000])),
                4 << 20), "8 KB at 0x11000 spills to 0x18fff");
        assertTrue(FlashWriter.romSpillIsRewritten(small, List.of(new FlashRegion("b", 0x13000, new byte[0x6000])),
                4 << 20));
        // 31 KB: the spill ends with the region's own last sector
        assertTrue(FlashWriter.romSpillIsRewritten(new FlashRegion("a", 0x10000, new byte[0x7C00]), List.of(), 4 << 20));
        // at the end of the flash: never
        assertFalse(FlashWriter.romSpillIsRewritten(new FlashRegion("a", 0x3F0000, new byte[0x8000]), List.of(),
                4 << 20));
    }

    @Test
    void skipsARegionWhoseMd5AlreadyMatches() {
        SimHarness h = new SimHarness();
        byte[] image = SimHarness.pattern(8192, 5);
        h.chip.flash().load(0x8000, image);
        long erasedBefore = h.chip.flash().sectorsErased();
        try (RomLoader loader = h.connect()) {
            List<FlashWriter.RegionResult> results = new FlashWriter(loader, FlashOptions.defaults(), ProgressListener.NONE)
                    .write(List.of(new FlashRegion("same.bin", 0x8000, image)));
            assertTrue(results.get(0).skipped());
        }
        assertEquals(erasedBefore, h.chip.flash().sectorsErased());
    }

    @Test
    void writesSeveralRegionsAndChecksEach() {
        SimHarness h = new SimHarness();
        byte[] boot = SimHarness.pattern(0x5000, 6);
        byte[] table = SimHarness.pattern(0xC00, 7);
        byte[] app = SimHarness.compressible(0x30000, 8);
        try (RomLoader loader = h.connect()) {
            List<FlashWriter.RegionResult> results = new FlashWriter(loader, FlashOptions.defaults(), ProgressListener.NONE)
                    .write(List.of(new FlashRegion("bootloader.bin", 0x1000, boot),
                            new FlashRegion("partition-table.bin", 0x8000, table),
                            new FlashRegion("app.bin", 0x10000, app)));
            assertEquals(3, results.size());
        }
        assertArrayEquals(boot, h.chip.flash().read(0x1000, boot.length));
        assertArrayEquals(table, h.chip.flash().read(0x8000, table.length));
        assertArrayEquals(app, h.chip.flash().read(0x10000, app.length));
    }

    /**
     * Through the ROM a block refused for its checksum cannot be sent again (the ROM then answers 01 05, or
     * nothing, until the write begins again): the region starts over at once, with no resend and no timeout.
     */
    @ParameterizedTest
    @EnumSource(SimConfig.AfterBadChecksum.class)
    void restartsTheRegionAfterAChecksumErrorThroughTheRom(SimConfig.AfterBadChecksum answer) {
        SimHarness h = new SimHarness(SimConfig.esp32().withAfterBadChecksum(answer),
                List.of(Fault.at(Fault.Kind.NAK, Opcode.FLASH_DATA, 2)));
        byte[] image = SimHarness.pattern(4096, 9);
        List<String> retries = new java.util.ArrayList<>();
        try (RomLoader loader = h.connect()) {
            FlashWriter.RegionResult r = new FlashWriter(loader, FlashOptions.defaults(), recording(retries))
                    .write(List.of(new FlashRegion("app.bin", 0x10000, image))).get(0);
            assertEquals(2, r.attempts());
        }
        assertEquals(List.of("app.bin block 1: invalid checksum in message; the ROM takes no other block of this "
                + "write, so it starts again"), retries);
        assertArrayEquals(image, h.chip.flash().read(0x10000, image.length));
    }

    static ProgressListener recording(List<String> retries) {
        return new ProgressListener() {
            @Override
            public void retrying(String what) {
                retries.add(what);
            }
        };
    }

    @Test
    void rejectsOffsetsOffSectorBoundariesBeforeWritingAnything() {
        SimHarness h = new SimHarness();
        try (RomLoader loader = h.connect()) {
            EspfleetException e = assertThrows(EspfleetException.class, () -> new FlashWriter(loader,
                    FlashOptions.defaults(), ProgressListener.NONE)
                    .write(List.of(new FlashRegion("app.bin", 0x10100, new byte[16]))));
            assertEquals(ExitStatus.BAD_INPUT, e.status());
            assertTrue(e.getMessage().contains("0x10100"), e.getMessage());
        }
        assertEquals(0, h.chip.flash().sectorsErased());
    }

    @Test
    void rejectsOverlappingRegions() {
        SimHarness h = new SimHarness();
        try (RomLoader loader = h.connect()) {
            EspfleetException e = assertThrows(EspfleetException.class, () -> new FlashWriter(loader,
                    FlashOptions.defaults(), ProgressListener.NONE)
                    .write(List.of(new FlashRegion("a.bin", 0x10000, new byte[0x2000]),
                            new FlashRegion("b.bin", 0x11000, new byte[16]))));
            assertEquals(ExitStatus.BAD_INPUT, e.status());
        }
    }
}
