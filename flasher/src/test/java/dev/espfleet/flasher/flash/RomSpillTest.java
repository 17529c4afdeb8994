package dev.espfleet.flasher.flash;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.flasher.SimHarness;
import dev.espfleet.flasher.image.FlashRegion;
import dev.espfleet.flasher.loader.RomLoader;
import dev.espfleet.flasher.sim.SimConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Whatever is written through the ROM leaves the rest of the flash as it was (rom-traces/README.md), although
 * the ROM's compressed write re-programs flash well past the image: on a flash pre-filled with 0xA5, many
 * layouts of compressible regions are written with compression on, and every byte outside the regions'
 * sectors must still read 0xA5.
 */
class RomSpillTest {
    private static final int FLASH = 512 * 1024;
    private static final int SECTOR = 0x1000;
    private static final int JOBS = 40;

    /** The layout of issue #13: an image that ends on a 64 KB boundary still damages the 32 KB after it. */
    @Test
    void anImageEndingOnA64kBoundaryLeavesTheNext32kAlone() {
        List<FlashRegion> layout = List.of(new FlashRegion("app.bin", 0x10000, SimHarness.compressible(0x10000, 1)));
        List<FlashWriter.RegionResult> results = writeOnA5Flash(layout);
        assertFalse(results.get(0).compressed(), "a lone 64 KB image would spill into 0x20000..0x27fff");
    }

    /** A region written later in the same job that covers the whole spill makes compression safe. */
    @Test
    void compressesWhereALaterRegionRewritesTheWholeSpill() {
        List<FlashRegion> layout = List.of(new FlashRegion("app.bin", 0x10000, SimHarness.compressible(0xA000, 2)),
                new FlashRegion("data.bin", 0x1A000, SimHarness.pattern(0x6000, 3)));
        List<FlashWriter.RegionResult> results = writeOnA5Flash(layout);
        assertTrue(results.get(0).compressed(), "0x1a000..0x1ffff is written again by data.bin");
    }

    /** The same regions the other way round: the spill would destroy what was already written. */
    @Test
    void doesNotCompressWhenTheSpillHitsARegionWrittenEarlier() {
        List<FlashRegion> layout = List.of(new FlashRegion("data.bin", 0x1A000, SimHarness.pattern(0x6000, 3)),
                new FlashRegion("app.bin", 0x10000, SimHarness.compressible(0xA000, 2)));
        List<FlashWriter.RegionResult> results = writeOnA5Flash(layout);
        assertFalse(results.get(1).compressed());
    }

    @Test
    void neverCompressesWhereTheSpillWouldReachPastTheEndOfFlash() {
        List<FlashRegion> layout = List.of(new FlashRegion("last.bin", FLASH - 0x8000, SimHarness.compressible(0x8000, 4)));
        assertFalse(writeOnA5Flash(layout).get(0).compressed());
    }

    /** Seeded random layouts: 1 to 4 regions, sizes from a few bytes to 160 KB, in random order. */
    @Test
    void noLayoutChangesAByteOutsideItsRegionsSectors() {
        int compressed = 0;
        int regions = 0;
        for (int seed = 0; seed < JOBS; seed++) {
            Random r = new Random(seed);
            List<FlashRegion> layout = randomLayout(r);
            List<FlashWriter.RegionResult> results = writeOnA5Flash(layout);
            regions += results.size();
            compressed += (int) results.stream().filter(FlashWriter.RegionResult::compressed).count();
        }
        System.out.printf("spill layouts: %d jobs, %d regions, %d written compressed through the ROM%n", JOBS, regions,
                compressed);
        assertTrue(compressed > 5, "the layouts exercise compression too: " + compressed);
    }

    private static List<FlashRegion> randomLayout(Random r) {
        int n = 1 + r.nextInt(4);
        List<FlashRegion> layout = new ArrayList<>();
        int at = SECTOR * r.nextInt(8);
        for (int i = 0; i < n && at < FLASH; i++) {
            int maxSize = Math.min(160 * 1024, FLASH - at);
            int size = switch (r.nextInt(4)) {
                // whole 32 KB multiples and sizes just under them are where the rules differ
                case 0 -> Math.max(16, (1 + r.nextInt(5)) * 0x8000 - r.nextInt(3) * 0x400);
                case 1 -> 16 + r.nextInt(0x2000);
                default -> 16 + r.nextInt(maxSize);
            };
            size = Math.min(size, maxSize);
            layout.add(new FlashRegion("r" + i + ".bin", at, SimHarness.compressible(size, r.nextInt())));
            int end = (at + size + SECTOR - 1) / SECTOR * SECTOR;
            // next region right behind, or after a gap
            at = end + (r.nextBoolean() ? 0 : SECTOR * r.nextInt(24));
        }
        java.util.Collections.shuffle(layout, r);
        return layout;
    }

    /** Writes the layout with compression on through the ROM and checks every byte of the flash. */
    private static List<FlashWriter.RegionResult> writeOnA5Flash(List<FlashRegion> layout) {
        SimHarness h = new SimHarness(SimConfig.esp32().withFlashSize(FLASH), List.of());
        byte[] filled = new byte[FLASH];
        Arrays.fill(filled, (byte) 0xA5);
        h.chip.flash().load(0, filled);
        List<FlashWriter.RegionResult> results;
        try (RomLoader loader = h.connect()) {
            results = new FlashWriter(loader, FlashOptions.defaults(), ProgressListener.NONE).write(layout);
        }
        byte[] after = h.chip.flash().read(0, FLASH);
        boolean[] inRegion = new boolean[FLASH];
        for (FlashRegion region : layout) {
            assertArrayEquals(region.data(), Arrays.copyOfRange(after, region.offset(), region.end()), region.toString());
            int end = (region.end() + SECTOR - 1) / SECTOR * SECTOR;
            Arrays.fill(inRegion, region.offset(), end, true);
        }
        for (int a = 0; a < FLASH; a++) {
            if (!inRegion[a] && after[a] != (byte) 0xA5) {
                throw new AssertionError(String.format("0x%x changed outside the regions' sectors (layout %s, "
                        + "compressed: %s)", a, layout, results.stream().map(x -> x.region().name() + "="
                        + x.compressed()).toList()));
            }
        }
        return results;
    }
}
