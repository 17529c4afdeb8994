package dev.espfleet.flasher.connection;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A serial port on a networked serial server (ser2net, an RFC 2217 device server), as esptool's and
 * pyserial's {@code rfc2217://HOST:PORT[?OPTIONS]}: a Telnet connection (RFC 854) that negotiates BINARY and
 * SUPPRESS-GO-AHEAD both ways and COM-PORT-OPTION (RFC 2217) from the client, then sets baud rate, data size,
 * parity and stop size and drives DTR/RTS with SET-CONTROL. Data is escaped both ways (0xFF is sent and
 * received as IAC IAC); if the server will not do BINARY, a CR is sent as CR NUL and a NUL after a received
 * CR dropped, as RFC 854 asks of network virtual terminals.
 *
 * <p>Options (pyserial's names): {@code timeout=SECONDS} how long to wait for the server's answers (default
 * 3); {@code ign_set_control} do not wait for answers to SET-CONTROL and take DTR/RTS as present;
 * {@code poll_modem} and {@code logging=LEVEL} are accepted and have no effect (espfleet reads no modem
 * lines; {@code --trace} shows the traffic).
 *
 * <p>Whether DTR and RTS reach the chip is asked at open: the lines are set inactive (as {@link SerialTransport}
 * does) and a server that answers SET-CONTROL has them; one that does not (ser2net in front of a
 * pseudo-terminal) is taken to have none, so resets are skipped and say so.
 */
public final class Rfc2217Transport implements Transport {
    // Telnet commands and options (RFC 854, 856, 858)
    static final int IAC = 255;
    static final int DONT = 254;
    static final int DO = 253;
    static final int WONT = 252;
    static final int WILL = 251;
    static final int SB = 250;
    static final int SE = 240;
    static final int NUL = 0;
    static final int CR = 13;
    static final int OPT_BINARY = 0;
    static final int OPT_ECHO = 1;
    static final int OPT_SGA = 3;
    static final int OPT_COM_PORT = 44;

    // COM-PORT-OPTION commands, client to server; the server answers each with the code plus 100 (RFC 2217)
    static final int SIGNATURE = 0;
    static final int SET_BAUDRATE = 1;
    static final int SET_DATASIZE = 2;
    static final int SET_PARITY = 3;
    static final int SET_STOPSIZE = 4;
    static final int SET_CONTROL = 5;
    static final int SERVER = 100;
    static final int PARITY_NONE = 1;
    static final int STOPSIZE_1 = 1;
    static final int CONTROL_NO_FLOW = 1;
    static final int CONTROL_DTR_ON = 8;
    static final int CONTROL_DTR_OFF = 9;
    static final int CONTROL_RTS_ON = 11;
    static final int CONTROL_RTS_OFF = 12;

    /** How long a TCP connect may take. */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** Default wait for the server's answer to an option (pyserial's default timeout, 3 s). */
    static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(3);
    /** Wait for an answer to SET-CONTROL: a server without modem lines gives none. */
    static final Duration CONTROL_ANSWER_TIMEOUT = Duration.ofMillis(500);
    static final byte[] CLIENT_SIGNATURE = "espfleet".getBytes(StandardCharsets.US_ASCII);

    private enum Q { NO, WANT_YES, YES }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final String name;
    private final Duration answerTimeout;
    private final boolean ignoreSetControl;
    private boolean modemLines;

    private final Q[] local = new Q[256];
    private final Q[] remote = new Q[256];
    private final Map<Integer, byte[]> answers = new HashMap<>();
    private final Map<Integer, Integer> answerCount = new HashMap<>();

    /** Received data not yet read. */
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private int pendingRead;
    private final byte[] raw = new byte[4096];

    private enum State { DATA, IAC, OPTION, SB, SB_IAC }

    private State state = State.DATA;
    private int optionVerb;
    private final ByteArrayOutputStream subnegotiation = new ByteArrayOutputStream();
    private boolean afterCr;

    private Rfc2217Transport(Socket socket, String name, Duration answerTimeout, boolean ignoreSetControl)
            throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
        this.name = name;
        this.answerTimeout = answerTimeout;
        this.ignoreSetControl = ignoreSetControl;
        java.util.Arrays.fill(local, Q.NO);
        java.util.Arrays.fill(remote, Q.NO);
    }

    /** Connects to {@code rfc2217://host:port[?options]}, negotiates, and sets the port to {@code baud} 8N1. */
    public static Rfc2217Transport open(String url, int baud) {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw badUrl(url, "not a URL");
        }
        if (uri.getHost() == null || uri.getPort() < 0) {
            throw badUrl(url, "no host or port");
        }
        Map<String, String> options = options(url, uri.getRawQuery());
        Duration timeout = ANSWER_TIMEOUT;
        if (options.containsKey("timeout")) {
            try {
                timeout = Duration.ofMillis((long) (Double.parseDouble(options.get("timeout")) * 1000));
            } catch (NumberFormatException e) {
                throw badUrl(url, "timeout=" + options.get("timeout") + " is not a number of seconds");
            }
            if (timeout.isNegative() || timeout.isZero()) {
                throw badUrl(url, "timeout must be more than 0 seconds");
            }
        }
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), (int) CONNECT_TIMEOUT.toMillis());
        } catch (IOException e) {
            closeQuietly(s);
            throw new EspfleetException(ExitStatus.UNAVAILABLE, "cannot connect to " + url + ": " + e.getMessage(),
                    "is the serial server (e.g. ser2net with a telnet(rfc2217) accepter) running on that port?", e);
        }
        try {
            Rfc2217Transport t = new Rfc2217Transport(s, url, timeout, options.containsKey("ign_set_control"));
            t.negotiate();
            t.configure(baud);
            return t;
        } catch (IOException e) {
            closeQuietly(s);
            throw new EspfleetException(ExitStatus.UNAVAILABLE, url + ": " + e.getMessage(),
                    "is it an RFC 2217 port (ser2net: accepter telnet(rfc2217),tcp,PORT)? A raw TCP port is socket://");
        }
    }

    private static Map<String, String> options(String url, String query) {
        Map<String, String> options = new HashMap<>();
        if (query == null || query.isEmpty()) {
            return options;
        }
        for (String part : query.split("&")) {
            int eq = part.indexOf('=');
            String key = (eq < 0 ? part : part.substring(0, eq)).toLowerCase(Locale.ROOT);
            String value = eq < 0 ? "" : part.substring(eq + 1);
            switch (key) {
                case "timeout", "ign_set_control", "poll_modem", "logging" -> options.put(key, value);
                default -> throw badUrl(url, "unknown option '" + key
                        + "' (expected timeout=SECONDS, ign_set_control, poll_modem or logging=LEVEL)");
            }
        }
        return options;
    }

    private static EspfleetException badUrl(String url, String why) {
        return EspfleetException.badInput("--port " + url + ": " + why + " (expected rfc2217://HOST:PORT[?OPTIONS])");
    }

    /** Offers BINARY and SGA both ways and COM-PORT-OPTION, and waits until the server takes the latter. */
    private void negotiate() throws IOException {
        ByteArrayOutputStream offer = new ByteArrayOutputStream();
        request(offer, WILL, OPT_BINARY);
        request(offer, DO, OPT_BINARY);
        request(offer, WILL, OPT_SGA);
        request(offer, DO, OPT_SGA);
        request(offer, WILL, OPT_COM_PORT);
        sendRaw(offer.toByteArray());
        long deadline = System.nanoTime() + answerTimeout.toNanos();
        while (local[OPT_COM_PORT] == Q.WANT_YES && System.nanoTime() - deadline < 0) {
            pump(deadline);
        }
        if (local[OPT_COM_PORT] != Q.YES) {
            throw new IOException(local[OPT_COM_PORT] == Q.NO ? "the server refuses COM-PORT-OPTION (RFC 2217)"
                    : "no answer to COM-PORT-OPTION within " + answerTimeout.toMillis() + " ms");
        }
    }

    /** Baud rate, 8 data bits, no parity, 1 stop bit, no flow control; then asks whether DTR/RTS exist. */
    private void configure(int baud) throws IOException {
        setBaudRate(baud);
        command(SET_DATASIZE, new byte[] {8}, answerTimeout, true);
        command(SET_PARITY, new byte[] {PARITY_NONE}, answerTimeout, true);
        command(SET_STOPSIZE, new byte[] {STOPSIZE_1}, answerTimeout, true);
        command(SET_CONTROL, new byte[] {CONTROL_NO_FLOW}, answerTimeout, true);
        if (ignoreSetControl) {
            modemLines = true;
            sendCommand(SET_CONTROL, new byte[] {CONTROL_DTR_OFF});
            sendCommand(SET_CONTROL, new byte[] {CONTROL_RTS_OFF});
        } else {
            byte[] dtr = command(SET_CONTROL, new byte[] {CONTROL_DTR_OFF}, CONTROL_ANSWER_TIMEOUT, false);
            byte[] rts = command(SET_CONTROL, new byte[] {CONTROL_RTS_OFF}, CONTROL_ANSWER_TIMEOUT, false);
            modemLines = dtr != null && dtr.length == 1 && (dtr[0] & 0xFF) == CONTROL_DTR_OFF
                    && rts != null && rts.length == 1 && (rts[0] & 0xFF) == CONTROL_RTS_OFF;
        }
    }

    /**
     * Sends a COM-PORT-OPTION command and waits up to {@code timeout} for the server's answer; returns it, or
     * {@code null} without one (an {@link IOException} if {@code required}).
     */
    private byte[] command(int code, byte[] value, Duration timeout, boolean required) throws IOException {
        int before = answerCount.getOrDefault(code + SERVER, 0);
        sendCommand(code, value);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (answerCount.getOrDefault(code + SERVER, 0) == before && System.nanoTime() - deadline < 0) {
            pump(deadline);
        }
        if (answerCount.getOrDefault(code + SERVER, 0) == before) {
            if (required) {
                throw new IOException("no answer to RFC 2217 command " + code + " within " + timeout.toMillis() + " ms");
            }
            return null;
        }
        return answers.get(code + SERVER);
    }

    private void sendCommand(int code, byte[] value) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(IAC);
        b.write(SB);
        b.write(OPT_COM_PORT);
        b.write(code);
        escapeInto(b, value);
        b.write(IAC);
        b.write(SE);
        sendRaw(b.toByteArray());
    }

    private void request(ByteArrayOutputStream b, int verb, int option) {
        if (verb == WILL || verb == WONT) {
            local[option] = verb == WILL ? Q.WANT_YES : Q.NO;
        } else {
            remote[option] = verb == DO ? Q.WANT_YES : Q.NO;
        }
        b.write(IAC);
        b.write(verb);
        b.write(option);
    }

    private static boolean weDo(int option) {
        return option == OPT_BINARY || option == OPT_SGA || option == OPT_COM_PORT;
    }

    private static boolean theyMay(int option) {
        // no remote ECHO: the serial line's own echo, if any, is the device's business
        return option == OPT_BINARY || option == OPT_SGA;
    }

    /** An option request from the server, answered so that no loop can start (RFC 1143's rules, simplified). */
    private void onOption(int verb, int option) throws IOException {
        ByteArrayOutputStream reply = new ByteArrayOutputStream();
        switch (verb) {
            case WILL -> {
                if (remote[option] == Q.WANT_YES) {
                    remote[option] = Q.YES;
                } else if (remote[option] == Q.NO) {
                    if (theyMay(option)) {
                        remote[option] = Q.YES;
                        reply.writeBytes(new byte[] {(byte) IAC, (byte) DO, (byte) option});
                    } else {
                        reply.writeBytes(new byte[] {(byte) IAC, (byte) DONT, (byte) option});
                    }
                }
            }
            case WONT -> {
                if (remote[option] == Q.YES) {
                    reply.writeBytes(new byte[] {(byte) IAC, (byte) DONT, (byte) option});
                }
                remote[option] = Q.NO;
            }
            case DO -> {
                if (local[option] == Q.WANT_YES) {
                    local[option] = Q.YES;
                } else if (local[option] == Q.NO) {
                    if (weDo(option)) {
                        local[option] = Q.YES;
                        reply.writeBytes(new byte[] {(byte) IAC, (byte) WILL, (byte) option});
                    } else {
                        reply.writeBytes(new byte[] {(byte) IAC, (byte) WONT, (byte) option});
                    }
                }
            }
            case DONT -> {
                if (local[option] == Q.YES) {
                    reply.writeBytes(new byte[] {(byte) IAC, (byte) WONT, (byte) option});
                }
                local[option] = Q.NO;
            }
            default -> {
                // not an option verb
            }
        }
        if (reply.size() > 0) {
            sendRaw(reply.toByteArray());
        }
    }

    /** A complete subnegotiation from the server (without IAC SB and IAC SE, IAC IAC undone). */
    private void onSubnegotiation(byte[] sb) throws IOException {
        if (sb.length < 2 || (sb[0] & 0xFF) != OPT_COM_PORT) {
            return;
        }
        int code = sb[1] & 0xFF;
        byte[] value = java.util.Arrays.copyOfRange(sb, 2, sb.length);
        if (code == SERVER + SIGNATURE && value.length == 0) {
            // the server asks who we are
            sendCommand(SIGNATURE, CLIENT_SIGNATURE);
            return;
        }
        answers.put(code, value);
        answerCount.merge(code, 1, Integer::sum);
    }

    /** Reads what the socket has (waiting until {@code deadline} at most) and decodes it. */
    private void pump(long deadline) throws IOException {
        long left = deadline - System.nanoTime();
        int n;
        if (in.available() > 0) {
            n = in.read(raw, 0, Math.min(raw.length, in.available()));
        } else {
            if (left <= 0) {
                return;
            }
            socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, left / 1_000_000)));
            try {
                n = in.read(raw);
            } catch (SocketTimeoutException e) {
                return;
            }
        }
        if (n < 0) {
            throw new IOException("connection closed by " + name);
        }
        for (int i = 0; i < n; i++) {
            decode(raw[i] & 0xFF);
        }
    }

    private void decode(int b) throws IOException {
        switch (state) {
            case DATA -> {
                if (b == IAC) {
                    state = State.IAC;
                } else {
                    data(b);
                }
            }
            case IAC -> {
                switch (b) {
                    case IAC -> {
                        data(IAC);
                        state = State.DATA;
                    }
                    case WILL, WONT, DO, DONT -> {
                        optionVerb = b;
                        state = State.OPTION;
                    }
                    case SB -> {
                        subnegotiation.reset();
                        state = State.SB;
                    }
                    default -> state = State.DATA; // NOP, GA, DM and the like carry nothing for a serial port
                }
            }
            case OPTION -> {
                state = State.DATA;
                onOption(optionVerb, b);
            }
            case SB -> {
                if (b == IAC) {
                    state = State.SB_IAC;
                } else {
                    subnegotiation.write(b);
                }
            }
            case SB_IAC -> {
                if (b == SE) {
                    state = State.DATA;
                    onSubnegotiation(subnegotiation.toByteArray());
                } else {
                    // IAC IAC inside a subnegotiation is a 0xFF value byte
                    subnegotiation.write(b);
                    state = State.SB;
                }
            }
            default -> throw new IllegalStateException(state.name());
        }
    }

    /** A received data byte; without BINARY from the server, the NUL of a CR NUL pair is dropped. */
    private void data(int b) {
        boolean dropNul = afterCr && b == NUL && remote[OPT_BINARY] != Q.YES;
        afterCr = b == CR;
        if (!dropNul) {
            pending.write(b);
        }
    }

    private static void escapeInto(ByteArrayOutputStream b, byte[] value) {
        for (byte x : value) {
            b.write(x);
            if ((x & 0xFF) == IAC) {
                b.write(IAC);
            }
        }
    }

    private void sendRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    @Override
    public synchronized void write(byte[] data) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(data.length + 16);
        boolean binary = local[OPT_BINARY] == Q.YES;
        for (byte x : data) {
            int v = x & 0xFF;
            b.write(v);
            if (v == IAC) {
                b.write(IAC);
            } else if (v == CR && !binary) {
                b.write(NUL);
            }
        }
        sendRaw(b.toByteArray());
    }

    @Override
    public synchronized int read(byte[] buffer, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (pending.size() == pendingRead) {
            pump(deadline);
            // a server that sends only Telnet commands does not keep a read going past its deadline
            if (pending.size() == pendingRead && System.nanoTime() - deadline >= 0) {
                return 0;
            }
        }
        byte[] all = pending.toByteArray();
        int n = Math.min(buffer.length, all.length - pendingRead);
        System.arraycopy(all, pendingRead, buffer, 0, n);
        pendingRead += n;
        if (pendingRead == all.length) {
            pending.reset();
            pendingRead = 0;
        }
        return n;
    }

    /** SET-BAUDRATE; the server answers with the rate it set, which must be the one asked for. */
    @Override
    public synchronized void setBaudRate(int baud) throws IOException {
        byte[] value = java.nio.ByteBuffer.allocate(4).putInt(baud).array();
        byte[] answer = command(SET_BAUDRATE, value, answerTimeout, true);
        int set = answer.length == 4 ? java.nio.ByteBuffer.wrap(answer).getInt() : -1;
        if (set != baud) {
            throw new IOException("the serial server set " + set + " baud, not " + baud);
        }
    }

    @Override
    public boolean hasModemLines() {
        return modemLines;
    }

    @Override
    public synchronized void setDtr(boolean asserted) throws IOException {
        control(asserted ? CONTROL_DTR_ON : CONTROL_DTR_OFF);
    }

    @Override
    public synchronized void setRts(boolean asserted) throws IOException {
        control(asserted ? CONTROL_RTS_ON : CONTROL_RTS_OFF);
    }

    /** SET-CONTROL for a modem line; waits briefly for the answer so that resets keep their timing. */
    private void control(int value) throws IOException {
        if (ignoreSetControl) {
            sendCommand(SET_CONTROL, new byte[] {(byte) value});
        } else {
            command(SET_CONTROL, new byte[] {(byte) value}, CONTROL_ANSWER_TIMEOUT, false);
        }
    }

    @Override
    public String description() {
        return name;
    }

    @Override
    public void close() {
        closeQuietly(socket);
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
