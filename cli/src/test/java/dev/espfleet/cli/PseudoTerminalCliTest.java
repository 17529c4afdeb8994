package dev.espfleet.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.flasher.sim.SimConfig;
import dev.espfleet.flasher.sim.SimServer;
import dev.espfleet.flasher.sim.SimulatedEsp32;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * As a user with a board on a pseudo-terminal would run it: socat links a pty to {@code espfleet sim}'s TCP
 * port, and chip-info and write-flash open the pty path through jSerialComm. Needs the socat package.
 */
class PseudoTerminalCliTest {
    @TempDir
    Path dir;

    @Test
    void chipInfoAndWriteFlashOverASocatPseudoTerminal() throws Exception {
        byte[] app = new byte[30_000];
        new Random(41).nextBytes(app);
        Path appFile = dir.resolve("app.bin");
        Files.write(appFile, app);
        Path tty = dir.resolve("ttyESP");
        try (SimServer server = new SimServer(new SimulatedEsp32(SimConfig.esp32()), List.of(), "127.0.0.1", 0, l -> {
        }).start()) {
            Process socat;
            try {
                socat = new ProcessBuilder("socat", "pty,raw,echo=0,link=" + tty, "tcp:127.0.0.1:" + server.port())
                        .redirectErrorStream(true).start();
            } catch (IOException e) {
                throw new AssertionError("this test needs socat (apt-get install socat): " + e.getMessage(), e);
            }
            try {
                for (int i = 0; i < 100 && !Files.exists(tty); i++) {
                    Thread.sleep(20);
                }
                CliRun info = CliRun.of("chip-info", "--port", tty.toString());
                assertEquals(0, info.exitCode(), info.toString());
                assertTrue(info.out().contains("MAC:      24:0a:c4:00:00:01"), info.toString());
                assertTrue(info.err().contains("reset skipped"), info.toString());

                CliRun write = CliRun.of("write-flash", "--port", tty.toString(), "-b", "460800", "0x10000",
                        appFile.toString());
                assertEquals(0, write.exitCode(), write.toString());
                assertTrue(write.err().contains("app.bin: verified"), write.toString());
                assertArrayEquals(app, server.chip().flash().read(0x10000, app.length));
            } finally {
                socat.destroy();
                socat.waitFor(5, TimeUnit.SECONDS);
            }
        }
    }
}
