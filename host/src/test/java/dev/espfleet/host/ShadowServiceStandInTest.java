package dev.espfleet.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.client.mqttv3.IMqttMessageListener;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The stand-in answers as the AWS IoT Device Shadow service documents it, seen from an MQTT client. */
class ShadowServiceStandInTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String THING = "probe-001";

    @TempDir
    static Path dir;
    static Mosquitto broker;
    static ShadowServiceStandIn service;
    static MqttClient client;
    static final BlockingQueue<String[]> inbox = new LinkedBlockingQueue<>();

    @BeforeAll
    static void start() throws Exception {
        assumeTrue(Mosquitto.installed(), "mosquitto is not installed");
        Bench bench = Bench.create(dir);
        broker = bench.startBroker();
        service = ShadowServiceStandIn.connect(broker, bench.clientTls("shadow-service"), "dt", "");
        client = new MqttClient("ssl://localhost:" + broker.port(), THING, new MemoryPersistence());
        MqttConnectOptions options = new MqttConnectOptions();
        options.setSocketFactory(bench.clientTls(THING));
        client.connect(options);
        client.subscribe(new String[] {"$aws/things/" + THING + "/shadow/#"}, new int[] {1},
                new IMqttMessageListener[] {(topic, message) ->
                        inbox.add(new String[] {topic, new String(message.getPayload(), StandardCharsets.UTF_8)})});
    }

    @AfterAll
    static void stop() throws Exception {
        if (client != null) {
            client.disconnectForcibly(1000, 1000);
            client.close(true);
        }
        if (service != null) {
            service.close();
        }
        if (broker != null) {
            broker.close();
        }
    }

    private static void send(String suffix, String payload) throws Exception {
        inbox.clear();
        client.publish("$aws/things/" + THING + "/shadow/" + suffix, payload.getBytes(StandardCharsets.UTF_8), 1, false);
    }

    /** The next answer on {@code suffix}, skipping others (accepted/documents/delta arrive in any order). */
    private static JsonNode answer(String suffix) throws Exception {
        String topic = "$aws/things/" + THING + "/shadow/" + suffix;
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < end) {
            String[] m = inbox.poll(100, TimeUnit.MILLISECONDS);
            if (m != null && m[0].equals(topic)) {
                return JSON.readTree(m[1]);
            }
        }
        throw new AssertionError("no message on " + topic);
    }

    @Test
    void answersGetDeltaVersionsConflictsNamedShadowsAndDelete() throws Exception {
        send("get", "{\"clientToken\":\"t1\"}");
        JsonNode missing = answer("get/rejected");
        assertEquals(404, missing.get("code").asInt());
        assertEquals("t1", missing.get("clientToken").asText());

        send("update", "{\"state\":{\"desired\":{\"rate\":5},\"reported\":{\"rate\":1}},\"clientToken\":\"t2\"}");
        JsonNode delta = answer("update/delta");
        assertEquals(5, delta.at("/state/rate").asInt());
        assertEquals(1, delta.get("version").asInt());

        send("update", "{\"state\":{\"reported\":{\"rate\":5}},\"clientToken\":\"t3\"}");
        JsonNode accepted = answer("update/accepted");
        assertEquals(2, accepted.get("version").asInt());
        assertEquals("t3", accepted.get("clientToken").asText());
        assertTrue(accepted.at("/metadata/reported/rate/timestamp").isNumber(), accepted.toString());

        send("get", "");
        JsonNode doc = answer("get/accepted");
        assertEquals(2, doc.get("version").asInt());
        assertTrue(doc.at("/state/delta").isMissingNode(), "in sync: no delta " + doc);

        send("update", "{\"state\":{\"desired\":{\"rate\":6}},\"version\":1}");
        assertEquals(409, answer("update/rejected").get("code").asInt());

        send("update", "{\"nostate\":1}");
        assertEquals(400, answer("update/rejected").get("code").asInt());

        send("name/config/get", "");
        assertEquals(404, answer("name/config/get/rejected").get("code").asInt(), "named shadows are separate");

        send("update", "{\"state\":{\"desired\":{\"rate\":7}}}");
        JsonNode documents = answer("update/documents");
        assertEquals(5, documents.at("/previous/state/desired/rate").asInt());
        assertEquals(7, documents.at("/current/state/desired/rate").asInt());

        send("delete", "{\"clientToken\":\"t4\"}");
        assertEquals("t4", answer("delete/accepted").get("clientToken").asText());
        assertFalse(service.document(THING, "").isPresent());
    }

    @Test
    void answersOutOfOrderAndRefusesGetsWhenTold() throws Exception {
        String thing = THING;
        service.update(thing, "", "{\"state\":{\"desired\":{\"level\":1}}}");
        service.rejectNextGets(thing, 429, 1);
        send("get", "{\"clientToken\":\"r1\"}");
        JsonNode throttled = answer("get/rejected");
        assertEquals(429, throttled.get("code").asInt());
        assertEquals("r1", throttled.get("clientToken").asText());

        service.holdNextGetAnswer(thing);
        send("get", "{\"clientToken\":\"r2\"}");
        assertTrue(service.awaitHeldAnswer(Duration.ofSeconds(10)));
        inbox.clear();
        service.update(thing, "", "{\"state\":{\"desired\":{\"level\":2}}}");
        JsonNode delta = answer("update/delta"); // the later change arrives first
        service.releaseHeldAnswers();
        JsonNode late = answer("get/accepted");
        assertEquals("r2", late.get("clientToken").asText());
        assertEquals(1, late.at("/state/desired/level").asInt(), "the document as it was when asked");
        assertTrue(late.get("version").asLong() < delta.get("version").asLong(), late + " / " + delta);
        send("delete", ""); // the other test starts without a shadow
        answer("delete/accepted");
    }

    @Test
    void losesGetsWhenTold() throws Exception {
        String thing = "probe-003";
        service.dropNextGets(thing, 1);
        client.subscribe("$aws/things/" + thing + "/shadow/get/+", 1, (topic, message) ->
                inbox.add(new String[] {topic, new String(message.getPayload(), StandardCharsets.UTF_8)}));
        inbox.clear();
        int mark = service.receivedCount();
        client.publish("$aws/things/" + thing + "/shadow/get", "{\"clientToken\":\"d1\"}"
                .getBytes(StandardCharsets.UTF_8), 1, false);
        assertTrue(service.awaitMessage(mark, r -> r.payload().contains("d1"), Duration.ofSeconds(10)).isPresent());
        client.publish("$aws/things/" + thing + "/shadow/get", "{\"clientToken\":\"d2\"}"
                .getBytes(StandardCharsets.UTF_8), 1, false);
        String[] first = inbox.poll(10, TimeUnit.SECONDS);
        assertTrue(first != null && first[1].contains("\"d2\""), "only the second get is answered: "
                + (first == null ? "nothing" : first[0] + " " + first[1]));
        assertEquals(404, JSON.readTree(first[1]).get("code").asInt());
        client.unsubscribe("$aws/things/" + thing + "/shadow/get/+");
    }

    @Test
    void statusRuleWritesOnlineIntoTheReportedState() throws Exception {
        client.publish("dt/probe-002/status", "{\"state\":{\"reported\":{\"online\":true}}}"
                .getBytes(StandardCharsets.UTF_8), 1, false);
        assertTrue(service.awaitDocument("probe-002", "", d -> d.at("/state/reported/online").asBoolean(false),
                Duration.ofSeconds(10)).isPresent());
    }
}
