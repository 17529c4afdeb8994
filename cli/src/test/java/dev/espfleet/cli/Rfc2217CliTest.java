package dev.espfleet.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.flasher.sim.SimConfig;
import dev.espfleet.flasher.sim.SimServer;
import dev.espfleet.flasher.sim.SimulatedEsp32;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * rfc2217:// against a real RFC 2217 server, as a bench with networked serial servers runs it: Debian's ser2net
 * (4.x, YAML config, started by the test) serves a pseudo-terminal made by socat, whose other end is the
 * simulated ESP32's TCP port. Needs the ser2net and socat packages; fails, rather than skips, without them.
 */
class Rfc2217CliTest {
    @TempDir
    Path dir;
    private Process socat;
    private Process ser2net;

    @AfterEach
    void stop() throws Exception {
        for (Process p : new Process[] {ser2net, socat}) {
            if (p != null) {
                p.destroy();
                if (!p.waitFor(5, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
        }
    }

    private static Process start(List<String> command, Path log, String pkg) {
        try {
            return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            throw new AssertionError("this test needs " + pkg + " (apt-get install " + pkg + "): " + e.getMessage(), e);
        }
    }

    private static String ser2netBinary() {
        for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!d.isEmpty() && Files.isExecutable(Path.of(d, "ser2net"))) {
                return Path.of(d, "ser2net").toString();
            }
        }
        return "/usr/sbin/ser2net";
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Starts socat (pty to the simulator) and ser2net (telnet(rfc2217) to the pty); returns the pty's path. */
    private Path serve(SimServer sim, int port) throws Exception {
        Path link = dir.resolve("ttyESP");
        socat = start(List.of("socat", "pty,raw,echo=0,link=" + link, "tcp:127.0.0.1:" + sim.port()),
                dir.resolve("socat.log"), "socat");
        for (int i = 0; i < 250 && !Files.exists(link); i++) {
            Thread.sleep(20);
        }
        assertTrue(Files.exists(link), "socat did not make the pseudo-terminal");
        Path pty = link.toRealPath();
        Path config = dir.resolve("ser2net.yaml");
        Files.writeString(config, String.join("\n",
                "%YAML 1.1",
                "---",
                "connection: &esp",
                "  accepter: telnet(rfc2217),tcp,127.0.0.1," + port,
                "  connector: serialdev," + pty + ",115200n81,local",
                "  options:",
                "    kickolduser: true",
                "    mdns: false",
                ""), StandardCharsets.US_ASCII);
        ser2net = start(List.of(ser2netBinary(), "-n", "-u", "-c", config.toString(), "-P", dir.resolve("ser2net.pid").toString()),
                dir.resolve("ser2net.log"), "ser2net");
        for (int i = 0; i < 250; i++) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return pty;
            } catch (IOException notYet) {
                assertTrue(ser2net.isAlive(), "ser2net ended: " + Files.readString(dir.resolve("ser2net.log")));
                Thread.sleep(20);
            }
        }
        throw new AssertionError("ser2net does not listen on " + port + ": " + Files.readString(dir.resolve("ser2net.log")));
    }

    /** The pseudo-terminal's speed as ser2net left it (stty reads the terminal's settings). */
    private static String stty(Path pty) throws Exception {
        Process p = new ProcessBuilder("stty", "-F", pty.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(5, TimeUnit.SECONDS);
        return out;
    }

    @Test
    void chipInfoAndWriteFlashThroughSer2net() throws Exception {
        byte[] app = new byte[50_000];
        new Random(61).nextBytes(app);
        Path appFile = dir.resolve("app.bin");
        Files.write(appFile, app);
        try (SimServer sim = new SimServer(new SimulatedEsp32(SimConfig.esp32()), List.of(), "127.0.0.1", 0, l -> {
        }).start()) {
            int port = freePort();
            Path pty = serve(sim, port);
            String url = "rfc2217://127.0.0.1:" + port;

            CliRun info = CliRun.of("chip-info", "--port", url);
            assertEquals(0, info.exitCode(), info.toString());
            assertTrue(info.out().contains("MAC:      24:0a:c4:00:00:01"), info.toString());
            // ser2net answers no SET-CONTROL for a pseudo-terminal: no DTR/RTS
            assertTrue(info.err().contains(url + " has no DTR/RTS lines"), info.toString());

            CliRun write = CliRun.of("write-flash", "--port", url, "-b", "460800", "0x10000", appFile.toString());
            assertEquals(0, write.exitCode(), write.toString());
            assertTrue(write.err().contains("changed baud rate to 460800"), write.toString());
            assertTrue(write.err().contains("app.bin: verified"), write.toString());
            assertArrayEquals(app, sim.chip().flash().read(0x10000, app.length));
            // SET-BAUDRATE reached ser2net, which set the terminal (it answered 460800, or the write had failed)
            assertTrue(stty(pty).contains("speed 460800 baud"), stty(pty));
        }
    }
}
