package dev.espfleet.cli;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/** Debian's mosquitto on a free loopback port, requiring a client certificate; the test's own process. */
final class MosquittoBroker implements AutoCloseable {
    static final Path BINARY = Path.of("/usr/sbin/mosquitto");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(15);

    private final Process process;
    private final int port;
    private final Path log;

    private MosquittoBroker(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** A device config for units that talk to this broker (endpoint localhost; tests pass --endpoint too). */
    static Path deviceConfig(Path dir) throws IOException {
        Path config = dir.resolve("device.yaml");
        java.nio.file.Files.writeString(config, "product:\n  name: tls-proof\n  firmware_version: 1.0.0\n"
                + "aws:\n  endpoint: localhost.localdomain\n");
        return config;
    }

    static boolean installed() {
        return Files.isExecutable(BINARY);
    }

    /**
     * Starts the broker with {@code cafile} as the only CA it trusts for clients, and the client
     * certificate's CN as the MQTT user name.
     */
    static MosquittoBroker start(Path dir, Path cafile, Path certfile, Path keyfile) throws IOException,
            InterruptedException {
        int port;
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        }
        Path log = dir.resolve("mosquitto.log");
        Path conf = dir.resolve("mosquitto.conf");
        // mosquitto started as root drops to the "mosquitto" user before reading the key; keep root so it
        // can read the 0600 files written by this test.
        String user = "root".equals(System.getProperty("user.name")) ? "user root\n" : "";
        Files.writeString(conf, user
                + "persistence false\n"
                + "log_dest file " + log + "\n"
                + "log_type all\n"
                + "connection_messages true\n"
                + "listener " + port + " 127.0.0.1\n"
                + "cafile " + cafile + "\n"
                + "certfile " + certfile + "\n"
                + "keyfile " + keyfile + "\n"
                + "require_certificate true\n"
                + "use_identity_as_username true\n"
                + "allow_anonymous false\n");
        Process process = new ProcessBuilder(BINARY.toString(), "-c", conf.toString())
                .redirectErrorStream(true).redirectOutput(dir.resolve("mosquitto.out").toFile()).start();
        MosquittoBroker broker = new MosquittoBroker(process, port, log);
        Instant deadline = Instant.now().plus(START_TIMEOUT);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                String out = Files.readString(dir.resolve("mosquitto.out"));
                throw new IllegalStateException("mosquitto exited with " + process.exitValue() + ": " + out
                        + broker.log());
            }
            if (broker.logText().contains("Opening ipv4 listen socket on port " + port)) {
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                    return broker;
                } catch (IOException notYet) {
                    // listening shortly
                }
            }
            Thread.sleep(50);
        }
        broker.close();
        throw new IllegalStateException("mosquitto did not listen on port " + port + " within " + START_TIMEOUT
                + ": " + broker.log());
    }

    int port() {
        return port;
    }

    boolean alive() {
        return process.isAlive();
    }

    /** The broker's log, for assertions and failure messages. */
    String log() {
        return "\n--- mosquitto.log ---\n" + logText();
    }

    /** Waits until the log, from character {@code mark} on, contains {@code text}. */
    boolean awaitLogAfter(int mark, String text, Duration timeout) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        do {
            String all = logText();
            if (all.length() > mark && all.substring(mark).contains(text)) {
                return true;
            }
            Thread.sleep(20);
        } while (Instant.now().isBefore(deadline));
        return false;
    }

    String logText() {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
    }
}
