package dev.espfleet.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Firmware in the loop: the env-sensor example, generated and built for Linux with the host runtime,
 * runs against Debian's mosquitto (mutual TLS, trusting the bench CA) and a shadow service stand-in.
 * Every assertion is on what the broker or the shadow service observed. Scenarios 1-5 share one device
 * process, in order; scenarios 6 and 10 run a second build whose waits are short enough for a test; 7-9 run
 * the first build as other units (each its own thing and shadow). Devices are
 * built under ASan and UBSan: a memory or UB error in firmware or runtime kills the device and fails the
 * scenario with the report in the console.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FirmwareInTheLoopTest {
    static final Path HOST = Path.of("").toAbsolutePath();
    static final Duration WAIT = Duration.ofSeconds(20);
    static final String THING = "dev-001";

    @TempDir
    static Path dir;
    static Bench bench;
    static Mosquitto broker;
    static ShadowServiceStandIn service;
    static HostDevice device;
    /** The device of scenarios 1-5 (killed by scenario 5; still running when a later scenario runs alone). */
    static HostDevice firstDevice;
    static HostRun run;
    static HostRun fast;

    @BeforeAll
    static void startBenchBrokerServiceAndDevice() throws Exception {
        assumeTrue(Mosquitto.installed(), "mosquitto is not installed (apt-get install mosquitto)");
        assumeTrue(Files.isRegularFile(Path.of("/usr/include/mosquitto.h")),
                "libmosquitto-dev is not installed (apt-get install " + HostAppBuild.PACKAGES + ")");
        bench = Bench.create(dir);
        broker = bench.startBroker();
        service = ShadowServiceStandIn.connect(broker, bench.clientTls("shadow-service"), "dt", "");
        Path unit = bench.provision(THING);
        run = HostRun.prepare(HOST.resolve("../examples/env-sensor.yaml"), unit, dir.resolve("build/env-sensor"), true);
        device = HostDevice.start(run.command(Optional.of(broker.uri())));
        firstDevice = device;
    }

    @AfterAll
    static void stopEverything() throws Exception {
        if (device != null) {
            device.close();
        }
        if (firstDevice != null) {
            firstDevice.close(); // a process outlives the JVM unless it is killed
        }
        if (service != null) {
            service.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    private static String context() {
        return device.console() + broker.log();
    }

    private static boolean isTopic(ShadowServiceStandIn.Received r, String topic) {
        return r.topic().equals(topic);
    }

    @Test
    @Order(1)
    void connectsAsItsThingNameUsingOnlyTheNvsImage() throws Exception {
        // the app was given its NVS image and a broker address, nothing else: client id and TLS identity
        // (the certificate's CN, as mosquitto's user name) both come from the image
        assertTrue(broker.awaitLogAfter(0, "as " + THING + " (p2, c0, k60, u'" + THING + "')", WAIT), context());
        assertEquals(List.of("--nvs", "--broker"), run.command(Optional.of("x")).stream()
                .filter(a -> a.startsWith("--")).distinct().toList());
    }

    @Test
    @Order(2)
    void publishesOnlineStatusAndRequestsItsShadowOnConnect() throws Exception {
        Optional<ShadowServiceStandIn.Received> online = service.awaitMessage(0,
                r -> isTopic(r, "dt/" + THING + "/status") && r.payload().contains("\"online\":true"), WAIT);
        assertTrue(online.isPresent(), context());
        Optional<ShadowServiceStandIn.Received> get = service.awaitMessage(0,
                r -> isTopic(r, "$aws/things/" + THING + "/shadow/get"), WAIT);
        assertTrue(get.isPresent(), context());
        // get was rejected (no shadow yet), so the device reports its state: the shadow now exists
        Optional<ObjectNode> doc = service.awaitDocument(THING, "",
                d -> d.at("/state/reported/online").asBoolean(false)
                        && d.at("/state/reported/sampling_rate").asInt() == 10, WAIT);
        assertTrue(doc.isPresent(), "shadow " + service.document(THING, "") + context());
    }

    @Test
    @Order(3)
    void appliesDesiredChangeReportsItAndClearsTheDelta() throws Exception {
        int mark = service.receivedCount();
        service.update(THING, "", "{\"state\":{\"desired\":{\"sampling_rate\":30,\"alert_threshold\":0.5}},"
                + "\"clientToken\":\"scenario-3\"}");
        Optional<ObjectNode> doc = service.awaitDocument(THING, "",
                d -> d.at("/state/reported/sampling_rate").asInt() == 30
                        && d.at("/state/reported/alert_threshold").asDouble() == 0.5, WAIT);
        assertTrue(doc.isPresent(), "shadow " + service.document(THING, "") + context());
        assertTrue(doc.get().at("/state/delta").isMissingNode(), "delta cleared: " + doc.get());
        assertTrue(service.awaitMessage(mark, r -> isTopic(r, "$aws/things/" + THING + "/shadow/update")
                && r.payload().contains("\"sampling_rate\":30"), Duration.ZERO).isPresent(), context());
    }

    @Test
    @Order(4)
    void refusesOutOfRangeAndWronglyTypedValuesAndKeepsReportedState() throws Exception {
        service.update(THING, "", "{\"state\":{\"desired\":{\"sampling_rate\":99999}}}");
        service.update(THING, "", "{\"state\":{\"desired\":{\"sampling_rate\":\"fast\"}}}");
        // a valid change after the refused ones: once it is reported, the device has seen both refusals
        service.update(THING, "", "{\"state\":{\"desired\":{\"alert_threshold\":0.25}}}");
        Optional<ObjectNode> doc = service.awaitDocument(THING, "",
                d -> d.at("/state/reported/alert_threshold").asDouble() == 0.25, WAIT);
        assertTrue(doc.isPresent(), "shadow " + service.document(THING, "") + context());
        JsonNode state = doc.get().get("state");
        assertEquals(30, state.at("/reported/sampling_rate").asInt(), doc.get().toString());
        assertEquals("fast", state.at("/delta/sampling_rate").asText(), "the refused value stays a delta");
    }

    @Test
    @Order(5)
    void killedDeviceHasItsWillPublishedAndShowsOfflineInTheShadow() throws Exception {
        int mark = service.receivedCount();
        device.kill();
        Optional<ShadowServiceStandIn.Received> will = service.awaitMessage(mark,
                r -> isTopic(r, "dt/" + THING + "/status") && r.payload().contains("\"online\":false"), WAIT);
        assertTrue(will.isPresent(), context());
        Optional<ObjectNode> doc = service.awaitDocument(THING, "",
                d -> d.at("/state/reported/online").isBoolean() && !d.at("/state/reported/online").asBoolean(), WAIT);
        assertTrue(doc.isPresent(), "shadow " + service.document(THING, "") + context());
    }

    @Test
    @Order(7)
    void refusesABrokerItsServerCaDoesNotVouchFor() throws Exception {
        // provisioned for AWS: its server CA is Amazon Root CA 1, not the bench CA that signed the broker
        String thing = "dev-007";
        HostRun forAws = run.forUnit(bench.provisionForAws(thing), dir.resolve("nvs-" + thing));
        int mark = broker.logText().length();
        try (HostDevice d = HostDevice.start(forAws.command(Optional.of(broker.uri())))) {
            device = d;
            // the broker hears the device's TLS alert: the device, not the broker, ends each handshake
            Pattern attempt = Pattern.compile("OpenSSL Error\\[0\\]: [^\\n]*tlsv1 alert unknown ca");
            long attempts = 0;
            for (long end = System.nanoTime() + WAIT.toNanos(); attempts < 2 && System.nanoTime() < end; Thread.sleep(50)) {
                attempts = attempt.matcher(broker.logText().substring(mark)).results().count();
            }
            assertTrue(attempts >= 2, "two refused handshakes: " + context());
            assertFalse(broker.logText().substring(mark).contains(" as " + thing), context());
            assertTrue(d.console().contains("broker certificate refused: "),
                    context());
            assertTrue(d.alive(), "a refused broker is retried, not fatal" + context());
        }
    }

    /** What the device sent to its shadow, in order, for messages. */
    private static List<String> sentBy(String thing, int from) {
        return service.received().subList(from, service.receivedCount()).stream()
                .filter(r -> r.topic().startsWith("$aws/things/" + thing + "/shadow/")
                        && (r.topic().endsWith("/get") || r.topic().endsWith("/update")))
                .map(r -> r.topic().substring(r.topic().lastIndexOf('/') + 1) + " " + r.payload()).toList();
    }

    /** The device's updates to its classic shadow, in the order the service received them. */
    private static List<String> updatesFrom(String thing, int from) {
        return service.received().subList(from, service.receivedCount()).stream()
                .filter(r -> isTopic(r, "$aws/things/" + thing + "/shadow/update")).map(r -> r.payload()).toList();
    }

    @Test
    @Order(8)
    void aGetAnswerDeliveredAfterANewerDeltaDoesNotRollTheDeviceBack() throws Exception {
        String thing = "dev-008";
        service.update(thing, "", "{\"state\":{\"desired\":{\"sampling_rate\":20}}}");
        service.holdNextGetAnswer(thing); // AWS does not order messages: this answer will come late
        int mark = service.receivedCount();
        try (HostDevice d = HostDevice.start(run.forUnit(bench.provision(thing), dir.resolve("nvs-" + thing))
                .command(Optional.of(broker.uri())))) {
            device = d;
            String get = "$aws/things/" + thing + "/shadow/get";
            assertTrue(service.awaitMessage(mark, r -> isTopic(r, get), WAIT).isPresent(), context());
            assertTrue(service.awaitHeldAnswer(WAIT), "the answer to the device's get is held back" + context());
            service.update(thing, "", "{\"state\":{\"desired\":{\"sampling_rate\":30}}}"); // delta: newer
            assertTrue(service.awaitDocument(thing, "", x -> x.at("/state/reported/sampling_rate").asInt() == 30, WAIT)
                    .isPresent(), "the delta is applied: " + service.document(thing, "") + context());
            int beforeRelease = service.receivedCount();
            service.releaseHeldAnswers(); // get/accepted of the older version: sampling_rate 20
            // the answer is older than the delta applied while it was awaited: the device asks again
            assertTrue(service.awaitMessage(beforeRelease, r -> isTopic(r, get), WAIT).isPresent(),
                    "a second get after the late answer; the device sent " + sentBy(thing, mark) + context());
            assertTrue(service.awaitDocument(thing, "", x -> x.at("/state/reported/sampling_rate").asInt() == 30
                    && x.at("/state/delta").isMissingNode(), WAIT).isPresent(), service.document(thing, "") + context());
            List<String> updates = updatesFrom(thing, mark);
            assertTrue(updates.stream().noneMatch(u -> u.contains("\"sampling_rate\":20")),
                    "never rolled back to 20: " + updates + context());
        }
    }

    @Test
    @Order(9)
    void aGetRefusedWith500IsAskedAgainAndNothingIsReportedMeanwhile() throws Exception {
        String thing = "dev-009";
        service.update(thing, "", "{\"state\":{\"desired\":{\"sampling_rate\":25}}}");
        service.rejectNextGets(thing, 500, 1);
        int mark = service.receivedCount();
        try (HostDevice d = HostDevice.start(run.forUnit(bench.provision(thing), dir.resolve("nvs-" + thing))
                .command(Optional.of(broker.uri())))) {
            device = d;
            assertTrue(service.awaitDocument(thing, "", x -> x.at("/state/reported/sampling_rate").asInt() == 25, WAIT)
                    .isPresent(), service.document(thing, "") + context());
            String get = "$aws/things/" + thing + "/shadow/get";
            long gets = service.received().subList(mark, service.receivedCount()).stream().filter(r -> isTopic(r, get))
                    .count();
            assertTrue(gets >= 2, "the refused get was asked again: " + gets + context());
            List<String> updates = updatesFrom(thing, mark);
            // a 500 is not "no shadow": reporting the defaults (sampling_rate 10) would overwrite nothing but
            // tells the cloud a state the device was never told to have
            assertTrue(updates.get(0).contains("\"sampling_rate\":25"), "first report after the shadow was read: "
                    + updates + context());
            assertTrue(d.console().contains("shadow get refused for now (500"), context());
        }
    }

    @Test
    @Order(10)
    void aLostGetIsAskedAgainAfterItsDeadlineAndTheDeviceSyncs() throws Exception {
        String thing = "dev-010";
        service.update(thing, "", "{\"state\":{\"desired\":{\"sampling_rate\":33}}}");
        service.dropNextGets(thing, 1); // the device's get, or its answer, is lost on the way
        int mark = service.receivedCount();
        try (HostDevice d = HostDevice.start(fastBuild(thing).command(Optional.of(broker.uri())))) {
            device = d;
            assertTrue(service.awaitDocument(thing, "", x -> x.at("/state/reported/sampling_rate").asInt() == 33, WAIT)
                    .isPresent(), "synced after the deadline: " + service.document(thing, "") + context());
            String get = "$aws/things/" + thing + "/shadow/get";
            List<String> gets = service.received().subList(mark, service.receivedCount()).stream()
                    .filter(r -> isTopic(r, get)).map(r -> r.payload()).toList();
            assertEquals(2, gets.size(), "the lost get and the one asked again: " + gets + context());
            assertEquals(gets.get(0), gets.get(1), "asked again with the same clientToken: " + gets);
            assertTrue(d.console().contains("no answer to shadow get"), context());
            List<String> updates = updatesFrom(thing, mark);
            assertTrue(updates.get(0).contains("\"sampling_rate\":33"), "nothing reported before the shadow was read: "
                    + updates + context());
        }
    }

    /**
     * The env-sensor example with waits short enough for a test: a backoff of 200 ms doubling to 3.2 s with
     * equal jitter, and a network timeout of 1 s, so that the answer to the device's shadow get is due
     * within 2 s (the runtime dials with the kernel's timeouts, not this one).
     */
    static Path fastConfig() throws Exception {
        String yaml = Files.readString(HOST.resolve("../examples/env-sensor.yaml"));
        String fast = yaml.replaceAll("(?s)reconnect:\\n.*?jitter: full[^\\n]*\\n",
                "reconnect:\n  initial_delay_ms: 200\n  max_delay_ms: 3200\n  multiplier: 2\n  jitter: equal\n")
                .replace("  persistent_session: true\n", "  persistent_session: true\n  network_timeout_ms: 1000\n");
        assertTrue(fast.contains("jitter: equal") && fast.contains("network_timeout_ms: 1000"),
                "the example's reconnect or mqtt section changed shape");
        Path file = dir.resolve("env-sensor-fast.yaml");
        Files.writeString(file, fast);
        return file;
    }

    /** The build of {@link #fastConfig()}, made by the first scenario that needs it. */
    static HostRun fastBuild(String thing) throws Exception {
        if (fast == null) {
            fast = HostRun.prepare(fastConfig(), bench.provision(thing), dir.resolve("build/fast"), true);
            return fast;
        }
        return fast.forUnit(bench.provision(thing), dir.resolve("nvs-" + thing));
    }

    @Test
    @Order(6)
    void reconnectsWithGrowingJitteredDelaysAfterTheBrokerStopsThenResyncs() throws Exception {
        String thing = "dev-006";
        HostRun fast = fastBuild(thing);
        // the device reaches the broker through a link of its own: only its attempts are counted (the device
        // of scenarios 1-5 dials the broker's port), and the broker can come back before the device can see it
        try (BrokerLink link = BrokerLink.to(broker.port());
             HostDevice d = HostDevice.start(fast.command(Optional.of(link.uri())))) {
            device = d;
            assertTrue(service.awaitDocument(thing, "", doc -> doc.at("/state/reported/online").asBoolean(false),
                    WAIT).isPresent(), context());

            // the network goes and the broker stops: the link notes each connection attempt and drops it
            int consoleMark = d.console().length();
            link.cut();
            broker.stop();
            service.update(thing, "", "{\"state\":{\"desired\":{\"sampling_rate\":42}}}"); // made offline
            List<Long> attempts = link.awaitDroppedConnections(5, WAIT);
            assertEquals(5, attempts.size(), "connection attempts while the broker was away: " + attempts + context());
            List<Long> gaps = new ArrayList<>();
            for (int i = 1; i < attempts.size(); i++) {
                gaps.add(attempts.get(i) - attempts.get(i - 1));
            }
            // equal jitter: delay n is in [base/2, base] with base doubling, so each delay is at least the
            // previous one's upper bound... minus scheduling noise; never above the 3.2 s cap (+ slack)
            for (int i = 1; i < gaps.size(); i++) {
                assertTrue(gaps.get(i) >= gaps.get(i - 1) - 100, "delays grow: " + gaps + context());
            }
            assertTrue(gaps.stream().allMatch(g -> g <= 3200 + 1000), "capped: " + gaps);
            boolean jittered = false;
            for (int i = 1; i < gaps.size(); i++) {
                double ratio = (double) gaps.get(i) / gaps.get(i - 1);
                jittered |= ratio < 1.9 || ratio > 2.1;
            }
            assertTrue(jittered, "delays are not an exact doubling: " + gaps);
            System.out.printf("reconnect gaps while the broker was away (ms): %s%n", gaps);
            // the runtime posts what esp-mqtt posts, MQTT_EVENT_ERROR then MQTT_EVENT_DISCONNECTED, for the lost
            // connection and for each failed attempt: the device backs off once per connection, numbering its
            // attempts 1, 2, 3... (reconnecting on the error as well would arm the timer twice and skip numbers)
            String outage = "";
            List<Integer> numbers = List.of();
            for (long end = System.nanoTime() + WAIT.toNanos(); numbers.size() < attempts.size()
                    && System.nanoTime() < end; Thread.sleep(20)) { // the console is read by another thread
                outage = d.console().substring(consoleMark);
                numbers = Pattern.compile("reconnect attempt (\\d+) in ").matcher(outage).results()
                        .map(r -> Integer.parseInt(r.group(1))).toList();
            }
            int droppedSoFar = link.awaitDroppedConnections(Integer.MAX_VALUE, Duration.ZERO).size();
            long errors = Pattern.compile("transport error: esp-tls ESP_ERR_").matcher(outage).results().count();
            assertTrue(numbers.size() >= attempts.size() && numbers.size() <= droppedSoFar + 1,
                    "one backoff per lost connection and per failed attempt (" + droppedSoFar + " attempts): "
                            + numbers + context());
            for (int i = 0; i < numbers.size(); i++) {
                assertEquals(i + 1, numbers.get(i), "attempts numbered without a gap: " + numbers + context());
            }
            assertTrue(errors >= numbers.size(), "an MQTT_EVENT_ERROR with esp-tls' code before each: " + context());
            assertTrue(outage.contains("transport error: esp-tls ESP_ERR_ESP_TLS_TCP_CLOSED_FIN"),
                    "the cut connection is a clean close (FIN): " + context());

            // the broker and the shadow service come back (AWS's shadow service is subscribed whenever
            // devices can connect), then the network
            int mark = broker.logText().length();
            broker.start();
            service.reconnect();
            link.restore();
            assertTrue(broker.awaitLogAfter(mark, "as " + thing + " (p2", WAIT), context());
            Optional<ObjectNode> doc = service.awaitDocument(thing, "",
                    x -> x.at("/state/reported/sampling_rate").asInt() == 42
                            && x.at("/state/reported/online").asBoolean(false), WAIT);
            assertTrue(doc.isPresent(), "resynced: " + service.document(thing, "") + context());
            assertFalse(doc.get().at("/state/delta").has("sampling_rate"), doc.get().toString());
        }
    }
}
