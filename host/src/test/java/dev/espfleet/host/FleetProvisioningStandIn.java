package dev.espfleet.host;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.espfleet.provisioning.CertificateAuthority;
import dev.espfleet.provisioning.Pem;
import dev.espfleet.provisioning.ValidityPeriod;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLSocketFactory;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;

/**
 * Test support, not a product: AWS IoT's Fleet Provisioning MQTT API (JSON payloads) on a local broker, as the
 * developer guide ("Device provisioning MQTT API") describes it. {@code $aws/certificates/create-from-csr/json}
 * with {@code {"certificateSigningRequest": PEM}}: the CSR signed by the bench CA (its subject kept), answered on
 * {@code .../accepted} with {@code certificateId} (the SHA-256 of the DER, 64 hex digits, as AWS's ids are),
 * {@code certificatePem} and a {@code certificateOwnershipToken} valid for one hour. {@code
 * $aws/provisioning-templates/<name>/provision/json} with the token and {@code parameters}: the template (the
 * generated aws/provisioning-template.json) names the thing from its {@code ThingName} Ref; answered on
 * {@code .../accepted} with {@code thingName} and {@code deviceConfiguration}. Errors go to {@code .../rejected}
 * as {@code {"statusCode", "errorCode", "errorMessage"}}: an empty token is 400 InvalidCertificateOwnershipToken
 * "Certificate ownership token cannot be empty." (as AWS answered, aws-iot-device-sdk-js-v2 issue 69); an unknown,
 * used or expired one the same code. A test can make the next token already expired.
 */
final class FleetProvisioningStandIn implements AutoCloseable {
    static final String CREATE_TOPIC = "$aws/certificates/create-from-csr/json";
    private static final Pattern PROVISION_TOPIC = Pattern.compile("\\$aws/provisioning-templates/([^/]+)/provision/json");
    private static final Duration TOKEN_LIFETIME = Duration.ofHours(1); // the developer guide: tokens expire in 1 h
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A certificate the service made, and what became of it. */
    record Issued(X509Certificate certificate, String certificateId, String token, Instant expires) {
    }

    /** A thing registered: its name, the parameters the device sent, the certificate attached to it. */
    record Registered(String thingName, Map<String, String> parameters, String certificateId) {
    }

    private final MqttClient client;
    private final CertificateAuthority ca;
    private final String templateName;
    private final JsonNode template;
    private final ExecutorService worker = Executors.newSingleThreadExecutor();
    /** guarded by this */
    private final List<Issued> issued = new ArrayList<>();
    private final Map<String, Issued> pendingTokens = new HashMap<>();
    private final List<Registered> registered = new ArrayList<>();
    private final List<String> rejections = new ArrayList<>();
    private boolean expireNextToken;
    private X509Certificate nextCertificate;
    private CertificateAuthority issuer;

    private FleetProvisioningStandIn(MqttClient client, CertificateAuthority ca, String templateName, JsonNode template) {
        this.client = client;
        this.ca = ca;
        this.templateName = templateName;
        this.template = template;
    }

    /** Connects as {@code fleet-provisioning} and serves one provisioning template (its JSON body). */
    static FleetProvisioningStandIn connect(Mosquitto broker, SSLSocketFactory tls, CertificateAuthority ca,
                                            String templateName, String templateBody) throws Exception {
        MqttClient client = StandInMqtt.client(broker, "fleet-provisioning");
        FleetProvisioningStandIn service = new FleetProvisioningStandIn(client, ca, templateName,
                JSON.readTree(templateBody));
        StandInMqtt.dispatch(client, service.worker, service::handle);
        StandInMqtt.connect(client, tls, MqttConnectOptions.MAX_INFLIGHT_DEFAULT, CREATE_TOPIC,
                "$aws/provisioning-templates/+/provision/json");
        return service;
    }

    /** The next token CreateCertificateFromCsr hands out has expired already (as one used after an hour). */
    synchronized void expireNextToken() {
        expireNextToken = true;
    }

    /** The next CreateCertificateFromCsr answers with this certificate instead of one for the CSR's key. */
    synchronized void answerNextWith(X509Certificate certificate) {
        nextCertificate = certificate;
    }

    /**
     * From now on CreateCertificateFromCsr signs with {@code other} (a CA the broker may not trust: what a device
     * meets on AWS when the new certificate is not usable, e.g. not attached to its thing and policy).
     */
    synchronized void issueFrom(CertificateAuthority other) {
        issuer = other;
    }

    synchronized List<Issued> issued() {
        return List.copyOf(issued);
    }

    synchronized List<Registered> registered() {
        return List.copyOf(registered);
    }

    /** Every rejection sent, as {@code topic statusCode errorCode}. */
    synchronized List<String> rejections() {
        return List.copyOf(rejections);
    }

    private void handle(String topic, String payload) {
        try {
            if (topic.equals(CREATE_TOPIC)) {
                createFromCsr(payload);
                return;
            }
            Matcher m = PROVISION_TOPIC.matcher(topic);
            if (m.matches()) {
                provision(topic, m.group(1), payload);
            }
        } catch (Exception e) {
            reject(topic, 500, "InternalFailure", e.toString());
        }
    }

    private void createFromCsr(String payload) throws Exception {
        JsonNode request = parse(payload);
        String pem = request == null ? null : request.path("certificateSigningRequest").asText(null);
        if (pem == null || pem.isEmpty()) {
            reject(CREATE_TOPIC, 400, "InvalidPayload", "certificateSigningRequest is missing.");
            return;
        }
        PKCS10CertificationRequest csr;
        try {
            csr = Pem.parseCsr(pem, "certificateSigningRequest");
        } catch (RuntimeException e) {
            reject(CREATE_TOPIC, 400, "InvalidPayload", "The CSR cannot be parsed.");
            return;
        }
        Instant now = Instant.now();
        X509Certificate certificate;
        CertificateAuthority signer;
        synchronized (this) {
            certificate = nextCertificate;
            nextCertificate = null;
            signer = issuer != null ? issuer : ca;
        }
        if (certificate == null) {
            certificate = signer.issueDeviceCertificate(csr, "certificateSigningRequest",
                    ValidityPeriod.days(now.minusSeconds(60), 1), RANDOM);
        }
        String id = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded()));
        byte[] tokenBytes = new byte[256];
        RANDOM.nextBytes(tokenBytes);
        String token = Base64.getEncoder().encodeToString(tokenBytes);
        Issued made;
        synchronized (this) {
            Instant expires = expireNextToken ? now.minusSeconds(1) : now.plus(TOKEN_LIFETIME);
            expireNextToken = false;
            made = new Issued(certificate, id, token, expires);
            issued.add(made);
            pendingTokens.put(token, made);
        }
        ObjectNode answer = JSON.createObjectNode();
        answer.put("certificateId", id);
        answer.put("certificatePem", Pem.encodeCertificate(certificate));
        answer.put("certificateOwnershipToken", token);
        publish(CREATE_TOPIC + "/accepted", answer);
    }

    private void provision(String topic, String name, String payload) throws Exception {
        if (!name.equals(templateName)) {
            reject(topic, 404, "ResourceNotFoundException", "The template " + name + " does not exist.");
            return;
        }
        JsonNode request = parse(payload);
        String token = request == null ? "" : request.path("certificateOwnershipToken").asText("");
        if (token.isEmpty()) {
            reject(topic, 400, "InvalidCertificateOwnershipToken", "Certificate ownership token cannot be empty.");
            return;
        }
        Issued made;
        synchronized (this) {
            made = pendingTokens.remove(token);
        }
        if (made == null || made.expires().isBefore(Instant.now())) {
            reject(topic, 400, "InvalidCertificateOwnershipToken", "Certificate ownership token is invalid or expired.");
            return;
        }
        Map<String, String> parameters = new HashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = request.path("parameters").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            parameters.put(e.getKey(), e.getValue().asText());
        }
        String thingRef = thingNameRef();
        String thing = parameters.get(thingRef);
        if (thing == null || thing.isEmpty()) {
            reject(topic, 400, "InvalidParametersException", "Parameter " + thingRef + " is missing.");
            return;
        }
        synchronized (this) {
            registered.add(new Registered(thing, Map.copyOf(parameters), made.certificateId()));
        }
        ObjectNode answer = JSON.createObjectNode();
        answer.putObject("deviceConfiguration");
        answer.put("thingName", thing);
        publish(topic + "/accepted", answer);
    }

    /** The parameter the template's AWS::IoT::Thing resource takes its ThingName from. */
    private String thingNameRef() {
        for (JsonNode resource : template.path("Resources")) {
            if (resource.path("Type").asText().equals("AWS::IoT::Thing")) {
                return resource.path("Properties").path("ThingName").path("Ref").asText();
            }
        }
        throw new IllegalStateException("the template has no AWS::IoT::Thing resource");
    }

    private static JsonNode parse(String payload) {
        try {
            JsonNode node = JSON.readTree(payload);
            return node != null && node.isObject() ? node : null;
        } catch (Exception e) {
            return null;
        }
    }

    private void reject(String requestTopic, int status, String code, String message) {
        synchronized (this) {
            rejections.add(requestTopic + " " + status + " " + code);
        }
        ObjectNode answer = JSON.createObjectNode();
        answer.put("statusCode", status);
        answer.put("errorCode", code);
        answer.put("errorMessage", message);
        publish(requestTopic + "/rejected", answer);
    }

    private void publish(String topic, ObjectNode body) {
        try {
            client.publish(topic, body.toString().getBytes(StandardCharsets.UTF_8), 1, false);
        } catch (MqttException e) {
            throw new IllegalStateException("cannot answer on " + topic, e);
        }
    }

    @Override
    public void close() throws Exception {
        worker.shutdownNow();
        if (client.isConnected()) {
            client.disconnect(2000);
        }
        client.close();
    }
}
