package dev.espfleet.flasher.loader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.common.ExitStatus;
import dev.espfleet.flasher.FlasherErrors;
import dev.espfleet.flasher.SimHarness;
import dev.espfleet.flasher.connection.ConnectOptions;
import dev.espfleet.flasher.connection.Transport;
import dev.espfleet.flasher.sim.SimConfig;
import dev.espfleet.model.Chip;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A port that never falls quiet (an application logging, line noise) is not a ROM loader: connecting gives
 * up after a bounded drain with exit 3 and says what to check, instead of waiting for silence forever. The
 * preemptive timeouts only stop a hang; they are far above what the drain limit allows.
 */
class StreamingPortTest {
    private static final Duration HANG = Duration.ofSeconds(60);

    /** Random bytes on every read, whatever is sent; no modem lines (a pseudo-terminal or TCP). */
    static final class NoisyPort implements Transport {
        private final Random random = new Random(7);

        @Override
        public void write(byte[] data) {
        }

        @Override
        public int read(byte[] buffer, Duration timeout) {
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            int n = Math.min(buffer.length, 32);
            byte[] noise = new byte[n];
            random.nextBytes(noise);
            System.arraycopy(noise, 0, buffer, 0, n);
            return n;
        }

        @Override
        public void setBaudRate(int baud) {
        }

        @Override
        public boolean hasModemLines() {
            return false;
        }

        @Override
        public void setDtr(boolean asserted) {
        }

        @Override
        public void setRts(boolean asserted) {
        }

        @Override
        public String description() {
            return "noisy-port";
        }

        /** As the simulated links of these tests: the drain gives up within milliseconds. */
        @Override
        public double timeoutScale() {
            return SimHarness.TIMEOUT_SCALE;
        }

        @Override
        public void close() {
        }
    }

    @Test
    void anApplicationThatKeepsLoggingFailsTheConnectWithExit3() {
        SimHarness h = new SimHarness(SimConfig.esp32().withStartInDownloadMode(false)
                .withAppLogInterval(Duration.ofMillis(2)), List.of());
        FlasherErrors.KeepsSending e = assertTimeoutPreemptively(HANG,
                () -> assertThrows(FlasherErrors.KeepsSending.class, h::connect));
        assertEquals(ExitStatus.UNAVAILABLE, e.status());
        assertTrue(e.getMessage().contains("keeps sending"), e.getMessage());
        assertTrue(e.getMessage().contains("app: uptime"), "the message quotes the log: " + e.getMessage());
        assertTrue(e.hint().orElseThrow().contains("--before default-reset"), e.hint().orElseThrow());
    }

    @Test
    void randomBytesFailTheConnectWithExit3() {
        ConnectOptions options = SimHarness.options().withBefore(ConnectOptions.Before.DEFAULT_RESET);
        FlasherErrors.KeepsSending e = assertTimeoutPreemptively(HANG, () -> assertThrows(FlasherErrors.KeepsSending.class,
                () -> RomLoader.connect(new NoisyPort(), options, line -> {
                })));
        assertEquals(ExitStatus.UNAVAILABLE, e.status());
        assertTrue(e.getMessage().startsWith("the chip on noisy-port keeps sending"), e.getMessage());
        assertTrue(e.hint().orElseThrow().contains("no DTR/RTS"), e.hint().orElseThrow());
    }

    /** With DTR/RTS the reset stops the application: the boot message is drained and the loader answers. */
    @Test
    void aResetIntoTheLoaderSilencesALoggingApplication() {
        SimHarness h = new SimHarness(SimConfig.esp32().withStartInDownloadMode(false)
                .withAppLogInterval(Duration.ofMillis(2)), List.of());
        try (RomLoader loader = h.connect(SimHarness.options().withBefore(ConnectOptions.Before.DEFAULT_RESET))) {
            assertEquals(Chip.ESP32, loader.chip());
        }
    }
}
