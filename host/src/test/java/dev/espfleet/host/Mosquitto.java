package dev.espfleet.host;

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

/**
 * Test support, the one mosquitto fixture of the project (the cli module's tests use it too, through this
 * module's test-jar): Debian's mosquitto on a free loopback port, TLS only, requiring a client certificate
 * from the given CA and taking the certificate's CN as the user name. Can be stopped and started again on
 * the same port (the broker "going away").
 */
public final class Mosquitto implements AutoCloseable {
    public static final Path BINARY = Path.of("/usr/sbin/mosquitto");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(15);

    private final Path dir;
    private final Path conf;
    private final Path log;
    private final int port;
    private Process process;

    private Mosquitto(Path dir, int port) {
        this.dir = dir;
        this.port = port;
        this.conf = dir.resolve("mosquitto.conf");
        this.log = dir.resolve("mosquitto.log");
    }

    public static boolean installed() {
        return Files.isExecutable(BINARY);
    }

    public static int freePort() throws IOException {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        }
    }

    /**
     * Writes the config into {@code dir} (log lines carry a timestamp) and starts the broker, with
     * {@code cafile} as the only CA it trusts for clients.
     */
    public static Mosquitto start(Path dir, Path cafile, Path certfile, Path keyfile) throws IOException,
            InterruptedException {
        Files.createDirectories(dir);
        Mosquitto m = new Mosquitto(dir, freePort());
        // started as root, mosquitto drops to its own user before reading keys; keep root for the 0600 keys
        String user = "root".equals(System.getProperty("user.name")) ? "user root\n" : "";
        Files.writeString(m.conf, user
                + "persistence false\n"
                + "log_dest file " + m.log + "\n"
                + "log_type all\n"
                + "log_timestamp_format %s\n"
                + "connection_messages true\n"
                + "max_keepalive 1200\n"
                + "listener " + m.port + " 127.0.0.1\n"
                + "cafile " + cafile + "\n"
                + "certfile " + certfile + "\n"
                + "keyfile " + keyfile + "\n"
                + "require_certificate true\n"
                + "use_identity_as_username true\n"
                + "allow_anonymous false\n");
        m.start();
        return m;
    }

    /** Starts the broker (again) with its config; fails when it does not listen within 15 s. */
    public void start() throws IOException, InterruptedException {
        int mark = logText().length();
        process = new ProcessBuilder(BINARY.toString(), "-c", conf.toString()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("mosquitto.out").toFile())).start();
        Instant deadline = Instant.now().plus(START_TIMEOUT);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new IllegalStateException("mosquitto exited with " + process.exitValue() + ": "
                        + Files.readString(dir.resolve("mosquitto.out")) + log());
            }
            if (awaitLogAfter(mark, "Opening ipv4 listen socket on port " + port, Duration.ZERO)) {
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                    return;
                } catch (IOException notYet) {
                    // listening shortly
                }
            }
            Thread.sleep(50);
        }
        stop();
        throw new IllegalStateException("mosquitto did not listen on port " + port + " within " + START_TIMEOUT
                + log());
    }

    /**
     * Restarts the broker with a certificate revocation list (PEM, from the clients' CA): it then refuses the TLS
     * handshake of a client whose certificate the list names (mosquitto's {@code crlfile}).
     */
    public void restartWithCrl(Path crlfile) throws IOException, InterruptedException {
        stop();
        Files.writeString(conf, Files.readString(conf) + "crlfile " + crlfile + "\n");
        start();
    }

    /** Stops the broker (SIGTERM) and waits for it to exit. */
    public void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        }
    }

    public int port() {
        return port;
    }

    public String uri() {
        return "mqtts://localhost:" + port;
    }

    /** Whether the broker's process runs (it did not die, and was not stopped). */
    public boolean alive() {
        return process != null && process.isAlive();
    }

    /** The broker's log, for failure messages. */
    public String log() {
        return "\n--- mosquitto.log ---\n" + logText();
    }

    public String logText() {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "(cannot read " + log + ": " + e + ")";
        }
    }

    /** Waits until the log, from character {@code mark} on, contains {@code text}. */
    public boolean awaitLogAfter(int mark, String text, Duration timeout) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        do {
            String all = logText();
            if (all.length() > mark && all.substring(mark).contains(text)) {
                return true;
            }
            if (!timeout.isZero()) {
                Thread.sleep(20);
            }
        } while (Instant.now().isBefore(deadline));
        return false;
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }
}
