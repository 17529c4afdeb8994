package dev.espfleet.flasher.loader;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.flasher.SimHarness;
import dev.espfleet.flasher.connection.ConnectOptions;
import dev.espfleet.flasher.connection.SerialTransport;
import dev.espfleet.flasher.flash.FlashOptions;
import dev.espfleet.flasher.flash.FlashWriter;
import dev.espfleet.flasher.flash.ProgressListener;
import dev.espfleet.flasher.image.FlashRegion;
import dev.espfleet.flasher.sim.LinkTiming;
import dev.espfleet.flasher.sim.SimConfig;
import dev.espfleet.flasher.sim.SimLink;
import dev.espfleet.flasher.sim.SimulatedEsp32;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The flasher over a real pseudo-terminal pair made by socat, through jSerialComm on both ends: the chip
 * side is the simulator pumped from the second terminal. Needs the socat package.
 */
class PseudoTerminalTest {
    @TempDir
    Path dir;
    private Process socat;
    private Path hostEnd;
    private Path chipEnd;
    private volatile boolean pumping = true;

    @BeforeEach
    void startSocat() throws Exception {
        hostEnd = dir.resolve("ttyHOST");
        chipEnd = dir.resolve("ttyCHIP");
        try {
            socat = new ProcessBuilder("socat", "pty,raw,echo=0,link=" + hostEnd, "pty,raw,echo=0,link=" + chipEnd)
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new AssertionError("this test needs socat (apt-get install socat): " + e.getMessage(), e);
        }
        for (int i = 0; i < 100 && !(Files.exists(hostEnd) && Files.exists(chipEnd)); i++) {
            Thread.sleep(20);
        }
        assertTrue(Files.exists(hostEnd) && Files.exists(chipEnd), "socat did not create the pseudo-terminals");
    }

    @AfterEach
    void stopSocat() throws Exception {
        pumping = false;
        if (socat != null) {
            socat.destroy();
            socat.waitFor(5, TimeUnit.SECONDS);
        }
    }

    /** Moves bytes between the chip's terminal and the simulator until the test ends. */
    private Thread pump(SerialTransport chipSide, SimLink link) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[4096];
            try {
                while (pumping) {
                    int n = chipSide.read(buf, Duration.ofMillis(2));
                    if (n > 0) {
                        // a pseudo-terminal has no baud rate: the link follows the chip
                        link.setBaudRate(link.chip().baud());
                        link.write(java.util.Arrays.copyOf(buf, n));
                        link.setBaudRate(link.chip().baud());
                    }
                    int m;
                    while ((m = link.read(buf, Duration.ZERO)) > 0) {
                        chipSide.write(java.util.Arrays.copyOf(buf, m));
                    }
                }
            } catch (IOException e) {
                // the test is over
            }
        }, "pty-sim-pump");
        t.setDaemon(true);
        t.start();
        return t;
    }

    @Test
    void connectsAndWritesThroughJSerialCommOnAPseudoTerminal() throws Exception {
        SimLink link = new SimLink(new SimulatedEsp32(SimConfig.esp32()), List.of(), LinkTiming.UNTIMED);
        byte[] image = SimHarness.pattern(20_000, 21);
        List<String> log = new java.util.ArrayList<>();
        try (SerialTransport chipSide = SerialTransport.open(chipEnd.toString(), 115200)) {
            Thread pump = pump(chipSide, link);
            try (RomLoader loader = RomLoader.connect(SerialTransport.open(hostEnd.toString(), 115200),
                    ConnectOptions.defaults().withBaud(460800), log::add)) {
                assertFalse(loader.connection().transport().hasModemLines(), "a pseudo-terminal has no DTR/RTS");
                assertEquals("24:0a:c4:00:00:01", loader.chipInfo().mac().toString());
                new FlashWriter(loader, FlashOptions.defaults(), ProgressListener.NONE)
                        .write(List.of(new FlashRegion("app.bin", 0x10000, image)));
            }
            pumping = false;
            pump.join(2000);
        }
        assertTrue(log.stream().anyMatch(l -> l.contains("reset skipped")), log.toString());
        assertArrayEquals(image, link.chip().flash().read(0x10000, image.length));
    }
}
