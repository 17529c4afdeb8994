package dev.espfleet.services;

import dev.espfleet.common.AtomicFiles;
import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.model.AwsEndpoint;
import dev.espfleet.provisioning.CertificateAuthority;
import dev.espfleet.provisioning.KeyType;
import dev.espfleet.provisioning.Pem;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The demo's MQTT broker: Debian's mosquitto on a free loopback port, TLS only, with a server certificate for
 * 127.0.0.1 and localhost issued by the demo CA, requiring a client certificate from the CA it is given
 * ({@code cafile}, {@code require_certificate}) and taking the certificate's CN, the thing name, as the user
 * ({@code use_identity_as_username}): the mutual TLS of AWS IoT Core, on this machine.
 */
public final class DemoBroker implements AutoCloseable {
    static final String EXECUTABLE = "mosquitto";
    /** Where Debian installs it, often not on a user's PATH. */
    static final List<Path> SBIN = List.of(Path.of("/usr/sbin"), Path.of("/usr/local/sbin"));
    static final Duration START_TIMEOUT = Duration.ofSeconds(15);
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);
    /** mosquitto 2's line for a client's CONNECT: {@code New client connected from HOST:PORT as ID (..., u'USER').} */
    private static final Pattern CONNECTED = Pattern.compile(
            "New client connected from \\S+ as (\\S+) \\(.*u'([^']*)'\\)");

    private final Path dir;
    private final Path log;
    private final int port;
    private final Process process;
    /** Stops the broker when the JVM ends first (Ctrl-C during the demo): a child process would outlive it. */
    private final Thread stopAtExit;

    private DemoBroker(Path dir, Path log, int port, Process process) {
        this.dir = dir;
        this.log = log;
        this.port = port;
        this.process = process;
        this.stopAtExit = new Thread(this::stop, "demo-broker-stop");
        Runtime.getRuntime().addShutdownHook(stopAtExit);
    }

    /** mosquitto on the PATH, else where Debian puts it. */
    public static Optional<Path> find() {
        List<Path> places = new ArrayList<>();
        String path = System.getenv("PATH");
        if (path != null) {
            for (String d : path.split(java.io.File.pathSeparator)) {
                if (!d.isEmpty()) {
                    places.add(Path.of(d));
                }
            }
        }
        places.addAll(SBIN);
        return places.stream().map(d -> d.resolve(EXECUTABLE)).filter(Files::isExecutable).findFirst();
    }

    /**
     * Writes the broker's key (0600), certificate and config into {@code dir} and starts {@code mosquitto},
     * trusting {@code clients} for client certificates; its server certificate is issued by {@code issuer}.
     * Exit 3 with the broker's log when it does not listen within {@link #START_TIMEOUT}.
     */
    public static DemoBroker start(Path mosquitto, Path dir, CertificateAuthority issuer, Path clients) {
        AtomicFiles.createPrivateDirectories(dir);
        SecureRandom random = new SecureRandom();
        Instant now = Instant.now();
        KeyPair keys = KeyType.EC_P256.generate(random);
        InetAddress loopback = InetAddress.getLoopbackAddress();
        Path key = dir.resolve("server.key.pem");
        Path cert = dir.resolve("server.pem");
        Pem.writePrivateKey(key, keys.getPrivate());
        Pem.writeCertificates(cert, List.of(issuer.issueServerCertificate(keys.getPublic(), "localhost",
                List.of("localhost"), List.of(loopback), issuer.validityWithin(now, 30), random)));
        Path conf = dir.resolve("mosquitto.conf");
        Path log = dir.resolve("mosquitto.log");
        int port = freePort();
        // started as root, mosquitto drops to its own user before it reads the key, which is root's and 0600
        String user = "root".equals(System.getProperty("user.name")) ? "user root\n" : "";
        AtomicFiles.write(conf, (user
                + "persistence false\n"
                + "log_dest file " + log.toAbsolutePath() + "\n"
                + "log_type error\nlog_type warning\nlog_type notice\nlog_type information\n"
                + "connection_messages true\n"
                + "listener " + port + " " + loopback.getHostAddress() + "\n"
                + "cafile " + clients.toAbsolutePath() + "\n"
                + "certfile " + cert.toAbsolutePath() + "\n"
                + "keyfile " + key.toAbsolutePath() + "\n"
                + "require_certificate true\n"
                + "use_identity_as_username true\n"
                + "allow_anonymous false\n").getBytes(StandardCharsets.UTF_8));
        Process process;
        try {
            Files.deleteIfExists(log);
            process = new ProcessBuilder(mosquitto.toString(), "-c", conf.toAbsolutePath().toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("mosquitto.out").toFile()).start();
        } catch (IOException e) {
            throw new EspfleetException(ExitStatus.UNAVAILABLE, "cannot start " + mosquitto + ": " + e.getMessage());
        }
        DemoBroker broker = new DemoBroker(dir, log, port, process);
        broker.awaitListening();
        return broker;
    }

    private void awaitListening() {
        Instant deadline = Instant.now().plus(START_TIMEOUT);
        while (Instant.now().isBefore(deadline)) {
            if (!process.isAlive()) {
                throw new EspfleetException(ExitStatus.UNAVAILABLE, "mosquitto exited with status "
                        + process.exitValue() + " before it listened: " + lastLines(), "see " + dir);
            }
            try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
                return;
            } catch (IOException notYet) {
                sleep(50);
            }
        }
        close();
        throw new EspfleetException(ExitStatus.UNAVAILABLE, "mosquitto did not listen on port " + port + " within "
                + START_TIMEOUT.toSeconds() + " s: " + lastLines(), "see " + dir);
    }

    /** Where the units reach it: {@code 127.0.0.1:PORT}, which its certificate names. */
    public AwsEndpoint endpoint() {
        return new AwsEndpoint(InetAddress.getLoopbackAddress().getHostAddress(), OptionalInt.of(port));
    }

    public Path dir() {
        return dir;
    }

    /** A client that connected, as the broker logged it: its client id and the user its certificate made it. */
    public record Client(String clientId, String user) {
    }

    /** Every client that connected so far, in order. */
    public List<Client> clients() {
        List<Client> clients = new ArrayList<>();
        Matcher m = CONNECTED.matcher(logText());
        while (m.find()) {
            clients.add(new Client(m.group(1), m.group(2)));
        }
        return clients;
    }

    public boolean running() {
        return process.isAlive();
    }

    /** Stops the broker (SIGTERM, then SIGKILL after {@link #STOP_TIMEOUT}) and waits for it. */
    @Override
    public void close() {
        try {
            Runtime.getRuntime().removeShutdownHook(stopAtExit);
        } catch (IllegalStateException shuttingDown) {
            // the hook is running, or about to
        }
        stop();
    }

    private void stop() {
        if (!process.isAlive()) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private String logText() {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return "";
        }
    }

    private String lastLines() {
        String text = logText();
        try {
            Path out = dir.resolve("mosquitto.out");
            if (Files.exists(out)) {
                text = text + Files.readString(out, StandardCharsets.UTF_8);
            }
        } catch (IOException ignored) {
            // the log above is what there is
        }
        List<String> lines = text.lines().filter(l -> !l.isBlank()).toList();
        return lines.isEmpty() ? "(no log)" : String.join(" / ", lines.subList(Math.max(0, lines.size() - 3),
                lines.size()));
    }

    private static int freePort() {
        try (ServerSocket probe = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return probe.getLocalPort();
        } catch (IOException e) {
            throw new EspfleetException(ExitStatus.UNAVAILABLE, "no free port on 127.0.0.1 for the demo broker: "
                    + e.getMessage());
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EspfleetException(ExitStatus.UNAVAILABLE, "interrupted while starting the demo broker");
        }
    }
}
