package dev.espfleet.host;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLSocketFactory;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;

/**
 * Test support, not a product: the device side of AWS IoT Jobs over MQTT as AWS documents it ("Jobs device MQTT
 * API"), on a local broker. Per thing, job executions in the order their jobs were created, each with status
 * (QUEUED, IN_PROGRESS, SUCCEEDED, FAILED, REJECTED, ...), statusDetails (string values, at most 10), versionNumber
 * (incremented on every change) and executionNumber.
 * <ul>
 * <li>{@code $aws/things/T/jobs/start-next}: the first IN_PROGRESS execution, else the first QUEUED one, which
 * becomes IN_PROGRESS (version + 1); accepted with {@code execution} (jobId, thingName, jobDocument, status,
 * statusDetails, versionNumber, executionNumber, queuedAt, startedAt, lastUpdatedAt), or without it when nothing is
 * pending; the request's {@code clientToken} comes back.</li>
 * <li>{@code $aws/things/T/jobs/<jobId>/update}: {@code status} is required (IN_PROGRESS, SUCCEEDED, FAILED or
 * REJECTED from a device); an {@code expectedVersion} that is not the current version is rejected with
 * {@code VersionMismatch} and the current {@code executionState}; an execution already terminal is rejected with
 * {@code InvalidStateTransition}; an unknown job with {@code ResourceNotFound}; statusDetails that are not strings
 * with {@code InvalidRequest}. statusDetails given replace the old ones, absent ones leave them.</li>
 * <li>{@code notify-next}: when a thing's next pending execution changes (a job created while none was pending, one
 * ending), with {@code execution} (the next one) or without it (none left).</li>
 * </ul>
 * It connects to mosquitto with a certificate from the bench CA (user {@code jobs-service}).
 */
final class JobsServiceStandIn implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern START_NEXT = Pattern.compile("\\$aws/things/([^/]+)/jobs/start-next");
    private static final Pattern UPDATE = Pattern.compile("\\$aws/things/([^/]+)/jobs/([^/]+)/update");
    static final Set<String> TERMINAL = Set.of("SUCCEEDED", "FAILED", "REJECTED", "CANCELED", "TIMED_OUT", "REMOVED");
    private static final Set<String> FROM_DEVICE = Set.of("IN_PROGRESS", "SUCCEEDED", "FAILED", "REJECTED");

    /** One job execution; guarded by the stand-in. */
    static final class Execution {
        final String jobId;
        final ObjectNode document;
        String status = "QUEUED";
        ObjectNode statusDetails = JsonNodeFactory.instance.objectNode();
        long version = 1;
        final long executionNumber;
        final long queuedAt = now();
        long startedAt;
        long lastUpdatedAt = queuedAt;
        /** Every status it went through, for the tests. */
        final List<String> history = new ArrayList<>(List.of("QUEUED"));

        Execution(String jobId, ObjectNode document, long executionNumber) {
            this.jobId = jobId;
            this.document = document;
            this.executionNumber = executionNumber;
        }
    }

    /** A snapshot of an execution for assertions. */
    record Snapshot(String jobId, String status, JsonNode statusDetails, long version, List<String> history) {
        String detail(String key) {
            return statusDetails.path(key).asText(null);
        }
    }

    private final MqttClient client;
    private final Map<String, Map<String, Execution>> things = new LinkedHashMap<>();
    private final ExecutorService worker = Executors.newSingleThreadExecutor();
    private final List<String> requests = new ArrayList<>();
    private long executions;

    private JobsServiceStandIn(MqttClient client) {
        this.client = client;
    }

    static JobsServiceStandIn connect(Mosquitto broker, SSLSocketFactory tls) throws MqttException {
        MqttClient client = StandInMqtt.client(broker, "jobs-service");
        JobsServiceStandIn service = new JobsServiceStandIn(client);
        StandInMqtt.dispatch(client, service.worker, service::handle);
        StandInMqtt.connect(client, tls, MqttConnectOptions.MAX_INFLIGHT_DEFAULT, "$aws/things/+/jobs/start-next",
                "$aws/things/+/jobs/+/update");
        return service;
    }

    /** CreateJob for one thing: a QUEUED execution; notify-next when it is the thing's next pending one. */
    synchronized void createJob(String thing, String jobId, JsonNode document) {
        Map<String, Execution> queue = things.computeIfAbsent(thing, t -> new LinkedHashMap<>());
        if (queue.containsKey(jobId)) {
            throw new IllegalArgumentException("job " + jobId + " exists for " + thing);
        }
        Optional<Execution> before = next(thing);
        queue.put(jobId, new Execution(jobId, (ObjectNode) document.deepCopy(), ++executions));
        if (!next(thing).equals(before)) {
            notifyNext(thing);
        }
    }

    /**
     * Creates the job and reads the device's console (which keeps a simulated chip running) until its execution
     * ends; the end state. A job that does not end by {@code deadline} fails the test, showing the console and
     * {@code more} (a broker's log).
     */
    Snapshot runToEnd(String thing, String jobId, JsonNode document, ConsoleFrames console, Duration deadline,
            Supplier<String> more) throws IOException {
        createJob(thing, jobId, document);
        console.pumpUntil(() -> ended(thing, jobId).isPresent(), deadline);
        return ended(thing, jobId).orElseThrow(() -> new AssertionError("job " + jobId + " did not end: "
                + execution(thing, jobId) + "\n" + console.console() + more.get()));
    }

    private Optional<Snapshot> ended(String thing, String jobId) {
        return execution(thing, jobId).filter(s -> TERMINAL.contains(s.status()));
    }

    synchronized Optional<Snapshot> execution(String thing, String jobId) {
        Execution e = things.getOrDefault(thing, Map.of()).get(jobId);
        return e == null ? Optional.empty()
                : Optional.of(new Snapshot(e.jobId, e.status, e.statusDetails.deepCopy(), e.version,
                        List.copyOf(e.history)));
    }

    /** Waits until the execution is terminal; empty when it is not by the deadline. */
    Optional<Snapshot> awaitTerminal(String thing, String jobId, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<Snapshot> s = execution(thing, jobId);
            if (s.isPresent() && TERMINAL.contains(s.get().status())) {
                return s;
            }
            Thread.sleep(50);
        }
        return Optional.empty();
    }

    /** Every request received (topic and payload), in order. */
    synchronized List<String> requests() {
        return List.copyOf(requests);
    }

    private Optional<Execution> next(String thing) {
        Map<String, Execution> queue = things.getOrDefault(thing, Map.of());
        return queue.values().stream().filter(e -> e.status.equals("IN_PROGRESS")).findFirst()
                .or(() -> queue.values().stream().filter(e -> e.status.equals("QUEUED")).findFirst());
    }

    private synchronized void handle(String topic, String payload) {
        requests.add(topic + " " + payload);
        JsonNode body;
        try {
            body = JSON.readTree(payload.isEmpty() ? "{}" : payload);
        } catch (Exception e) {
            return; // AWS answers unparsable requests on .../rejected; the device never sends one
        }
        Matcher m = START_NEXT.matcher(topic);
        if (m.matches()) {
            startNext(m.group(1), body);
            return;
        }
        m = UPDATE.matcher(topic);
        if (m.matches()) {
            update(m.group(1), m.group(2), body);
        }
    }

    private void startNext(String thing, JsonNode request) {
        ObjectNode answer = JSON.createObjectNode();
        Optional<Execution> next = next(thing);
        if (next.isPresent()) {
            Execution e = next.get();
            if (request.has("statusDetails")) {
                Optional<String> problem = stringsOnly(request.get("statusDetails"));
                if (problem.isPresent()) {
                    reject(thing, "start-next", "InvalidRequest", problem.get(), request, null);
                    return;
                }
                e.statusDetails = (ObjectNode) request.get("statusDetails").deepCopy();
            }
            if (e.status.equals("QUEUED")) {
                e.status = "IN_PROGRESS";
                e.history.add(e.status);
                e.startedAt = now();
                e.lastUpdatedAt = e.startedAt;
                e.version++;
            }
            answer.set("execution", describe(thing, e));
        }
        answer.put("timestamp", now());
        copyToken(request, answer);
        publish("$aws/things/" + thing + "/jobs/start-next/accepted", answer);
    }

    private void update(String thing, String jobId, JsonNode request) {
        Execution e = things.getOrDefault(thing, Map.of()).get(jobId);
        String topic = "$aws/things/" + thing + "/jobs/" + jobId + "/update";
        if (e == null) {
            reject(thing, jobId + "/update", "ResourceNotFound", "Job Execution not found", request, null);
            return;
        }
        String status = request.path("status").asText("");
        if (!FROM_DEVICE.contains(status)) {
            reject(thing, jobId + "/update", "InvalidRequest", "status must be IN_PROGRESS, SUCCEEDED, FAILED or "
                    + "REJECTED; got '" + status + "'", request, e);
            return;
        }
        if (request.has("expectedVersion") && request.get("expectedVersion").asLong() != e.version) {
            reject(thing, jobId + "/update", "VersionMismatch", "expected version " + request.get("expectedVersion")
                    + ", current version " + e.version, request, e);
            return;
        }
        if (TERMINAL.contains(e.status)) {
            reject(thing, jobId + "/update", "InvalidStateTransition", "the execution is " + e.status, request, e);
            return;
        }
        if (request.has("statusDetails")) {
            Optional<String> problem = stringsOnly(request.get("statusDetails"));
            if (problem.isPresent()) {
                reject(thing, jobId + "/update", "InvalidRequest", problem.get(), request, e);
                return;
            }
        }
        Optional<Execution> before = next(thing);
        if (request.has("statusDetails")) {
            e.statusDetails = (ObjectNode) request.get("statusDetails").deepCopy();
        }
        if (!status.equals(e.status) || !status.equals(e.history.get(e.history.size() - 1))) {
            e.history.add(status);
        }
        if (e.status.equals("QUEUED")) {
            e.startedAt = now();
        }
        e.status = status;
        e.version++;
        e.lastUpdatedAt = now();
        ObjectNode answer = JSON.createObjectNode();
        answer.put("timestamp", now());
        copyToken(request, answer);
        publish(topic + "/accepted", answer);
        if (!next(thing).equals(before)) {
            notifyNext(thing);
        }
    }

    private static Optional<String> stringsOnly(JsonNode details) {
        if (!details.isObject()) {
            return Optional.of("statusDetails must be an object");
        }
        if (details.size() > 10) {
            return Optional.of("statusDetails has more than 10 entries");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = details.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> f = it.next();
            if (!f.getValue().isTextual() || f.getValue().asText().length() > 1024) {
                return Optional.of("statusDetails." + f.getKey() + " must be a string of at most 1024 characters");
            }
        }
        return Optional.empty();
    }

    private void reject(String thing, String operation, String code, String message, JsonNode request, Execution e) {
        ObjectNode answer = JSON.createObjectNode();
        answer.put("code", code);
        answer.put("message", message);
        answer.put("timestamp", now());
        copyToken(request, answer);
        if (e != null) {
            ObjectNode state = answer.putObject("executionState");
            state.put("status", e.status);
            state.set("statusDetails", e.statusDetails.deepCopy());
            state.put("versionNumber", e.version);
        }
        publish("$aws/things/" + thing + "/jobs/" + operation + "/rejected", answer);
    }

    private void notifyNext(String thing) {
        ObjectNode message = JSON.createObjectNode();
        message.put("timestamp", now());
        next(thing).ifPresent(e -> message.set("execution", describe(thing, e)));
        publish("$aws/things/" + thing + "/jobs/notify-next", message);
    }

    private static ObjectNode describe(String thing, Execution e) {
        ObjectNode x = JSON.createObjectNode();
        x.put("jobId", e.jobId);
        x.put("thingName", thing);
        x.set("jobDocument", e.document.deepCopy());
        x.put("status", e.status);
        if (!e.statusDetails.isEmpty()) {
            x.set("statusDetails", e.statusDetails.deepCopy());
        }
        x.put("queuedAt", e.queuedAt);
        if (e.startedAt != 0) {
            x.put("startedAt", e.startedAt);
        }
        x.put("lastUpdatedAt", e.lastUpdatedAt);
        x.put("versionNumber", e.version);
        x.put("executionNumber", e.executionNumber);
        return x;
    }

    private static void copyToken(JsonNode request, ObjectNode answer) {
        if (request.hasNonNull("clientToken")) {
            answer.put("clientToken", request.get("clientToken").asText());
        }
    }

    private void publish(String topic, JsonNode body) {
        try {
            client.publish(topic, body.toString().getBytes(StandardCharsets.UTF_8), 1, false);
        } catch (MqttException e) {
            // the broker is away: the state is kept, the message is lost, as with AWS
        }
    }

    private static long now() {
        return System.currentTimeMillis() / 1000;
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
