package dev.espfleet.bench.standin;

import dev.espfleet.bench.console.ConsoleFrame;
import dev.espfleet.bench.console.ConsoleFrameReader;
import dev.espfleet.bench.console.ConsoleProtocol;
import dev.espfleet.flasher.connection.Transport;
import dev.espfleet.flasher.image.AppDescription;
import dev.espfleet.flasher.sim.SimLink;
import dev.espfleet.flasher.sim.SimulatedEsp32;
import dev.espfleet.nvs.NvsEntry;
import dev.espfleet.nvs.NvsImage;
import dev.espfleet.nvs.NvsPartitionReader;
import dev.espfleet.provisioning.IdentityLayout;
import dev.espfleet.provisioning.Pem;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * Test stand-in for the bench's own tests (scripted faults a real firmware build cannot be made to show): a
 * {@link SimLink} to a {@link SimulatedEsp32} whose chip, once reset into its application, runs a scripted
 * firmware that does what the generated firmware's console report does, from what the bench wrote:
 * <ul>
 * <li>its 2nd stage bootloader boots the app image at {@link #APP_OFFSET} (an image with an
 *     {@code esp_app_desc_t}, whose version it reports), and prints ESP-IDF's errors when there is none;</li>
 * <li>it reads its identity from the NVS partition at {@link Script#identityOffset} of the simulated flash
 *     (thing name, endpoint, certificate, key, server CA), and reports the SHA-256 of the certificate's DER;</li>
 * <li>its console is the link the flasher used, at 115200 baud (bytes at another host rate are garbage):
 *     ESP_LOG lines with colours, then the frames of docs/console-protocol.md; it answers {@code query};</li>
 * <li>with {@link Network#BROKER} it connects to the endpoint over mutual TLS with its key and certificate,
 *     verifying the broker with its server CA, and sends MQTT CONNECT with the thing name as client id: what it
 *     reports is what the broker answered. A refusal is reported as esp-mqtt and esp-tls report it.</li>
 * </ul>
 */
public final class ScriptedConsoleBoard implements Transport {
    /** Where the bootloader finds the application: ota_0 of the generated partition table. */
    public static final int APP_OFFSET = 0x20000;
    private static final int IDENTITY_SIZE_DEFAULT = 0x6000;

    /** How the app gets on: no network, a scripted connection, a scripted failure, or a real broker. */
    public enum Network { NONE, SCRIPTED_CONNECT, SCRIPTED_REFUSAL, BROKER }

    /**
     * What the scripted firmware does.
     *
     * @param identityOffset where the firmware's partition table puts the identity partition
     * @param reports        false: an application without the console report (logs only)
     * @param damagedFrames  every frame leaves the board with a bit flipped
     * @param bootReportLost the boot-time hello is lost on the wire; only answers to a query get through
     * @param connectAs      with a scripted connection, the client id it says it connected as; empty: its thing
     * @param modemLines     false: a port without DTR/RTS, where the operator presses EN ({@link #pressEn})
     */
    public record Script(int identityOffset, int identitySize, IdentityLayout layout, boolean reports,
                         boolean damagedFrames, boolean bootReportLost, Network network, Optional<String> connectAs,
                         boolean modemLines) {
        public static Script reporting(int identityOffset) {
            return new Script(identityOffset, IDENTITY_SIZE_DEFAULT, IdentityLayout.DEFAULT, true, false, false,
                    Network.NONE, Optional.empty(), true);
        }

        public Script withNetwork(Network n) {
            return new Script(identityOffset, identitySize, layout, reports, damagedFrames, bootReportLost, n,
                    connectAs, modemLines);
        }

        public Script silent() {
            return new Script(identityOffset, identitySize, layout, false, damagedFrames, bootReportLost, network,
                    connectAs, modemLines);
        }

        public Script withDamagedFrames() {
            return new Script(identityOffset, identitySize, layout, reports, true, bootReportLost, network,
                    connectAs, modemLines);
        }

        public Script withBootReportLost() {
            return new Script(identityOffset, identitySize, layout, reports, damagedFrames, true, network,
                    connectAs, modemLines);
        }

        public Script connectingAs(String clientId) {
            return new Script(identityOffset, identitySize, layout, reports, damagedFrames, bootReportLost,
                    Network.SCRIPTED_CONNECT, Optional.of(clientId), modemLines);
        }

        public Script withoutModemLines() {
            return new Script(identityOffset, identitySize, layout, reports, damagedFrames, bootReportLost, network,
                    connectAs, false);
        }
    }

    private final SimLink link;
    private final Script script;
    private final Random noise = new Random(16);
    private final ArrayDeque<Output> pending = new ArrayDeque<>();
    private int hostBaud = ConsoleProtocol.CONSOLE_BAUD;
    private App app;
    private int boots;

    private record Output(long at, byte[] bytes, int[] offset) {
    }

    public ScriptedConsoleBoard(SimLink link, Script script) {
        this.link = link;
        this.script = script;
    }

    public SimulatedEsp32 chip() {
        return link.chip();
    }

    /** How many times the application started. */
    public synchronized int boots() {
        return boots;
    }

    @Override
    public void write(byte[] data) throws IOException {
        App running;
        synchronized (this) {
            running = app;
        }
        if (running != null) {
            running.input(data);
        } else {
            link.write(data);
        }
    }

    @Override
    public int read(byte[] buffer, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            int n = link.read(buffer, Duration.ZERO);
            if (n > 0) {
                return n;
            }
            synchronized (this) {
                followChip();
                Output head = pending.peek();
                long now = System.nanoTime();
                if (head != null && head.at() <= now) {
                    int count = Math.min(buffer.length, head.bytes().length - head.offset()[0]);
                    System.arraycopy(head.bytes(), head.offset()[0], buffer, 0, count);
                    head.offset()[0] += count;
                    if (head.offset()[0] == head.bytes().length) {
                        pending.poll();
                    }
                    return count;
                }
                if (now >= deadline) {
                    return 0;
                }
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
        }
    }

    /** Starts the application when the chip has booted into it, stops it when the chip is reset. */
    private void followChip() {
        long now = System.nanoTime();
        SimulatedEsp32.Mode mode = link.chip().mode();
        if (mode == SimulatedEsp32.Mode.RUNNING_APP && app == null) {
            boots++;
            app = new App(now);
            app.boot();
        } else if (mode != SimulatedEsp32.Mode.RUNNING_APP && app != null) {
            app.stop();
            app = null;
        }
    }

    /** Queues console output {@code delayMillis} from now, garbled when the host listens at another rate. */
    private synchronized void emit(long delayMillis, byte[] bytes) {
        byte[] out = bytes;
        if (hostBaud != ConsoleProtocol.CONSOLE_BAUD) {
            out = new byte[bytes.length];
            noise.nextBytes(out);
        }
        long at = System.nanoTime() + delayMillis * 1_000_000L;
        Output last = pending.peekLast();
        pending.add(new Output(last != null ? Math.max(at, last.at()) : at, out, new int[] {0}));
    }

    @Override
    public synchronized void setBaudRate(int baud) throws IOException {
        hostBaud = baud;
        link.setBaudRate(baud);
    }

    @Override
    public boolean hasModemLines() {
        return script.modemLines();
    }

    @Override
    public void setDtr(boolean asserted) throws IOException {
        link.setDtr(asserted);
    }

    @Override
    public void setRts(boolean asserted) throws IOException {
        link.setRts(asserted);
    }

    @Override
    public String description() {
        return link.description() + " running a scripted console report";
    }

    @Override
    public double timeoutScale() {
        return link.timeoutScale();
    }

    @Override
    public synchronized void close() {
        if (app != null) {
            app.stop();
            app = null;
        }
        link.close();
    }

    /** The operator presses the board's EN button: the chip restarts, into its application (IO0 is high). */
    public synchronized void pressEn() {
        emit(0, link.chip().boot(false));
    }

    /** The scripted firmware, one boot of it. */
    private final class App {
        private final long startedAt;
        private final ConsoleFrameReader stdin = new ConsoleFrameReader();
        private Map<String, Object> hello;
        private ConsoleFrame latestState;
        private ConsoleFrame latestFail;
        private volatile boolean stopped;
        private Thread network;
        private Socket socket;

        App(long startedAt) {
            this.startedAt = startedAt;
        }

        long uptime() {
            return 600 + (System.nanoTime() - startedAt) / 1_000_000;
        }

        void boot() {
            byte[] flash = link.chip().flash().read(APP_OFFSET, 0x400);
            Optional<AppDescription> desc = AppDescription.of(flash);
            emit(5, bootloader(desc.isPresent()));
            if (desc.isEmpty()) {
                emit(10, (error(60, "esp_image", String.format("image at 0x%x has invalid magic byte (nothing flashed "
                        + "here?)", APP_OFFSET)) + error(66, "boot", "OTA app partition slot 0 is not bootable")
                        + error(72, "boot", "No bootable app partitions in the partition table")
                        + "user code done\r\n").getBytes(StandardCharsets.US_ASCII));
                return;
            }
            String fw = desc.get().version();
            emit(10, appStart(desc.get()).getBytes(StandardCharsets.US_ASCII));
            Identity id = Identity.read(link.chip().flash().read(script.identityOffset(), script.identitySize()),
                    script.layout());
            emit(5, (id.thing != null ? info(590, "identity", "thing '" + id.thing + "', endpoint '" + id.endpoint + "'")
                    : error(590, "identity", "cannot read the identity from NVS: " + id.problem))
                    .getBytes(StandardCharsets.US_ASCII));
            if (!script.reports()) {
                emit(20, info(612, "wifi:wifi driver task", "3ffbf8a8, prio:23, stack:6656, core=0")
                        .getBytes(StandardCharsets.US_ASCII));
                return;
            }
            hello = new LinkedHashMap<>();
            hello.put("proto", ConsoleProtocol.VERSION);
            hello.put("project", desc.get().projectName());
            hello.put("fw", fw);
            hello.put("idf", desc.get().idfVersion());
            hello.put("chip", link.chip().config().chip().idfName());
            hello.put("mac", link.chip().config().mac().toString());
            hello.put("thing", id.thing);
            hello.put("cert_sha256", id.certSha256);
            hello.put("endpoint", id.endpoint);
            hello.put("boot", 1);
            hello.put("uptime_ms", uptime());
            byte[] first = frame(new ConsoleFrame(ConsoleProtocol.HELLO, hello));
            if (script.bootReportLost()) {
                first = first.clone();
                first[12] ^= 0x20;
            }
            emit(5, first);
            if (id.thing == null) {
                fail(5, "identity", "ESP_ERR_NVS_NOT_FOUND", 0x1102, null, null, id.problem);
                return;
            }
            state(5, "identity_loaded", null);
            // another task's log line, written in two calls: a frame may follow on the same line
            emit(10, "\u001b[0;32mI (1204) wifi:new:<6,0>, old:<1,0>, ap:<255,255>, sta:<6,0>, prof:1"
                    .getBytes(StandardCharsets.US_ASCII));
            switch (script.network()) {
                case NONE -> emit(10, "\r\n".getBytes(StandardCharsets.US_ASCII));
                case SCRIPTED_CONNECT -> {
                    state(30, "network_up", null);
                    state(50, "mqtt_connected", script.connectAs().orElse(id.thing));
                }
                case SCRIPTED_REFUSAL -> {
                    state(30, "network_up", null);
                    emit(10, error(1830, "esp-tls-mbedtls", "mbedtls_ssl_handshake returned -0x7780")
                            .getBytes(StandardCharsets.US_ASCII));
                    fail(20, "mqtt", "ESP_ERR_MBEDTLS_SSL_HANDSHAKE_FAILED", 0x801a, 0x7780, 0,
                            "tlsv1 alert unknown ca");
                }
                case BROKER -> {
                    state(30, "network_up", null);
                    network = new Thread(() -> connect(id), "scripted-app-mqtt");
                    network.setDaemon(true);
                    network.start();
                }
                default -> throw new IllegalStateException();
            }
        }

        /** The bench's bytes on the app's stdin: a {@code query} is answered with hello, state and fail. */
        void input(byte[] data) {
            for (ConsoleFrame f : stdin.feed(data)) {
                if (f.kind().equals(ConsoleProtocol.QUERY) && hello != null && !stopped) {
                    Map<String, Object> now = new LinkedHashMap<>(hello);
                    now.put("boot", ((Number) now.get("boot")).intValue() + 1);
                    now.put("uptime_ms", uptime());
                    hello = now;
                    emit(3, frame(new ConsoleFrame(ConsoleProtocol.HELLO, now)));
                    synchronized (this) {
                        if (latestState != null) {
                            emit(1, frame(latestState));
                        }
                        if (latestFail != null) {
                            emit(1, frame(latestFail));
                        }
                    }
                }
            }
        }

        private void state(long delay, String milestone, String thing) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("milestone", milestone);
            if (thing != null) {
                body.put("thing", thing);
            }
            body.put("uptime_ms", uptime());
            ConsoleFrame f = new ConsoleFrame(ConsoleProtocol.STATE, body);
            synchronized (this) {
                latestState = f;
            }
            emit(delay, frame(f));
        }

        private void fail(long delay, String stage, String err, Integer code, Integer tls, Integer errno,
                          String detail) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("stage", stage);
            body.put("err", err);
            body.put("code", code);
            if (tls != null) {
                body.put("tls", tls);
            }
            if (errno != null) {
                body.put("errno", errno);
            }
            body.put("detail", detail);
            body.put("uptime_ms", uptime());
            ConsoleFrame f = new ConsoleFrame(ConsoleProtocol.FAIL, body);
            synchronized (this) {
                latestFail = f;
            }
            emit(delay, frame(f));
        }

        private byte[] frame(ConsoleFrame f) {
            byte[] bytes = f.encode();
            if (script.damagedFrames()) {
                bytes = bytes.clone();
                bytes[bytes.length / 2] ^= 0x01;
            }
            return bytes;
        }

        /** MQTT 3.1.1 CONNECT over mutual TLS to the endpoint from NVS, as esp-mqtt does; reports the outcome. */
        private void connect(Identity id) {
            String host = id.endpoint;
            int port = 8883;
            int colon = host.lastIndexOf(':');
            if (colon > 0) {
                port = Integer.parseInt(host.substring(colon + 1));
                host = host.substring(0, colon);
            }
            try {
                SSLContext tls = SSLContext.getInstance("TLS");
                tls.init(keyManagers(id), trustManagers(id), null);
                Socket tcp = new Socket();
                synchronized (this) {
                    socket = tcp;
                }
                tcp.connect(new InetSocketAddress(host, port), 10_000);
                SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket(tcp, host, port, true);
                synchronized (this) {
                    socket = s;
                }
                SSLParameters params = s.getSSLParameters();
                params.setEndpointIdentificationAlgorithm("HTTPS"); // esp-tls checks the broker's name too
                s.setSSLParameters(params);
                s.setSoTimeout(10_000);
                s.startHandshake();
                OutputStream out = s.getOutputStream();
                out.write(connectPacket(id.thing));
                out.flush();
                DataInputStream in = new DataInputStream(s.getInputStream());
                int type = in.readUnsignedByte();
                int length = in.readUnsignedByte();
                in.readUnsignedByte();
                int code = in.readUnsignedByte();
                if (type != 0x20 || length != 2 || code != 0) {
                    fail(0, "mqtt", "ESP_FAIL", -1, null, null, "CONNACK return code " + code);
                    return;
                }
                emit(0, info(1790, "aws_mqtt", "connected as " + id.thing).getBytes(StandardCharsets.US_ASCII));
                state(0, "mqtt_connected", id.thing);
            } catch (ConnectException e) {
                fail(0, "mqtt", "ESP_ERR_ESP_TLS_FAILED_CONNECT_TO_HOST", 0x8004, null, 111, e.getMessage());
            } catch (SocketTimeoutException e) {
                fail(0, "mqtt", "ESP_ERR_ESP_TLS_CONNECTION_TIMEOUT", 0x8006, null, 110, e.getMessage());
            } catch (SSLHandshakeException | EOFException e) {
                fail(0, "mqtt", "ESP_ERR_MBEDTLS_SSL_HANDSHAKE_FAILED", 0x801a, 0x7780, 0, String.valueOf(e.getMessage()));
            } catch (IOException | GeneralSecurityException | RuntimeException e) {
                if (!stopped) {
                    fail(0, "mqtt", "ESP_ERR_MBEDTLS_SSL_HANDSHAKE_FAILED", 0x801a, 0x7780, 0, String.valueOf(e));
                }
            }
        }

        void stop() {
            stopped = true;
            synchronized (this) {
                if (socket != null) {
                    try {
                        socket.close();
                    } catch (IOException ignored) {
                        // the app is gone either way
                    }
                }
            }
        }
    }

    /** The identity the firmware reads from its NVS partition, or why it could not. */
    private static final class Identity {
        String thing;
        String endpoint;
        String certSha256;
        String certPem;
        String keyPem;
        String serverCaPem;
        String problem;

        static Identity read(byte[] partition, IdentityLayout layout) {
            Identity id = new Identity();
            NvsImage image;
            try {
                image = NvsPartitionReader.read(partition);
            } catch (RuntimeException e) {
                id.problem = "ESP_ERR_NVS_NOT_FOUND (no NVS partition there: " + e.getMessage() + ")";
                return id;
            }
            Map<String, String> values = new LinkedHashMap<>();
            for (NvsEntry e : image.items()) {
                if (e.namespace().equals(layout.namespace().value()) && !e.isNamespaceDeclaration()) {
                    values.put(e.key(), e.stringValue());
                }
            }
            id.thing = values.get(layout.thingNameKey().value());
            id.endpoint = values.get(layout.endpointKey().value());
            id.certPem = values.get(layout.deviceCertKey().value());
            id.keyPem = values.get(layout.privateKeyKey().value());
            id.serverCaPem = values.get(layout.serverCaKey().value());
            if (id.thing == null || id.certPem == null) {
                id.thing = null;
                id.problem = "ESP_ERR_NVS_NOT_FOUND (namespace '" + layout.namespace() + "')";
                return id;
            }
            try {
                X509Certificate cert = Pem.parseCertificates(id.certPem, "device_cert").get(0);
                id.certSha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
            } catch (GeneralSecurityException | RuntimeException e) {
                id.problem = "the certificate does not parse: " + e.getMessage();
            }
            return id;
        }
    }

    private static javax.net.ssl.KeyManager[] keyManagers(Identity id) throws GeneralSecurityException, IOException {
        PrivateKey key = Pem.parsePrivateKey(id.keyPem, "private_key");
        List<X509Certificate> chain = Pem.parseCertificates(id.certPem, "device_cert");
        char[] password = "in-memory".toCharArray();
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("device", key, password, chain.toArray(X509Certificate[]::new));
        KeyManagerFactory factory = KeyManagerFactory.getInstance("SunX509");
        factory.init(store, password);
        return factory.getKeyManagers();
    }

    private static javax.net.ssl.TrustManager[] trustManagers(Identity id) throws GeneralSecurityException, IOException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        List<X509Certificate> cas = Pem.parseCertificates(id.serverCaPem, "server_ca");
        for (int i = 0; i < cas.size(); i++) {
            store.setCertificateEntry("ca" + i, cas.get(i));
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        return factory.getTrustManagers();
    }

    /** MQTT 3.1.1 CONNECT (section 3.1): protocol "MQTT" level 4, clean session, keep-alive 60 s, the client id. */
    static byte[] connectPacket(String clientId) {
        byte[] id = clientId.getBytes(StandardCharsets.UTF_8);
        byte[] name = "MQTT".getBytes(StandardCharsets.US_ASCII);
        int remaining = 2 + name.length + 1 + 1 + 2 + 2 + id.length;
        ByteBuffer packet = ByteBuffer.allocate(2 + remaining);
        packet.put((byte) 0x10).put((byte) remaining).putShort((short) name.length).put(name).put((byte) 4)
                .put((byte) 0x02).putShort((short) 60).putShort((short) id.length).put(id);
        return packet.array();
    }

    private static String info(long ms, String tag, String text) {
        return "\u001b[0;32mI (" + ms + ") " + tag + ": " + text + "\u001b[0m\r\n";
    }

    private static String error(long ms, String tag, String text) {
        return "\u001b[0;31mE (" + ms + ") " + tag + ": " + text + "\u001b[0m\r\n";
    }

    private static byte[] bootloader(boolean app) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(("configsip: 0, SPIWP:0xee\r\nclk_drv:0x00,q_drv:0x00,d_drv:0x00,cs0_drv:0x00,hd_drv:0x00,"
                + "wp_drv:0x00\r\nmode:DIO, clock div:2\r\nload:0x3fff0030,len:7112\r\nload:0x40078000,len:15624\r\n"
                + "load:0x40080400,len:4\r\nentry 0x4008064c\r\n").getBytes(StandardCharsets.US_ASCII));
        out.writeBytes((info(31, "boot", "ESP-IDF v5.2.1 2nd stage bootloader")
                + info(37, "boot", "chip revision: v3.0") + info(54, "boot", "Enabling RNG early entropy source...")
                + info(60, "boot", "Partition Table:") + info(110, "boot", "End of partition table")
                + (app ? info(119, "esp_image", "segment 0: paddr=00020020 vaddr=3f400020 size=2a1c8h (172488) map")
                        + info(350, "boot", "Loaded app from partition at offset 0x20000") : ""))
                .getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    private static String appStart(AppDescription d) {
        return info(439, "cpu_start", "Pro cpu start user code") + info(442, "app_init", "Project name:     "
                + d.projectName()) + info(447, "app_init", "App version:      " + d.version())
                + info(463, "app_init", "ESP-IDF:          " + d.idfVersion()) + info(555, "main_task", "Started on CPU0")
                + info(565, "main_task", "Calling app_main()");
    }

}
