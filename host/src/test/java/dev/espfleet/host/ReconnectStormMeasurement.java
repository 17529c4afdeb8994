package dev.espfleet.host;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reconnect storm: N host devices (one process each) connect to one broker, the broker is stopped for
 * {@value #OUTAGE_SECONDS} s and started again, and every connection attempt on the broker's port is
 * counted per second: by a listener on the port while the broker is away, then from mosquitto's own log.
 * Run once with the env-sensor example's backoff (1 s doubling to 60 s, full jitter) and once with the
 * same backoff without jitter. Prints the figures and writes an SVG plot; asserts nothing about time.
 *
 * <pre>mvn -B -pl host -am verify -Dstorm=true -Dtest=ReconnectStormMeasurement \
 *     -Dsurefire.failIfNoSpecifiedTests=false -Dfuzz.seconds=0 [-Dstorm.devices=200]</pre>
 */
class ReconnectStormMeasurement {
    static final int OUTAGE_SECONDS = 20;
    static final Duration RECONNECT_TIMEOUT = Duration.ofSeconds(150);
    private static final Pattern NEW_CONNECTION = Pattern.compile("(?m)^(\\d+): New connection from ");
    private static final Pattern CONNECTED = Pattern.compile("(?m)^\\d+: New client connected from .* as (dev-\\d+) ");

    @TempDir
    Path dir;

    /**
     * Connection attempts per second since the broker stopped ({@code restartSecond} on, counted by
     * mosquitto itself), and when all devices were back.
     */
    record Storm(String label, int[] attemptsPerSecond, int restartSecond, int secondsToAllReconnected, int total) {
        /** What the broker has to absorb: the busiest second once it is back. */
        int peak() {
            return max(restartSecond, attemptsPerSecond.length);
        }

        /** The busiest second while the port was closed (refused attempts cost the broker nothing). */
        int peakDuringOutage() {
            return max(0, restartSecond);
        }

        private int max(int from, int to) {
            int max = 0;
            for (int i = from; i < to; i++) {
                max = Math.max(max, attemptsPerSecond[i]);
            }
            return max;
        }
    }

    @Test
    void measureReconnectStormWithAndWithoutJitter() throws Exception {
        assumeTrue(Boolean.getBoolean("storm"), "the storm measurement runs with -Dstorm=true");
        assumeTrue(Mosquitto.installed(), "mosquitto is not installed");
        int devices = Integer.getInteger("storm.devices", 200);
        Bench bench = Bench.create(dir);
        List<Path> units = new ArrayList<>();
        for (int i = 0; i < devices; i++) {
            units.add(bench.provision(String.format("dev-%04d", i)));
        }
        String example = Files.readString(Path.of("../examples/env-sensor.yaml"));
        Path jittered = dir.resolve("storm-full-jitter.yaml");
        Files.writeString(jittered, example);
        Path plain = dir.resolve("storm-no-jitter.yaml");
        Files.writeString(plain, example.replace("jitter: full", "jitter: none"));
        assertTrue(Files.readString(plain).contains("jitter: none"), "the example's jitter line changed shape");

        Storm withJitter = storm(bench, units, jittered, "full jitter (env-sensor: 1 s x2, cap 60 s)");
        Storm without = storm(bench, units, plain, "no jitter (same backoff)");

        for (Storm s : List.of(withJitter, without)) {
            System.out.printf("storm %-45s devices %d: peak after restart %d attempts/s (during outage %d/s), "
                    + "%d attempts, all back %d s after the stop%n", s.label(), devices, s.peak(), s.peakDuringOutage(),
                    s.total(), s.secondsToAllReconnected());
        }
        System.out.printf("storm peak ratio (jitter / no jitter): %.3f (goal <= 0.200)%n",
                (double) withJitter.peak() / without.peak());
        System.out.printf("storm per-second attempts, jitter:    %s%n", java.util.Arrays.toString(withJitter.attemptsPerSecond()));
        System.out.printf("storm per-second attempts, no jitter: %s%n", java.util.Arrays.toString(without.attemptsPerSecond()));
        Path svg = Path.of(System.getProperty("storm.plot", "target/reconnect-storm.svg")).toAbsolutePath();
        Files.createDirectories(svg.getParent());
        Files.writeString(svg, StormPlot.svg(List.of(withJitter, without), devices, OUTAGE_SECONDS));
        System.out.println("storm plot: " + svg);
    }

    private Storm storm(Bench bench, List<Path> units, Path config, String label) throws Exception {
        Path work = dir.resolve(config.getFileName().toString().replace(".yaml", ""));
        HostRun build = HostRun.prepare(config, units.get(0), work.resolve("build"), false);
        List<Process> fleet = new ArrayList<>();
        try (Mosquitto broker = Mosquitto.start(work.resolve("broker"), bench.caDir.resolve("chain.pem"),
                bench.serverCert, bench.serverKey)) {
            for (int i = 0; i < units.size(); i++) {
                HostRun unit = build.forUnit(units.get(i), work.resolve("nvs-" + i));
                fleet.add(HostDevice.startLoggingTo(unit.command(Optional.of(broker.uri())),
                        work.resolve("console-" + i + ".log")));
            }
            awaitConnected(broker, 0, units.size(), Duration.ofSeconds(120));
            Thread.sleep(2000); // let subscriptions and reports settle

            long stopSecond = Instant.now().getEpochSecond();
            broker.stop();
            List<Long> refusedAt = Collections.synchronizedList(new ArrayList<>());
            try (ServerSocket listener = new ServerSocket()) {
                listener.setReuseAddress(true);
                listener.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), broker.port()), 4096);
                Thread acceptor = new Thread(() -> {
                    try {
                        while (true) {
                            try (Socket s = listener.accept()) {
                                refusedAt.add(System.currentTimeMillis());
                            }
                        }
                    } catch (SocketException closed) {
                        // outage over
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }, "outage listener");
                acceptor.start();
                Thread.sleep(OUTAGE_SECONDS * 1000L - (System.currentTimeMillis() - stopSecond * 1000));
                listener.close();
                acceptor.join();
            }
            int mark = broker.logText().length();
            int restartSecond = (int) (Instant.now().getEpochSecond() - stopSecond);
            broker.start();
            int seconds = awaitConnected(broker, mark, units.size(), RECONNECT_TIMEOUT);
            Thread.sleep(3000);

            int length = (int) (Instant.now().getEpochSecond() - stopSecond) + 1;
            int[] perSecond = new int[length];
            int total = 0;
            for (long ms : refusedAt) {
                int bin = (int) (ms / 1000 - stopSecond);
                if (bin >= 0 && bin < length) {
                    perSecond[bin]++;
                    total++;
                }
            }
            Matcher m = NEW_CONNECTION.matcher(broker.logText().substring(mark));
            while (m.find()) {
                int bin = (int) (Long.parseLong(m.group(1)) - stopSecond);
                if (bin >= 0 && bin < length) {
                    perSecond[bin]++;
                    total++;
                }
            }
            return new Storm(label, perSecond, restartSecond, seconds < 0 ? -1 : restartSecond + seconds, total);
        } finally {
            for (Process p : fleet) {
                p.destroyForcibly();
            }
            for (Process p : fleet) {
                p.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** Waits until {@code count} distinct devices connected after log mark; returns the seconds it took, or -1. */
    private static int awaitConnected(Mosquitto broker, int mark, int count, Duration timeout) throws Exception {
        Instant start = Instant.now();
        Instant deadline = start.plus(timeout);
        while (Instant.now().isBefore(deadline)) {
            Matcher m = CONNECTED.matcher(broker.logText().substring(mark));
            long distinct = m.results().map(r -> r.group(1)).distinct().count();
            if (distinct >= count) {
                return (int) Duration.between(start, Instant.now()).toSeconds();
            }
            Thread.sleep(200);
        }
        return -1;
    }
}
