package dev.espfleet.flasher.flash;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.flasher.SimHarness;
import dev.espfleet.flasher.image.FlashRegion;
import dev.espfleet.flasher.loader.RomLoader;
import dev.espfleet.flasher.sim.LinkNoise;
import dev.espfleet.flasher.sim.LinkTiming;
import dev.espfleet.flasher.sim.SimConfig;
import dev.espfleet.flasher.sim.SimLink;
import dev.espfleet.flasher.sim.SimulatedEsp32;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A link that loses frames at random (seeded, so every run is the same). With the stub a lost or damaged
 * frame costs one block, not the region; through the ROM, which cannot take a block again, it costs the
 * region, a bounded number of times.
 */
class LossyLinkTest {
    private static final int MB = 1 << 20;

    @TempDir
    Path dir;

    private record Run(SimLink link, List<FlashWriter.RegionResult> results, List<String> retries) {
    }

    private Run write(long seed, double loss, byte[] image, boolean stub) throws Exception {
        SimulatedEsp32 chip = new SimulatedEsp32(SimConfig.esp32());
        SimLink link = new SimLink(chip, List.of(), LinkTiming.UNTIMED, LinkNoise.frameLoss(loss, seed),
                SimHarness.TIMEOUT_SCALE);
        List<String> retries = new ArrayList<>();
        try (RomLoader loader = RomLoader.connect(link, SimHarness.options().withBaud(921600),
                stub ? SimHarness.standInStub(dir) : null, line -> {
                })) {
            List<FlashWriter.RegionResult> results = new FlashWriter(loader, FlashOptions.defaults(),
                    FlashWriterTest.recording(retries)).write(List.of(new FlashRegion("app.bin", 0x10000, image)));
            return new Run(link, results, retries);
        } finally {
            System.out.printf("seed %d, %s, %s, %d bytes: %d frames lost, %d retries%n", seed, link.noise(),
                    stub ? "stub" : "ROM", image.length, link.noise().framesLost(), retries.size());
        }
    }

    /** 1 MB of incompressible data in 64 blocks of 16 KB: a region restart per lost frame never finished. */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4})
    void aMegabyteGetsThroughTheStubAtOnePercentFrameLoss(long seed) throws Exception {
        byte[] image = SimHarness.pattern(MB, 51);
        Run run = write(seed, 0.01, image, true);
        assertArrayEquals(image, run.link().chip().flash().read(0x10000, image.length));
        assertEquals(1, run.results().get(0).attempts(), "lost frames cost blocks, not the region: " + run.retries());
        assertTrue(run.link().noise().framesLost() > 0, "the link lost frames");
    }

    /** Compressed through the stub: after a lost frame the rest of the region goes plain (see FlashWriter). */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void aCompressedMegabyteGetsThroughTheStubAtOnePercentFrameLoss(long seed) throws Exception {
        byte[] image = SimHarness.compressible(MB, 52);
        Run run = write(seed, 0.01, image, true);
        assertArrayEquals(image, run.link().chip().flash().read(0x10000, image.length));
        assertEquals(1, run.results().get(0).attempts(), run.retries().toString());
    }

    /**
     * Through the ROM a megabyte is 1024 blocks of 1 KB: at 1 % loss hardly any attempt gets through, and
     * the writer gives up after the region attempts (3) with a hint, rather than trying on and on.
     */
    @ParameterizedTest
    @ValueSource(longs = {1})
    void throughTheRomAMegabyteOnAOnePercentLossyLinkFailsAfterTheRegionAttempts(long seed) {
        byte[] image = SimHarness.pattern(MB, 53);
        List<String> retries = new ArrayList<>();
        SimLink[] link = new SimLink[1];
        EspfleetException e = assertThrows(EspfleetException.class, () -> {
            SimulatedEsp32 chip = new SimulatedEsp32(SimConfig.esp32());
            link[0] = new SimLink(chip, List.of(), LinkTiming.UNTIMED, LinkNoise.frameLoss(0.01, seed),
                    SimHarness.TIMEOUT_SCALE);
            try (RomLoader loader = RomLoader.connect(link[0], SimHarness.options().withBaud(921600), line -> {
            })) {
                new FlashWriter(loader, FlashOptions.defaults(), FlashWriterTest.recording(retries))
                        .write(List.of(new FlashRegion("app.bin", 0x10000, image)));
            }
        });
        assertEquals(ExitStatus.JOB_FAILED, e.status(), e.getMessage());
        assertTrue(e.getMessage().contains("after 3 attempts"), e.getMessage());
        assertTrue(e.hint().orElseThrow().contains("--stub"), e.hint().orElseThrow());
        assertEquals(2, retries.stream().filter(r -> r.contains("writing the region again")).count(), retries.toString());
    }

    /** Through the ROM a small region gets through a lossy link within its attempts. */
    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3})
    void throughTheRomA16kRegionGetsThroughAtOnePercentFrameLoss(long seed) throws Exception {
        byte[] image = SimHarness.pattern(16 * 1024, 54);
        Run run = write(seed, 0.01, image, false);
        assertArrayEquals(image, run.link().chip().flash().read(0x10000, image.length));
    }
}
