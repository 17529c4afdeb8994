package dev.espfleet.flasher;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.flasher.job.StubImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --stub FILE} with a stand-in stub file (espfleet ships no stub binary): the simulator takes a jump
 * into uploaded code as starting esptool's stub, so this checks the host's side of the stub protocol.
 */
class StubTest {
    @TempDir
    Path dir;

    private StubImage standInStub() throws Exception {
        byte[] text = SimHarness.pattern(10_000, 31);
        byte[] data = SimHarness.pattern(300, 32);
        Path f = dir.resolve("stub_flasher_32.json");
        Files.writeString(f, String.format("{\"entry\": %d, \"text\": \"%s\", \"text_start\": %d, \"data\": \"%s\", "
                + "\"data_start\": %d}", 0x4009_0000L, Base64.getEncoder().encodeToString(text), 0x4009_0000L,
                Base64.getEncoder().encodeToString(data), 0x3FFE_0000L));
        return StubImage.load(f);
    }

    @Test
    void uploadsTheStubAndWritesIn16kBlocksWithoutSpill() throws Exception {
        SimHarness h = new SimHarness();
        byte[] neighbour = SimHarness.pattern(0x6000, 33);
        h.chip.flash().load(0x1A000, neighbour);
        byte[] image = SimHarness.compressible(40 * 1024, 34);
        try (RomLoader loader = RomLoader.connect(h.link, SimHarness.options().withBaud(921600), standInStub(), h.log::add)) {
            assertTrue(loader.stubRunning());
            assertEquals(0x4000, loader.flashBlockSize());
            FlashWriter.RegionResult r = new FlashWriter(loader, FlashOptions.defaults(), ProgressListener.NONE)
                    .write(List.of(new FlashRegion("app.bin", 0x10000, image))).get(0);
            assertTrue(r.compressed(), "the stub's compressed write does not spill, so it may compress");
        }
        assertTrue(h.chip.stubRunning());
        assertArrayEquals(image, h.chip.flash().read(0x10000, image.length));
        assertArrayEquals(neighbour, h.chip.flash().read(0x1A000, neighbour.length));
    }

    @Test
    void aResetMidWriteStartsTheStubAgainAndLeavesNeighboursAlone() throws Exception {
        SimHarness h = new SimHarness(dev.espfleet.flasher.sim.SimConfig.esp32(), List.of(
                dev.espfleet.flasher.sim.Fault.at(dev.espfleet.flasher.sim.Fault.Kind.RESET,
                        dev.espfleet.flasher.command.Opcode.FLASH_DEFL_DATA, 2)));
        byte[] neighbour = SimHarness.pattern(0x6000, 36);
        h.chip.flash().load(0x1A000, neighbour);
        byte[] image = SimHarness.compressible(40 * 1024, 37);
        try (RomLoader loader = RomLoader.connect(h.link, SimHarness.options().withBaud(460800), standInStub(), h.log::add)) {
            new FlashWriter(loader, FlashOptions.defaults(), ProgressListener.NONE)
                    .write(List.of(new FlashRegion("app.bin", 0x10000, image)));
            assertTrue(loader.stubRunning());
        }
        assertTrue(h.log.contains("the chip was reset: the stub is gone"), h.log.toString());
        assertTrue(h.chip.stubRunning());
        assertArrayEquals(image, h.chip.flash().read(0x10000, image.length));
        assertArrayEquals(neighbour, h.chip.flash().read(0x1A000, neighbour.length));
    }

    @Test
    void readsAndErasesThroughTheStub() throws Exception {
        SimHarness h = new SimHarness();
        byte[] content = SimHarness.pattern(0x5000, 35);
        h.chip.flash().load(0x20000, content);
        try (RomLoader loader = RomLoader.connect(h.link, SimHarness.options(), standInStub(), h.log::add)) {
            assertArrayEquals(content, loader.readFlash(0x20000, content.length, ProgressListener.NONE));
            new FlashWriter(loader, FlashOptions.defaults(), ProgressListener.NONE).erase(0x21000, 0x2000);
        }
        byte[] after = h.chip.flash().read(0x20000, 0x5000);
        for (int i = 0; i < 0x5000; i++) {
            byte expected = i >= 0x1000 && i < 0x3000 ? (byte) 0xFF : content[i];
            assertEquals(expected, after[i], "byte " + i);
        }
    }
}
