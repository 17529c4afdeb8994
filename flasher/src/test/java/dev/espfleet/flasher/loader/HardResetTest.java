package dev.espfleet.flasher.loader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.flasher.SimHarness;
import dev.espfleet.flasher.connection.ConnectOptions;
import dev.espfleet.flasher.connection.ResetSequence;
import dev.espfleet.flasher.connection.Transport;
import dev.espfleet.flasher.sim.SimulatedEsp32;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code --after hard-reset} as esptool does it (esptool/reset.py, HardReset): IO0 released, an RTS pulse on EN;
 * on a chip's USB-Serial/JTAG a longer pulse and a wait after it. Waits are checked as lower bounds only (a sleep
 * never ends early), never as upper ones.
 */
class HardResetTest {
    /** Records every line change, with the time since the first, and passes it on. */
    static final class LineRecorder implements Transport {
        final Transport inner;
        final boolean usb;
        final boolean lines;
        final List<String> changes = new ArrayList<>();
        final List<Long> at = new ArrayList<>();
        long start;

        LineRecorder(Transport inner, boolean usb, boolean lines) {
            this.inner = inner;
            this.usb = usb;
            this.lines = lines;
        }

        private void record(String change) {
            long now = System.nanoTime();
            if (changes.isEmpty()) {
                start = now;
            }
            changes.add(change);
            at.add((now - start) / 1_000_000);
        }

        @Override
        public void write(byte[] data) throws IOException {
            inner.write(data);
        }

        @Override
        public int read(byte[] buffer, Duration timeout) throws IOException {
            return inner.read(buffer, timeout);
        }

        @Override
        public void setBaudRate(int baud) throws IOException {
            inner.setBaudRate(baud);
        }

        @Override
        public boolean hasModemLines() {
            return lines;
        }

        @Override
        public boolean usbSerialJtag() {
            return usb;
        }

        @Override
        public void setDtr(boolean asserted) throws IOException {
            record("DTR=" + (asserted ? 1 : 0));
            inner.setDtr(asserted);
        }

        @Override
        public void setRts(boolean asserted) throws IOException {
            record("RTS=" + (asserted ? 1 : 0));
            inner.setRts(asserted);
        }

        @Override
        public String description() {
            return "recorded " + inner.description();
        }

        @Override
        public double timeoutScale() {
            return inner.timeoutScale();
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    private static final ConnectOptions HARD_RESET_AFTER = SimHarness.options().withAfter(ConnectOptions.After.HARD_RESET);

    @Test
    void aHardResetReleasesIo0AndPulsesEnSoTheChipRunsItsApplication() throws Exception {
        SimHarness h = new SimHarness();
        LineRecorder port = new LineRecorder(h.link, false, true);
        try (RomLoader loader = RomLoader.connect(port, HARD_RESET_AFTER, h.log::add)) {
            assertTrue(loader.finish());
            port.read(new byte[256], Duration.ofMillis(50)); // time passes: the chip samples its straps
        }
        assertEquals(List.of("DTR=0", "RTS=1", "RTS=0"), port.changes);
        assertTrue(port.at.get(2) >= 100, "EN held low for 100 ms: " + port.at);
        assertEquals(SimulatedEsp32.Mode.RUNNING_APP, h.chip.mode());
        assertEquals("hard reset: the chip runs its application", h.log.get(h.log.size() - 1));
    }

    @Test
    void onAUsbSerialJtagPortTheResetTakesEsptoolsUsbTimings() throws Exception {
        SimHarness h = new SimHarness();
        LineRecorder port = new LineRecorder(h.link, true, true);
        long took;
        try (RomLoader loader = RomLoader.connect(port, HARD_RESET_AFTER, h.log::add)) {
            long start = System.nanoTime();
            assertTrue(loader.finish());
            took = (System.nanoTime() - start) / 1_000_000;
        }
        assertEquals(List.of("DTR=0", "RTS=1", "RTS=0"), port.changes);
        assertTrue(port.at.get(2) >= 200, "EN held low for 200 ms: " + port.at);
        assertTrue(took >= 400, "and 200 ms after it: " + took);
        assertEquals("hard reset (USB-Serial/JTAG): the chip runs its application", h.log.get(h.log.size() - 1));
    }

    @Test
    void withoutModemLinesNothingIsResetAndTheLogSaysToPressEn() {
        SimHarness h = new SimHarness();
        LineRecorder port = new LineRecorder(h.link, false, false);
        try (RomLoader loader = RomLoader.connect(port, HARD_RESET_AFTER, h.log::add)) {
            assertFalse(loader.finish());
        }
        assertEquals(List.of(), port.changes);
        assertTrue(h.log.get(h.log.size() - 1).contains("press EN"), h.log.toString());
    }

    @Test
    void theSequenceAloneIsTheSame() throws Exception {
        SimHarness h = new SimHarness();
        LineRecorder port = new LineRecorder(h.link, false, true);
        ResetSequence.hardReset(port, true);
        assertEquals(List.of("DTR=0", "RTS=1", "RTS=0"), port.changes);
    }
}
