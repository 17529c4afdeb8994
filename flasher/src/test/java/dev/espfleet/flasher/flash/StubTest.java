package dev.espfleet.flasher.flash;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.flasher.SimHarness;
import dev.espfleet.flasher.command.Opcode;
import dev.espfleet.flasher.image.FlashRegion;
import dev.espfleet.flasher.image.StubImage;
import dev.espfleet.flasher.loader.RomLoader;
import dev.espfleet.flasher.sim.Fault;
import dev.espfleet.flasher.sim.SimConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@code --stub FILE} with a stand-in stub file (espfleet ships no stub binary): the simulator takes a jump
 * into uploaded code as starting esptool's stub, so this checks the host's side of the stub protocol.
 */
class StubTest {
    @TempDir
    Path dir;

    private StubImage standInStub() throws Exception {
        return SimHarness.standInStub(dir);
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

    /** #13.4: a stub upload the ROM refused once (MEM_DATA checksum) is not the end: the block goes again. */
    @Test
    void resendsAStubBlockTheRomRefusedForItsChecksum() throws Exception {
        SimHarness h = new SimHarness(SimConfig.esp32(), List.of(Fault.at(Fault.Kind.NAK, Opcode.MEM_DATA, 1)));
        try (RomLoader loader = RomLoader.connect(h.link, SimHarness.options(), standInStub(), h.log::add)) {
            assertTrue(loader.stubRunning());
        }
        assertTrue(h.log.contains("stub block 0: invalid checksum in message, sending it again"), h.log.toString());
    }

    @Test
    void uploadsTheStubAgainAfterALostReply() throws Exception {
        SimHarness h = new SimHarness(SimConfig.esp32(), List.of(Fault.at(Fault.Kind.DROP_REPLY, Opcode.MEM_DATA, 2)));
        try (RomLoader loader = RomLoader.connect(h.link, SimHarness.options(), standInStub(), h.log::add)) {
            assertTrue(loader.stubRunning());
        }
        assertTrue(h.log.stream().anyMatch(l -> l.startsWith("uploading the stub again: no reply")), h.log.toString());
    }

    /** The reply to MEM_END, and "OHAI" with it, lost: SYNC answered with 0 says the stub runs. */
    @Test
    void aLostHelloIsToldBySync() throws Exception {
        SimHarness h = new SimHarness(SimConfig.esp32(), List.of(Fault.at(Fault.Kind.DROP_REPLY, Opcode.MEM_END, 1)));
        try (RomLoader loader = RomLoader.connect(h.link, SimHarness.options(), standInStub(), h.log::add)) {
            assertTrue(loader.stubRunning());
        }
        assertTrue(h.log.contains("stub running"), h.log.toString());
        assertFalse(h.log.stream().anyMatch(l -> l.contains("again")), h.log.toString());
    }

    /** The stub drops a block it refuses for its checksum: that block is sent again, the region goes on. */
    @Test
    void resendsABlockTheStubRefusedForItsChecksum() throws Exception {
        SimHarness h = new SimHarness(SimConfig.esp32(), List.of(Fault.at(Fault.Kind.NAK, Opcode.FLASH_DATA, 2)));
        byte[] image = SimHarness.pattern(0x10000, 38);
        List<String> retries = new java.util.ArrayList<>();
        try (RomLoader loader = RomLoader.connect(h.link, SimHarness.options(), standInStub(), h.log::add)) {
            FlashWriter.RegionResult r = new FlashWriter(loader, FlashOptions.defaults(), FlashWriterTest.recording(retries))
                    .write(List.of(new FlashRegion("app.bin", 0x10000, image))).get(0);
            assertEquals(1, r.attempts());
        }
        assertEquals(List.of("app.bin block 1: stub: bad data checksum, sending it again"), retries);
        assertArrayEquals(image, h.chip.flash().read(0x10000, image.length));
    }

    /**
     * A lost reply to a plain block (the stub wrote it) or a lost block (it did not): either way the write is
     * begun again at that block's offset, which is right in both cases; the region is not started over.
     */
    @ParameterizedTest
    @EnumSource(value = Fault.Kind.class, names = {"DROP_REPLY", "DROP_HOST_FRAME", "CORRUPT_REPLY", "CORRUPT_HOST_BYTE"})
    void aLostOrDamagedBlockBeginsTheWriteAgainAtThatBlock(Fault.Kind kind) throws Exception {
        SimHarness h = new SimHarness(SimConfig.esp32(), List.of(Fault.at(kind, Opcode.FLASH_DATA, 3)));
        byte[] image = SimHarness.pattern(0x10000, 39);
        byte[] neighbour = SimHarness.pattern(0x1000, 40);
        h.chip.flash().load(0x20000, neighbour);
        List<String> retries = new java.util.ArrayList<>();
        try (RomLoader loader = RomLoader.connect(h.link, SimHarness.options(), standInStub(), h.log::add)) {
            FlashWriter.RegionResult r = new FlashWriter(loader, FlashOptions.defaults(), FlashWriterTest.recording(retries))
                    .write(List.of(new FlashRegion("app.bin", 0x10000, image))).get(0);
            assertEquals(1, r.attempts(), retries.toString());
        }
        assertEquals(1, retries.size(), retries.toString());
        assertTrue(retries.get(0).startsWith("app.bin block 2: ") && (retries.get(0).endsWith("writing again from this block")
                || retries.get(0).endsWith("sending it again")), retries.get(0));
        assertArrayEquals(image, h.chip.flash().read(0x10000, image.length));
        assertArrayEquals(neighbour, h.chip.flash().read(0x20000, neighbour.length));
    }

    @Test
    void readsAndErasesThroughTheStub() throws Exception {
        SimHarness h = new SimHarness();
        byte[] content = SimHarness.pattern(0x5000, 35);
        h.chip.flash().load(0x20000, content);
        try (RomLoader loader = RomLoader.connect(h.link, SimHarness.options(), standInStub(), h.log::add)) {
            assertArrayEquals(content, new FlashReader(loader).read(0x20000, content.length, ProgressListener.NONE));
            new FlashWriter(loader, FlashOptions.defaults(), ProgressListener.NONE).erase(0x21000, 0x2000);
        }
        byte[] after = h.chip.flash().read(0x20000, 0x5000);
        for (int i = 0; i < 0x5000; i++) {
            byte expected = i >= 0x1000 && i < 0x3000 ? (byte) 0xFF : content[i];
            assertEquals(expected, after[i], "byte " + i);
        }
    }
}
