package dev.espfleet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.flasher.command.Opcode;
import dev.espfleet.flasher.sim.Fault;
import dev.espfleet.flasher.sim.SimConfig;
import dev.espfleet.flasher.sim.SimServer;
import dev.espfleet.flasher.sim.SimulatedEsp32;
import dev.espfleet.nvs.NvsEntry;
import dev.espfleet.nvs.NvsPartitionWriter;
import dev.espfleet.nvs.NvsVersion;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What flasher commands refuse before they touch a chip, what they print while they run and after, and
 * what they never print.
 */
class FlasherCommandInputTest {
    private static final Duration HANG = Duration.ofSeconds(90);

    @TempDir
    Path dir;

    private Path file(String name, byte[] data) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, data);
        return p;
    }

    private static byte[] random(int size, int seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    static Stream<Arguments> wrongButOnceAccepted() {
        return Stream.of(
                Arguments.of(List.of("write-flash", "--flash-size", "3MB", "0x10000", "@app"), "--flash-size 3MB: expected keep, detect, 1MB"),
                Arguments.of(List.of("write-flash", "--flash-size", "512KB", "0x10000", "@app"), "512KB is an ESP8266 size"),
                Arguments.of(List.of("write-flash", "--flash-mode", "xyz", "0x10000", "@app"), "--flash-mode xyz: expected keep, qio, qout, dio or dout"),
                Arguments.of(List.of("write-flash", "--flash-freq", "33m", "0x10000", "@app"), "--flash-freq 33m: expected keep or one of"),
                Arguments.of(List.of("write-flash", "-b", "12", "0x10000", "@app"), "--baud 12 is not a baud rate espfleet uses"),
                Arguments.of(List.of("chip-info", "-b", "12"), "--baud 12 is not a baud rate espfleet uses: expected 9600..5000000"),
                Arguments.of(List.of("verify", "0x10000", "@empty"), "empty.bin is empty"),
                Arguments.of(List.of("read-flash", "0x9000", "0", "@out"), "read-flash SIZE 0: expected at least 1 byte"),
                Arguments.of(List.of("read-flash", "0x9000", "0x1000", "@dir"), "is a directory: give a file name"),
                Arguments.of(List.of("write-flash", "0x10000", "@dir"), "it is a directory, expected an image file"));
    }

    /** Exit 2, one error line, and the chip never hears of it. */
    @ParameterizedTest
    @MethodSource("wrongButOnceAccepted")
    void refusesBeforeTouchingTheChip(List<String> args, String message) throws Exception {
        Path app = file("app.bin", random(0x2000, 1));
        Path empty = file("empty.bin", new byte[0]);
        Path folder = Files.createDirectories(dir.resolve("folder"));
        try (SimServer server = new SimServer(new SimulatedEsp32(SimConfig.esp32()), List.of(), "127.0.0.1", 0, l -> {
        }).start()) {
            String port = "socket://127.0.0.1:" + server.port();
            List<String> argv = new java.util.ArrayList<>();
            argv.add(args.get(0));
            argv.addAll(List.of("--port", port));
            for (String a : args.subList(1, args.size())) {
                argv.add(switch (a) {
                    case "@app" -> app.toString();
                    case "@empty" -> empty.toString();
                    case "@out" -> dir.resolve("out.bin").toString();
                    case "@dir" -> folder.toString();
                    default -> a;
                });
            }
            CliRun r = CliRun.of(argv.toArray(new String[0]));
            assertEquals(2, r.exitCode(), r.toString());
            assertEquals(1, r.err().lines().filter(l -> l.startsWith("error: ")).count(), r.toString());
            assertTrue(r.err().contains(message), r.toString());
            assertEquals(0, server.chip().commandsHandled(), "nothing reached the chip: " + r);
        }
    }

    @Test
    void monitorRefusesANegativeTimeAndAnUnusableBaudRate() {
        CliRun negative = CliRun.of("monitor", "--port", "sim", "--seconds", "-1");
        assertEquals(2, negative.exitCode(), negative.toString());
        assertTrue(negative.err().contains("error: --seconds -1: expected 0 (until Ctrl-]) or more"), negative.toString());
        CliRun slow = CliRun.of("monitor", "--port", "sim", "-b", "12");
        assertEquals(2, slow.exitCode(), slow.toString());
        assertTrue(slow.err().contains("error: --baud 12 is not a baud rate"), slow.toString());
    }

    /** #13.23: nothing was written, so the summary does not say "wrote and verified". */
    @Test
    void writingWhatIsAlreadyOnTheChipSaysNothingWasWritten() throws Exception {
        Path app = file("app.bin", random(0x3000, 2));
        Path table = file("table.bin", random(0xC00, 3));
        try (SimServer server = new SimServer(new SimulatedEsp32(SimConfig.esp32()), List.of(), "127.0.0.1", 0, l -> {
        }).start()) {
            String port = "socket://127.0.0.1:" + server.port();
            CliRun first = CliRun.of("write-flash", "--port", port, "0x8000", table.toString(), "0x10000", app.toString());
            assertEquals(0, first.exitCode(), first.toString());
            assertTrue(first.err().contains("wrote and verified 15360 bytes in 2 region(s) in "), first.toString());

            CliRun again = CliRun.of("write-flash", "--port", port, "0x8000", table.toString(), "0x10000", app.toString());
            assertEquals(0, again.exitCode(), again.toString());
            assertTrue(again.err().contains("all 2 region(s) already on the chip (MD5 match), nothing written"), again.toString());
            assertFalse(again.err().contains("wrote and verified"), again.toString());

            Path changed = file("app2.bin", random(0x3000, 4));
            CliRun half = CliRun.of("write-flash", "--port", port, "0x8000", table.toString(), "0x10000", changed.toString());
            assertTrue(half.err().contains("wrote and verified 12288 bytes in 1 region(s) in "), half.toString());
            assertTrue(half.err().contains("; 1 region(s) already on the chip (MD5 match)"), half.toString());
        }
    }

    /** #13.5: stderr that is not a terminal gets no carriage returns, and the error line starts a line. */
    @Test
    void progressOffATerminalHasNoCarriageReturnsAndTheErrorStartsItsOwnLine() throws Exception {
        Path app = file("app.bin", random(40_000, 5));
        try (SimServer server = new SimServer(new SimulatedEsp32(SimConfig.esp32()),
                List.of(Fault.at(Fault.Kind.DISCONNECT, Opcode.FLASH_DATA, 20)), "127.0.0.1", 0, l -> {
                }).start()) {
            CliRun r = CliRun.of("write-flash", "--port", "socket://127.0.0.1:" + server.port(), "0x10000", app.toString());
            assertEquals(3, r.exitCode(), r.toString());
            assertFalse(r.err().contains("\r"), r.toString());
            assertTrue(r.err().startsWith("error: ") || r.err().contains("\nerror: "), r.toString());
        }
    }

    /** #13.5 on a terminal: the bar is redrawn in place, and ended before any other line. */
    @Test
    void theBarOnATerminalIsEndedBeforeAnyOtherLine() {
        java.io.StringWriter text = new java.io.StringWriter();
        ProgressPrinter p = new ProgressPrinter(new java.io.PrintWriter(text), true);
        p.bytesDone(10, 100);
        p.line("retrying MD5");
        p.bytesDone(100, 100);
        p.finish();
        String[] lines = text.toString().split("\n", -1);
        assertTrue(lines[0].startsWith("\r["), text.toString());
        assertEquals("retrying MD5", lines[1]);
        assertTrue(lines[2].startsWith("\r[") && lines[2].contains("100%"), text.toString());
        assertEquals("", lines[3], "finish() ended the bar's line");
    }

    /** #13.7: read-flash output may hold keys: owner-only, whatever the umask. */
    @Test
    void readFlashWritesItsFileOwnerOnly() throws Exception {
        Path out = dir.resolve("nvs.bin");
        CliRun r = CliRun.of("read-flash", "--port", "sim", "0x9000", "0x100", out.toString());
        assertEquals(0, r.exitCode(), r.toString());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(out)));
    }

    /** A PEM private key, long enough that some 1 KB block of any image holding it starts inside it. */
    private static String privateKeyPem() {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(random(1500, 6));
        return "-----BEGIN EC PRIVATE KEY-----\n" + body + "\n-----END EC PRIVATE KEY-----\n";
    }

    private static byte[] identityImage(String pem) {
        return NvsPartitionWriter.write(List.of(NvsEntry.namespace("identity"), NvsEntry.string("identity", "thing", "sensor-0001"),
                NvsEntry.string("identity", "priv_key", pem)), 0x6000, NvsVersion.V2);
    }

    /** No 12 bytes in a row of the key, as hex (frames) or as text, anywhere in the trace. */
    private static void assertKeyNotIn(String trace, String pem) {
        byte[] key = pem.getBytes(StandardCharsets.US_ASCII);
        String hexTrace = trace.toLowerCase(java.util.Locale.ROOT);
        for (int i = 0; i + 12 <= key.length; i++) {
            byte[] window = Arrays.copyOfRange(key, i, i + 12);
            String hex = java.util.HexFormat.of().formatHex(window);
            String text = new String(window, StandardCharsets.US_ASCII);
            if (hexTrace.contains(hex) || trace.contains(text)) {
                throw new AssertionError("the trace shows key bytes " + i + ".." + (i + 12) + ": " + text.strip());
            }
        }
        assertFalse(trace.contains("PRIVATE KEY"), "the trace names the key");
    }

    /** #13.7: --trace never shows the bytes of an identity image, plain or compressed, hex or text. */
    @Test
    void traceRedactsAnIdentityImageGivenToWriteFlash() throws Exception {
        String pem = privateKeyPem();
        Path nvs = file("identity.bin", identityImage(pem));
        for (String compress : List.of("--no-compress", "--no-skip")) {
            CliRun r = CliRun.of("write-flash", "--port", "sim", "--before", "no-reset", "--trace", compress, "0x9000",
                    nvs.toString());
            assertEquals(0, r.exitCode(), r.toString());
            assertTrue(r.err().contains("<identity image: 1024 bytes redacted"), r.toString());
            assertKeyNotIn(r.err(), pem);
        }
    }

    /**
     * read-flash --trace of an identity partition: nobody told the trace it is secret, it recognises what was
     * read (as write-flash recognises what it writes) and shows none of the key, while the file gets it all.
     */
    @Test
    void traceRedactsAnIdentityImageReadBack() throws Exception {
        String pem = privateKeyPem();
        byte[] image = identityImage(pem);
        SimulatedEsp32 chip = new SimulatedEsp32(SimConfig.esp32());
        chip.flash().load(0x9000, image);
        Path out = dir.resolve("identity-read.bin");
        try (SimServer server = new SimServer(chip, List.of(), "127.0.0.1", 0, l -> {
        }).start()) {
            CliRun r = assertTimeoutPreemptively(HANG, () -> CliRun.of("read-flash", "--port",
                    "socket://127.0.0.1:" + server.port(), "--trace", "0x9000", "0x6000", out.toString()));
            assertEquals(0, r.exitCode(), r.toString());
            assertKeyNotIn(r.err(), pem);
            assertTrue(r.err().contains("<identity image: 64 bytes redacted"), r.toString());
        }
        assertTrue(Arrays.equals(image, Files.readAllBytes(out)), "the file holds what was read");
    }

    /** #14.4: a chip that runs a logging application: chip-info ends, exit 3, and says what to check. */
    @Test
    void chipInfoOnAPortThatKeepsLoggingEndsWithExit3() throws Exception {
        SimConfig app = SimConfig.esp32().withStartInDownloadMode(false).withAppLogInterval(Duration.ofMillis(5));
        try (SimServer server = new SimServer(new SimulatedEsp32(app), List.of(), "127.0.0.1", 0, l -> {
        }).start()) {
            CliRun r = assertTimeoutPreemptively(HANG, () -> CliRun.of("chip-info", "--port",
                    "socket://127.0.0.1:" + server.port()));
            assertEquals(3, r.exitCode(), r.toString());
            assertTrue(r.err().contains("keeps sending"), r.toString());
            assertTrue(r.err().contains("app: uptime"), r.toString());
            assertTrue(r.err().contains("hint: socket://127.0.0.1:" + server.port() + " has no DTR/RTS"), r.toString());
        }
    }

    /** A TCP server that sends random bytes to whoever connects, until closed. */
    static final class NoiseServer implements AutoCloseable {
        private final ServerSocket server = new ServerSocket(0, 5, java.net.InetAddress.getLoopbackAddress());
        private volatile boolean closed;

        NoiseServer() throws IOException {
            Thread t = new Thread(() -> {
                while (!closed) {
                    try (Socket s = server.accept(); OutputStream out = s.getOutputStream()) {
                        Random r = new Random(8);
                        byte[] b = new byte[64];
                        while (!closed) {
                            r.nextBytes(b);
                            out.write(b);
                            Thread.sleep(2);
                        }
                    } catch (IOException | InterruptedException e) {
                        // next client, or closed
                    }
                }
            }, "noise-server");
            t.setDaemon(true);
            t.start();
        }

        int port() {
            return server.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            closed = true;
            server.close();
        }
    }

    @Test
    void chipInfoOnAPortSendingRandomBytesEndsWithExit3() throws Exception {
        try (NoiseServer noise = new NoiseServer()) {
            CliRun r = assertTimeoutPreemptively(HANG, () -> CliRun.of("chip-info", "--port",
                    "socket://127.0.0.1:" + noise.port()));
            assertEquals(3, r.exitCode(), r.toString());
            assertTrue(r.err().contains("error: the chip on socket://127.0.0.1:" + noise.port() + " keeps sending"),
                    r.toString());
        }
    }

    /** The monitor keeps to --seconds however fast the device talks. */
    @Test
    void monitorKeepsToItsTimeOnAPortThatNeverStops() throws Exception {
        try (NoiseServer noise = new NoiseServer()) {
            CliRun r = assertTimeoutPreemptively(HANG, () -> CliRun.of("monitor", "--port",
                    "socket://127.0.0.1:" + noise.port(), "--seconds", "1"));
            assertEquals(0, r.exitCode(), r.toString());
            assertTrue(r.err().contains("--- monitor ended ---"), r.toString());
        }
    }

    /** #13.1 at the command line: the simulator repeats unsupported answers 8 times, as the ROM does. */
    @Test
    void chipInfoGetsPastDetectionWithTheRepeatedUnsupportedAnswer() throws Exception {
        CliRun r = CliRun.of("chip-info", "--port", "sim");
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().contains("Chip:     ESP32"), r.toString());
        assertFalse(r.err().contains("does not support"), r.toString());
        // write-flash too: the same detection
        Path app = file("app.bin", random(0x1000, 9));
        CliRun w = CliRun.of("write-flash", "--port", "sim", "0x10000", app.toString());
        assertEquals(0, w.exitCode(), w.toString());
    }
}
