package dev.espfleet.flasher.connection;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The Telnet/RFC 2217 side of {@link Rfc2217Transport} against a scripted server in the test: escaping both
 * ways, option negotiation, answers to COM-PORT-OPTION commands. Rfc2217CliTest runs it against ser2net.
 */
class Rfc2217TransportTest {
    static final int IAC = 255;
    static final int DONT = 254;
    static final int DO = 253;
    static final int WONT = 252;
    static final int WILL = 251;
    static final int SB = 250;
    static final int SE = 240;

    /**
     * A device server that echoes the data it gets, answers every COM-PORT-OPTION command with its value (or
     * as configured), and records the raw bytes the client sent.
     */
    static final class ScriptedServer implements AutoCloseable {
        final ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        final ByteArrayOutputStream rawFromClient = new ByteArrayOutputStream();
        final List<String> commands = Collections.synchronizedList(new ArrayList<>());
        boolean binary = true;
        boolean comPort = true;
        boolean answerControl = true;
        int baudAnswerOverride = -1;
        private Socket client;

        ScriptedServer() throws IOException {
            Thread t = new Thread(this::serve, "rfc2217-scripted-server");
            t.setDaemon(true);
            t.start();
        }

        String url() {
            return "rfc2217://127.0.0.1:" + server.getLocalPort();
        }

        private void serve() {
            try (Socket s = server.accept()) {
                client = s;
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                // what ser2net sends first
                out.write(new byte[] {(byte) IAC, (byte) WILL, 3, (byte) IAC, (byte) DO, 3, (byte) IAC, (byte) WILL, 1});
                out.flush();
                ByteArrayOutputStream sb = new ByteArrayOutputStream();
                int state = 0;
                int verb = 0;
                int b;
                boolean afterCr = false;
                while ((b = in.read()) >= 0) {
                    synchronized (rawFromClient) {
                        rawFromClient.write(b);
                    }
                    switch (state) {
                        case 0 -> {
                            if (b == IAC) {
                                state = 1;
                            } else if (!(afterCr && b == 0 && !binary)) {
                                echo(out, b);
                            }
                            afterCr = b == 13;
                        }
                        case 1 -> {
                            if (b == IAC) {
                                echo(out, IAC);
                                state = 0;
                            } else if (b == SB) {
                                sb.reset();
                                state = 3;
                            } else {
                                verb = b;
                                state = 2;
                            }
                        }
                        case 2 -> {
                            answerOption(out, verb, b);
                            state = 0;
                        }
                        case 3 -> {
                            if (b == IAC) {
                                state = 4;
                            } else {
                                sb.write(b);
                            }
                        }
                        case 4 -> {
                            if (b == SE) {
                                answerCommand(out, sb.toByteArray());
                                state = 0;
                            } else {
                                sb.write(b);
                                state = 3;
                            }
                        }
                        default -> throw new IllegalStateException();
                    }
                }
            } catch (IOException e) {
                // the test is over
            }
        }

        private void answerOption(OutputStream out, int verb, int option) throws IOException {
            boolean yes = option == 44 ? comPort : option == 0 ? binary : option == 3;
            int answer = switch (verb) {
                case WILL -> yes ? DO : DONT;
                case DO -> yes ? WILL : WONT;
                default -> -1;
            };
            if (answer >= 0) {
                out.write(new byte[] {(byte) IAC, (byte) answer, (byte) option});
                out.flush();
            }
        }

        private void answerCommand(OutputStream out, byte[] sb) throws IOException {
            int code = sb[1] & 0xFF;
            byte[] value = java.util.Arrays.copyOfRange(sb, 2, sb.length);
            commands.add(code + ":" + java.util.HexFormat.of().formatHex(value));
            if (code == 5 && value.length == 1 && value[0] >= 8 && !answerControl) {
                return;
            }
            if (code == 1 && baudAnswerOverride >= 0 && ByteBuffer.wrap(value).getInt() != 0) {
                value = ByteBuffer.allocate(4).putInt(baudAnswerOverride).array();
            }
            ByteArrayOutputStream a = new ByteArrayOutputStream();
            a.writeBytes(new byte[] {(byte) IAC, (byte) SB, 44, (byte) (code + 100)});
            for (byte v : value) {
                a.write(v);
                if ((v & 0xFF) == IAC) {
                    a.write(IAC);
                }
            }
            a.writeBytes(new byte[] {(byte) IAC, (byte) SE});
            out.write(a.toByteArray());
            out.flush();
        }

        private void echo(OutputStream out, int b) throws IOException {
            if (b == IAC) {
                out.write(new byte[] {(byte) IAC, (byte) IAC});
            } else {
                out.write(b);
                if (b == 13 && !binary) {
                    out.write(0);
                }
            }
            out.flush();
        }

        byte[] raw() {
            synchronized (rawFromClient) {
                return rawFromClient.toByteArray();
            }
        }

        @Override
        public void close() throws IOException {
            server.close();
            if (client != null) {
                client.close();
            }
        }
    }

    private static byte[] readFully(Rfc2217Transport t, int n) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        byte[] buf = new byte[512];
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (got.size() < n && System.nanoTime() < deadline) {
            int k = t.read(buf, Duration.ofMillis(200));
            got.write(buf, 0, k);
        }
        return got.toByteArray();
    }

    private static byte[] everyByte() {
        byte[] all = new byte[512];
        for (int i = 0; i < all.length; i++) {
            all[i] = (byte) i;
        }
        return all;
    }

    private static int count(byte[] haystack, byte[] needle) {
        int n = 0;
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            if (java.util.Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                n++;
            }
        }
        return n;
    }

    @Test
    void escapesIacBothWaysAndSetsThePort() throws Exception {
        try (ScriptedServer server = new ScriptedServer();
             Rfc2217Transport t = Rfc2217Transport.open(server.url(), 115200)) {
            byte[] all = everyByte();
            t.write(all);
            assertArrayEquals(all, readFully(t, all.length), "every byte value comes back as it went");
            // two 0xFF data bytes went as IAC IAC each
            assertTrue(count(server.raw(), new byte[] {(byte) IAC, (byte) IAC}) >= 2);
            assertTrue(server.commands.containsAll(List.of("1:0001c200", "2:08", "3:01", "4:01", "5:01", "5:09", "5:0c")),
                    server.commands.toString());
            assertTrue(t.hasModemLines(), "the server answered SET-CONTROL for DTR and RTS");
            t.setBaudRate(921600);
            assertTrue(server.commands.contains("1:000e1000"), server.commands.toString());
        }
    }

    @Test
    void withoutBinaryACarriageReturnGoesAsCrNul() throws Exception {
        try (ScriptedServer server = new ScriptedServer()) {
            server.binary = false;
            try (Rfc2217Transport t = Rfc2217Transport.open(server.url(), 115200)) {
                byte[] data = {0x41, 13, 0x42, 13, 10};
                t.write(data);
                assertArrayEquals(data, readFully(t, data.length), "the NUL after a received CR is dropped");
                assertEquals(2, count(server.raw(), new byte[] {13, 0}),
                        "CR went as CR NUL: " + java.util.HexFormat.of().formatHex(server.raw()));
            }
        }
    }

    @Test
    void aServerThatDoesNotAnswerSetControlHasNoModemLines() throws Exception {
        try (ScriptedServer server = new ScriptedServer()) {
            server.answerControl = false;
            try (Rfc2217Transport t = Rfc2217Transport.open(server.url(), 115200)) {
                assertFalse(t.hasModemLines());
            }
        }
    }

    @Test
    void aServerWithoutComPortOptionIsRefusedWithExit3() throws Exception {
        try (ScriptedServer server = new ScriptedServer()) {
            server.comPort = false;
            EspfleetException e = assertThrows(EspfleetException.class, () -> Rfc2217Transport.open(server.url(), 115200));
            assertEquals(ExitStatus.UNAVAILABLE, e.status());
            assertTrue(e.getMessage().contains("refuses COM-PORT-OPTION"), e.getMessage());
        }
    }

    @Test
    void aBaudRateTheServerDidNotSetIsAnError() throws Exception {
        try (ScriptedServer server = new ScriptedServer()) {
            try (Rfc2217Transport t = Rfc2217Transport.open(server.url(), 115200)) {
                server.baudAnswerOverride = 115200;
                IOException e = assertThrows(IOException.class, () -> t.setBaudRate(921600));
                assertEquals("the serial server set 115200 baud, not 921600", e.getMessage());
            }
        }
    }

    @Test
    void urlOptionsAreThoseOfPyserial() throws Exception {
        EspfleetException e = assertThrows(EspfleetException.class,
                () -> Rfc2217Transport.open("rfc2217://127.0.0.1:9?bogus=1", 115200));
        assertEquals(ExitStatus.BAD_INPUT, e.status());
        assertTrue(e.getMessage().contains("unknown option 'bogus'"), e.getMessage());
        try (ScriptedServer server = new ScriptedServer()) {
            server.answerControl = false;
            try (Rfc2217Transport t = Rfc2217Transport.open(server.url() + "?ign_set_control&timeout=2&logging=debug",
                    115200)) {
                assertTrue(t.hasModemLines(), "ign_set_control: DTR/RTS taken as present without an answer");
            }
        }
    }
}
