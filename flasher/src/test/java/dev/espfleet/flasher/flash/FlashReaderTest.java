package dev.espfleet.flasher.flash;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.espfleet.flasher.SimHarness;
import dev.espfleet.flasher.loader.RomLoader;
import org.junit.jupiter.api.Test;

/** Reading flash through the ROM, 64 bytes a command (the stub's streamed read is in {@link StubTest}). */
class FlashReaderTest {

    @Test
    void readsFlashThroughTheRom() {
        SimHarness h = new SimHarness();
        byte[] data = SimHarness.pattern(300, 7);
        h.chip.flash().load(0x3000, data);
        try (RomLoader loader = h.connect()) {
            assertArrayEquals(data, new FlashReader(loader).read(0x3000, 300, ProgressListener.NONE));
        }
    }
}
