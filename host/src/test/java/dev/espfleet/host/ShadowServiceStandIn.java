package dev.espfleet.host;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLSocketFactory;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttException;

/**
 * Test support, not a product: AWS IoT Device Shadow semantics on a local broker, for classic and named
 * shadows ({@code get}, {@code update}, {@code delete} with {@code accepted}/{@code rejected},
 * {@code update/delta}, {@code update/documents}, versions, {@code clientToken}, metadata), answers held
 * back and delivered late (AWS does not order messages), gets refused with 429/500/403 or lost, plus the
 * generated status rule: {@code <prefix>/<thing>/status} is republished into the shadow's reported state.
 * It records every message it receives, so tests can assert on what the device sent.
 */
final class ShadowServiceStandIn implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SHADOW_TOPIC =
            Pattern.compile("\\$aws/things/([^/]+)/shadow/(?:name/([^/]+)/)?(get|update|delete)");

    /** A message as the service received it. */
    record Received(Instant at, String topic, String payload) {
    }

    private static final class Shadow {
        ObjectNode desired;
        ObjectNode reported;
        ObjectNode desiredMeta = JsonNodeFactory.instance.objectNode();
        ObjectNode reportedMeta = JsonNodeFactory.instance.objectNode();
        long version;
    }

    private final MqttClient client;
    private final SSLSocketFactory tls;
    private final String statusPrefix;
    private final String ruleShadowName;
    private final Map<String, Shadow> shadows = new HashMap<>();
    private final List<Received> received = new ArrayList<>();
    private final ExecutorService worker = Executors.newSingleThreadExecutor();
    /** Things whose next get answer is held back (AWS does not order messages); guarded by this. */
    private final Map<String, Integer> holdGetAnswers = new HashMap<>();
    private final List<Runnable> heldAnswers = new ArrayList<>();
    /** Things whose next gets are rejected with a code, and how many; guarded by this. */
    private final Map<String, int[]> rejectGets = new HashMap<>();
    /** Things whose next gets are lost (received, never answered), and how many; guarded by this. */
    private final Map<String, Integer> dropGets = new HashMap<>();

    private ShadowServiceStandIn(MqttClient client, SSLSocketFactory tls, String statusPrefix, String ruleShadowName) {
        this.client = client;
        this.tls = tls;
        this.statusPrefix = statusPrefix;
        this.ruleShadowName = ruleShadowName;
    }

    /**
     * Connects as {@code shadow-service} and subscribes to every thing's shadow topics and status topic;
     * the rule writes status into the shadow {@code ruleShadowName} ("" for the classic one).
     */
    static ShadowServiceStandIn connect(Mosquitto broker, SSLSocketFactory tls, String statusPrefix,
                                        String ruleShadowName) throws MqttException {
        MqttClient client = StandInMqtt.client(broker, "shadow-service");
        ShadowServiceStandIn service = new ShadowServiceStandIn(client, tls, statusPrefix, ruleShadowName);
        StandInMqtt.dispatch(client, service.worker, service::handle);
        service.open();
        return service;
    }

    /** (Re)connects and subscribes; after a broker restart the session is gone. */
    void open() throws MqttException {
        StandInMqtt.connect(client, tls, 1000, "$aws/things/+/shadow/+", "$aws/things/+/shadow/name/+/+",
                statusPrefix + "/+/status");
    }

    void reconnect() throws MqttException {
        if (client.isConnected()) {
            client.disconnectForcibly(1000, 1000);
        }
        open();
    }

    private synchronized void record(String topic, String payload) {
        received.add(new Received(Instant.now(), topic, payload));
        notifyAll();
    }

    private void handle(String topic, String payload) {
        record(topic, payload);
        Matcher m = SHADOW_TOPIC.matcher(topic);
        if (m.matches()) {
            String name = m.group(2) == null ? "" : m.group(2);
            switch (m.group(3)) {
                case "get" -> get(m.group(1), name, payload);
                case "update" -> update(m.group(1), name, payload);
                default -> delete(m.group(1), name, payload);
            }
        } else if (topic.startsWith(statusPrefix + "/") && topic.endsWith("/status")) {
            // the status rule: SELECT state FROM '<prefix>/+/status' -> .../shadow/update
            String thing = topic.substring(statusPrefix.length() + 1, topic.length() - "/status".length());
            try {
                JsonNode state = JSON.readTree(payload).get("state");
                if (state != null) {
                    update(thing, ruleShadowName, JSON.createObjectNode().set("state", state).toString());
                }
            } catch (Exception notJson) {
                // a rule whose SQL finds no JSON does nothing
            }
        }
    }

    private static String prefix(String thing, String name) {
        return "$aws/things/" + thing + "/shadow/" + (name.isEmpty() ? "" : "name/" + name + "/");
    }

    private void publish(String topic, JsonNode body) {
        try {
            client.publish(topic, body.toString().getBytes(StandardCharsets.UTF_8), 1, false);
        } catch (MqttException e) {
            // the broker is away: like AWS, the document is stored and the notification is simply not delivered
        }
    }

    private static long now() {
        return Instant.now().getEpochSecond();
    }

    private void reject(String thing, String name, String op, int code, String message, JsonNode token) {
        ObjectNode body = JSON.createObjectNode().put("code", code).put("message", message).put("timestamp", now());
        if (token != null) {
            body.set("clientToken", token);
        }
        publish(prefix(thing, name) + op + "/rejected", body);
    }

    private synchronized Shadow shadow(String thing, String name) {
        return shadows.get(thing + "\u0000" + name);
    }

    /**
     * The answer to {@code thing}'s next get is computed when the get arrives but published only at
     * {@link #releaseHeldAnswers()}: AWS does not order messages, so a delta made later can arrive first.
     */
    synchronized void holdNextGetAnswer(String thing) {
        holdGetAnswers.merge(thing, 1, Integer::sum);
    }

    /** Waits until an answer is held back (its document is then fixed); false after the timeout. */
    synchronized boolean awaitHeldAnswer(Duration timeout) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (heldAnswers.isEmpty()) {
            long left = Duration.between(Instant.now(), deadline).toMillis();
            if (left <= 0) {
                return false;
            }
            wait(Math.min(left, 50));
        }
        return true;
    }

    /** Publishes the answers held back, in the order they were made. */
    void releaseHeldAnswers() {
        List<Runnable> answers;
        synchronized (this) {
            answers = List.copyOf(heldAnswers);
            heldAnswers.clear();
        }
        worker.submit(() -> answers.forEach(Runnable::run));
    }

    /**
     * {@code thing}'s next {@code times} gets are rejected with {@code code}, with the messages the Device
     * Shadow service documents: 429 (too many requests in flight), 500 (internal failure), 403 (forbidden).
     */
    synchronized void rejectNextGets(String thing, int code, int times) {
        rejectGets.put(thing, new int[] {code, times});
    }

    /**
     * {@code thing}'s next {@code times} gets are lost: received (and recorded) but never answered, as a get
     * or its answer sent at QoS 0, or caught in a broker's hiccup, can be.
     */
    synchronized void dropNextGets(String thing, int times) {
        dropGets.put(thing, times);
    }

    private static String rejection(int code) {
        return switch (code) {
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 429 -> "Too many requests";
            case 500 -> "Internal service failure";
            default -> "Error " + code;
        };
    }

    private void get(String thing, String name, String payload) {
        JsonNode token = tokenOf(payload);
        ObjectNode document;
        boolean hold;
        synchronized (this) {
            int drops = dropGets.getOrDefault(thing, 0);
            if (drops > 0) {
                dropGets.put(thing, drops - 1);
                return;
            }
            int[] refusal = rejectGets.get(thing);
            if (refusal != null && refusal[1] > 0) {
                refusal[1]--;
                reject(thing, name, "get", refusal[0], rejection(refusal[0]), token);
                return;
            }
            Shadow s = shadow(thing, name);
            if (s == null) {
                reject(thing, name, "get", 404, "No shadow exists with name: '" + thing + "'", token);
                return;
            }
            document = document(s);
            hold = holdGetAnswers.getOrDefault(thing, 0) > 0;
            if (hold) {
                holdGetAnswers.merge(thing, -1, Integer::sum);
            }
        }
        if (token != null) {
            document.set("clientToken", token);
        }
        Runnable answer = () -> publish(prefix(thing, name) + "get/accepted", document);
        if (hold) {
            synchronized (this) {
                heldAnswers.add(answer);
                notifyAll();
            }
        } else {
            answer.run();
        }
    }

    private void delete(String thing, String name, String payload) {
        JsonNode token = tokenOf(payload);
        long version;
        synchronized (this) {
            Shadow s = shadows.remove(thing + "\u0000" + name);
            if (s == null) {
                reject(thing, name, "delete", 404, "No shadow exists with name: '" + thing + "'", token);
                return;
            }
            version = s.version;
        }
        ObjectNode body = JSON.createObjectNode().put("version", version).put("timestamp", now());
        if (token != null) {
            body.set("clientToken", token);
        }
        publish(prefix(thing, name) + "delete/accepted", body);
    }

    private static JsonNode tokenOf(String payload) {
        try {
            JsonNode n = payload.isBlank() ? null : JSON.readTree(payload);
            return n != null && n.has("clientToken") ? n.get("clientToken") : null;
        } catch (Exception e) {
            return null;
        }
    }

    /** An update as the cloud side (console, fleet tooling) would make it, e.g. {"state":{"desired":{...}}}. */
    void update(String thing, String name, String payload) {
        JsonNode request;
        try {
            request = JSON.readTree(payload);
        } catch (Exception e) {
            reject(thing, name, "update", 400, "Payload contains invalid json", null);
            return;
        }
        JsonNode token = request != null ? request.get("clientToken") : null;
        JsonNode state = request != null ? request.get("state") : null;
        if (state == null || !state.isObject()) {
            reject(thing, name, "update", 400, "Missing required node: state", token);
            return;
        }
        ObjectNode previous;
        ObjectNode current;
        ObjectNode metadata = JSON.createObjectNode();
        ObjectNode delta;
        long version;
        synchronized (this) {
            Shadow s = shadow(thing, name);
            if (request.has("version") && (s == null || request.get("version").asLong() != s.version)) {
                reject(thing, name, "update", 409, "Version conflict", token);
                return;
            }
            previous = s == null ? null : document(s);
            if (s == null) {
                s = new Shadow();
                shadows.put(thing + "\u0000" + name, s);
            }
            long t = now();
            if (state.has("desired")) {
                s.desired = merge(s.desired, state.get("desired"), s.desiredMeta, t);
                metadata.set("desired", stamps(state.get("desired"), t));
            }
            if (state.has("reported")) {
                s.reported = merge(s.reported, state.get("reported"), s.reportedMeta, t);
                metadata.set("reported", stamps(state.get("reported"), t));
            }
            s.version++;
            version = s.version;
            current = document(s);
            delta = state.has("desired") ? delta(s.desired, s.reported) : null;
        }
        ObjectNode accepted = JSON.createObjectNode();
        accepted.set("state", state);
        accepted.set("metadata", metadata);
        accepted.put("version", version).put("timestamp", now());
        if (token != null) {
            accepted.set("clientToken", token);
        }
        publish(prefix(thing, name) + "update/accepted", accepted);
        ObjectNode documents = JSON.createObjectNode();
        if (previous != null) {
            documents.set("previous", previous);
        }
        documents.set("current", current);
        documents.put("timestamp", now());
        if (token != null) {
            documents.set("clientToken", token);
        }
        publish(prefix(thing, name) + "update/documents", documents);
        if (delta != null && !delta.isEmpty()) {
            ObjectNode body = JSON.createObjectNode().put("version", version).put("timestamp", now());
            body.set("state", delta);
            if (token != null) {
                body.set("clientToken", token);
            }
            publish(prefix(thing, name) + "update/delta", body);
        }
    }

    /** Merges like the service: null removes a field, objects merge recursively, the rest replaces. */
    private static ObjectNode merge(ObjectNode target, JsonNode patch, ObjectNode meta, long t) {
        if (patch == null || patch.isNull()) {
            meta.removeAll();
            return null;
        }
        ObjectNode out = target == null ? JSON.createObjectNode() : target;
        for (Iterator<Map.Entry<String, JsonNode>> it = patch.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getValue().isNull()) {
                out.remove(e.getKey());
                meta.remove(e.getKey());
            } else if (e.getValue().isObject() && out.get(e.getKey()) instanceof ObjectNode nested) {
                ObjectNode nestedMeta = meta.get(e.getKey()) instanceof ObjectNode m ? m : JSON.createObjectNode();
                merge(nested, e.getValue(), nestedMeta, t);
                meta.set(e.getKey(), nestedMeta);
            } else {
                out.set(e.getKey(), e.getValue().deepCopy());
                meta.set(e.getKey(), stamps(e.getValue(), t));
            }
        }
        return out;
    }

    private static JsonNode stamps(JsonNode value, long t) {
        if (value != null && value.isObject()) {
            ObjectNode o = JSON.createObjectNode();
            value.fields().forEachRemaining(e -> o.set(e.getKey(), stamps(e.getValue(), t)));
            return o;
        }
        return JSON.createObjectNode().put("timestamp", t);
    }

    /** The desired fields whose value differs from the reported one (numbers compared by value). */
    static ObjectNode delta(JsonNode desired, JsonNode reported) {
        ObjectNode out = JSON.createObjectNode();
        if (desired == null) {
            return out;
        }
        desired.fields().forEachRemaining(e -> {
            JsonNode r = reported == null ? null : reported.get(e.getKey());
            if (e.getValue().isObject() && r != null && r.isObject()) {
                ObjectNode nested = delta(e.getValue(), r);
                if (!nested.isEmpty()) {
                    out.set(e.getKey(), nested);
                }
            } else if (!same(e.getValue(), r)) {
                out.set(e.getKey(), e.getValue());
            }
        });
        return out;
    }

    private static boolean same(JsonNode a, JsonNode b) {
        if (b == null) {
            return false;
        }
        if (a.isNumber() && b.isNumber()) {
            return a.decimalValue().compareTo(b.decimalValue()) == 0;
        }
        return a.equals(b);
    }

    private static ObjectNode document(Shadow s) {
        ObjectNode state = JSON.createObjectNode();
        if (s.desired != null) {
            state.set("desired", s.desired.deepCopy());
        }
        if (s.reported != null) {
            state.set("reported", s.reported.deepCopy());
        }
        ObjectNode delta = delta(s.desired, s.reported);
        if (!delta.isEmpty()) {
            state.set("delta", delta);
        }
        ObjectNode metadata = JSON.createObjectNode();
        metadata.set("desired", s.desiredMeta.deepCopy());
        metadata.set("reported", s.reportedMeta.deepCopy());
        ObjectNode doc = JSON.createObjectNode();
        doc.set("state", state);
        doc.set("metadata", metadata);
        doc.put("version", s.version).put("timestamp", now());
        return doc;
    }

    /** The shadow document as {@code get} would return it, if the shadow exists. */
    synchronized Optional<ObjectNode> document(String thing, String name) {
        Shadow s = shadow(thing, name);
        return s == null ? Optional.empty() : Optional.of(document(s));
    }

    /** Waits until the shadow document satisfies {@code condition}; the last document (or none) otherwise. */
    synchronized Optional<ObjectNode> awaitDocument(String thing, String name, Predicate<ObjectNode> condition,
                                                    Duration timeout) throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            Optional<ObjectNode> doc = document(thing, name);
            if (doc.isPresent() && condition.test(doc.get())) {
                return doc;
            }
            long left = Duration.between(Instant.now(), deadline).toMillis();
            if (left <= 0) {
                return Optional.empty();
            }
            wait(Math.min(left, 50));
        }
    }

    /** Waits for a received message matching {@code condition} at index {@code from} or later. */
    synchronized Optional<Received> awaitMessage(int from, Predicate<Received> condition, Duration timeout)
            throws InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            for (int i = from; i < received.size(); i++) {
                if (condition.test(received.get(i))) {
                    return Optional.of(received.get(i));
                }
            }
            long left = Duration.between(Instant.now(), deadline).toMillis();
            if (left <= 0) {
                return Optional.empty();
            }
            wait(Math.min(left, 50));
        }
    }

    synchronized int receivedCount() {
        return received.size();
    }

    synchronized List<Received> received() {
        return List.copyOf(received);
    }

    @Override
    public void close() throws MqttException {
        worker.shutdownNow();
        if (client.isConnected()) {
            client.disconnectForcibly(1000, 1000);
        }
        client.close(true);
    }
}
