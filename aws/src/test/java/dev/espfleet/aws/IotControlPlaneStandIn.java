package dev.espfleet.aws;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.espfleet.common.Json;
import dev.espfleet.provisioning.CertificateAuthority;
import dev.espfleet.provisioning.KeyType;
import dev.espfleet.provisioning.ValidityPeriod;
import dev.espfleet.provisioning.Pem;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import software.amazon.awssdk.protocols.jsoncore.JsonNode;

/**
 * A stand-in for the AWS IoT control-plane endpoint (and IAM's query API, on the same port, as an emulator such as
 * LocalStack serves every service on one), on loopback, for {@code --endpoint-url}. It checks what the service
 * checks and answers as the AWS IoT API Reference (docs.aws.amazon.com/iot/latest/apireference/) and the IAM API
 * Reference define, not as espfleet happens to ask:
 *
 * <ul>
 *   <li>Signature Version 4 (AWS General Reference, "Signature Version 4 signing process"): an Authorization header
 *   {@code AWS4-HMAC-SHA256 Credential=AKID/yyyyMMdd/region/service/aws4_request, SignedHeaders=..., Signature=...}
 *   whose scope date is the X-Amz-Date's, whose region is the endpoint's (IAM: us-east-1), whose service is
 *   {@code iot} (AWS IoT's signing name; {@code execute-api} accepted too) or {@code iam}, that signs host and
 *   x-amz-date, and whose signature is the one the test's secret key gives over the canonical request (non-S3
 *   rules: the path URI-encoded twice). Anything else: 403 InvalidSignatureException.</li>
 *   <li>The REST routes, methods and JSON bodies of each operation (each handler cites its page), 404
 *   ResourceNotFoundException for what does not exist, 409 ResourceAlreadyExistsException (with resourceId and
 *   resourceArn, as the API reference's error shape has them) for a certificate or CA registered twice and for a
 *   thing created again with another configuration (CreateThing with the same name and configuration succeeds, as
 *   its page says), 409 VersionsLimitExceededException past five policy versions, and
 *   400 InvalidRequestException for a body missing a required member.</li>
 *   <li>CreateCertificateFromCsr signs with the stand-in's own CA (for AWS IoT's), keeps the request's subject,
 *   and refuses a request it cannot parse, whose signature fails or whose key AWS does not take with 400
 *   InvalidRequestException; the server CA (Amazon Root CA) is untouched by it.</li>
 *   <li>Errors in rest-json's shape: the status of the operation's error table, the error name in
 *   {@code x-amzn-ErrorType} and {@code {"message": ...}} in the body. ThrottlingException has status 400 in every
 *   IoT operation's error table; {@link #throttleCall} throttles the Nth call so that a client must retry.</li>
 * </ul>
 *
 * <p>Every call is logged; {@link #mutations()} lists the calls of operations that create, change or delete.
 */
public final class IotControlPlaneStandIn implements AutoCloseable {
    public static final String ACCESS_KEY = "AKIDESPFLEETTEST";
    public static final String SECRET_KEY = "espfleet/stand-in/secret/key/0123456789";
    public static final String ACCOUNT = "123456789012";

    private static final Set<String> MUTATING = Set.of("CreatePolicy", "CreatePolicyVersion", "DeletePolicyVersion",
            "CreateThing", "RegisterCertificate", "RegisterCertificateWithoutCA", "CreateCertificateFromCsr",
            "UpdateCertificate", "AttachPolicy", "AttachThingPrincipal", "RegisterCACertificate", "UpdateCACertificate",
            "CreateTopicRule", "ReplaceTopicRule", "CreateRole", "UpdateAssumeRolePolicy", "PutRolePolicy",
            "AttachRolePolicy");
    private static final DateTimeFormatter AMZ_DATE = DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);

    private final HttpServer server;
    private final String region;
    private final List<String> calls = Collections.synchronizedList(new ArrayList<>());
    private final List<String> mutations = Collections.synchronizedList(new ArrayList<>());
    private final List<String> refusedSignatures = Collections.synchronizedList(new ArrayList<>());
    private final AtomicInteger callCount = new AtomicInteger();
    private volatile int throttleAt = -1;
    private volatile int throttleStatus = 400;
    private volatile boolean missNextDescribeCertificate;
    private volatile String csrRefusal;
    /** The stand-in's own CA, in place of the one AWS IoT signs CreateCertificateFromCsr's certificates with. */
    private final CertificateAuthority amazonCa = CertificateAuthority.createRoot("Amazon Web Services stand-in",
            Optional.of("Amazon.com Inc."), KeyType.RSA_2048, ValidityPeriod.days(Instant.now().minusSeconds(3600),
                    365 * 30), new java.security.SecureRandom());
    /** IDs of the certificates CreateCertificateFromCsr made. */
    private final Set<String> issuedHere = Collections.synchronizedSet(new java.util.HashSet<>());
    private final String registrationCode;

    // state, guarded by this
    private final Map<String, List<PolicyVersionState>> policies = new LinkedHashMap<>();
    private final Map<String, Thing> things = new LinkedHashMap<>();
    private final Map<String, Certificate> certificates = new LinkedHashMap<>();
    private final Map<String, CaCertificate> caCertificates = new LinkedHashMap<>();
    private final Map<String, Set<String>> policyTargets = new LinkedHashMap<>();
    private final Map<String, Set<String>> thingPrincipals = new LinkedHashMap<>();
    private final Map<String, Rule> rules = new LinkedHashMap<>();
    private final Map<String, RoleState> roles = new LinkedHashMap<>();

    record PolicyVersionState(String id, String document, boolean isDefault, long created) {
    }

    public record Thing(String name, String arn, String id) {
    }

    public record Certificate(String id, String arn, String pem, String status, Optional<String> caId) {
    }

    record CaCertificate(String id, String arn, String pem, String status, String autoRegistration,
                         Optional<String> registrationConfigJson) {
    }

    record Rule(String name, String payloadJson, long created) {
    }

    static final class RoleState {
        final String name;
        final String arn;
        String trust;
        final Map<String, String> inline = new TreeMap<>();
        final Set<String> managed = new java.util.TreeSet<>();

        RoleState(String name, String arn, String trust) {
            this.name = name;
            this.arn = arn;
            this.trust = trust;
        }
    }

    /** An error answer: the operation's status and error name (x-amzn-ErrorType), with extra JSON members. */
    static final class ApiError extends RuntimeException {
        final int status;
        final String type;
        final String extra;

        ApiError(int status, String type, String message) {
            this(status, type, message, "");
        }

        ApiError(int status, String type, String message, String extra) {
            super(message);
            this.status = status;
            this.type = type;
            this.extra = extra;
        }
    }

    private IotControlPlaneStandIn(String region) throws IOException {
        this.region = region;
        byte[] code = new byte[32];
        new java.security.SecureRandom().nextBytes(code);
        this.registrationCode = HexFormat.of().formatHex(code);
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "iot-stand-in");
            t.setDaemon(true);
            return t;
        }));
        server.start();
    }

    /** A stand-in for {@code region} on a free loopback port. */
    public static IotControlPlaneStandIn start(String region) throws IOException {
        return new IotControlPlaneStandIn(region);
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** The environment a client process needs: the stand-in's test credentials, no profile or region of the host. */
    public Map<String, String> credentials() {
        return Map.of("AWS_ACCESS_KEY_ID", ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", SECRET_KEY);
    }

    /** The {@code n}th call from now (1 = the next) is answered with ThrottlingException, HTTP {@code status}. */
    public void throttleCall(int n, int status) {
        throttleStatus = status;
        throttleAt = callCount.get() + n;
    }

    /**
     * The next DescribeCertificate answers 404 although the certificate exists: what a client sees when another
     * station registers it between this client's describe and its register.
     */
    public void missNextDescribeCertificate() {
        missNextDescribeCertificate = true;
    }

    /** Every CreateCertificateFromCsr from now on is answered 400 InvalidRequestException with {@code message}. */
    public void refuseCertificateSigningRequests(String message) {
        csrRefusal = message;
    }

    /** The certificate of the CA that signs CreateCertificateFromCsr's certificates here. */
    public X509Certificate certificateSigningCa() {
        return amazonCa.certificate();
    }

    /** Whether CreateCertificateFromCsr made the certificate of this ID. */
    public boolean issuedFromCsr(String certificateId) {
        return issuedHere.contains(certificateId);
    }

    public List<String> calls() {
        return List.copyOf(calls);
    }

    public List<String> mutations() {
        return List.copyOf(mutations);
    }

    public void clearLog() {
        calls.clear();
        mutations.clear();
    }

    public List<String> refusedSignatures() {
        return List.copyOf(refusedSignatures);
    }

    public synchronized Map<String, Thing> things() {
        return Map.copyOf(things);
    }

    public synchronized Optional<Certificate> certificate(String arn) {
        return certificates.values().stream().filter(c -> c.arn().equals(arn)).findFirst();
    }

    /** The certificate ARNs attached to a thing. */
    public synchronized Set<String> principals(String thing) {
        return Set.copyOf(thingPrincipals.getOrDefault(thing, Set.of()));
    }

    /** The policies attached to a target (a certificate ARN). */
    public synchronized Set<String> policiesOf(String target) {
        return policyTargets.entrySet().stream().filter(e -> e.getValue().contains(target)).map(Map.Entry::getKey)
                .collect(Collectors.toSet());
    }

    public synchronized Optional<String> defaultPolicyDocument(String name) {
        return Optional.ofNullable(policies.get(name)).flatMap(v -> v.stream().filter(PolicyVersionState::isDefault)
                .map(PolicyVersionState::document).findFirst());
    }

    public synchronized int policyVersions(String name) {
        return policies.getOrDefault(name, List.of()).size();
    }

    public synchronized Optional<String> rulePayload(String name) {
        return Optional.ofNullable(rules.get(name)).map(Rule::payloadJson);
    }

    public synchronized boolean caRegistered(String id) {
        return caCertificates.containsKey(id) && caCertificates.get(id).status().equals("ACTIVE");
    }

    public synchronized Optional<String> caRegistrationConfig(String id) {
        return Optional.ofNullable(caCertificates.get(id)).flatMap(CaCertificate::registrationConfigJson);
    }

    public synchronized Optional<String> roleArn(String name) {
        return Optional.ofNullable(roles.get(name)).map(r -> r.arn);
    }

    public synchronized Set<String> managedPolicies(String role) {
        return roles.containsKey(role) ? Set.copyOf(roles.get(role).managed) : Set.of();
    }

    /** Puts a policy version in place as if made earlier (a fleet whose policy changed since). */
    public synchronized void seedPolicy(String name, List<String> documents) {
        List<PolicyVersionState> versions = new ArrayList<>();
        for (int i = 0; i < documents.size(); i++) {
            versions.add(new PolicyVersionState(Integer.toString(i + 1), documents.get(i), i == documents.size() - 1,
                    1_700_000_000L + i));
        }
        policies.put(name, versions);
    }

    @Override
    public void close() {
        server.stop(0);
    }

    // ---- dispatch

    private void handle(HttpExchange exchange) throws IOException {
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readAllBytes();
        }
        String operation = "?";
        // IAM's query API is a form POST to "/"; AWS IoT's REST API never posts to "/"
        boolean iamRequest = exchange.getRequestMethod().equals("POST") && exchange.getRequestURI().getRawPath().equals("/");
        try {
            Scope scope = checkSignature(exchange, body);
            if (scope.service().equals("iam") != iamRequest) {
                throw refuse("InvalidSignatureException", "credential scope service " + scope.service() + " for a "
                        + (iamRequest ? "IAM" : "IoT") + " request");
            }
            if (iamRequest) {
                Map<String, String> form = form(new String(body, StandardCharsets.UTF_8));
                operation = form.getOrDefault("Action", "?");
                log(operation);
                throttleIfDue(true);
                String xml = iam(operation, form);
                send(exchange, 200, "text/xml", xml);
            } else {
                Route route = route(exchange.getRequestMethod(), exchange.getRequestURI().getRawPath());
                operation = route.operation;
                log(operation);
                throttleIfDue(false);
                String json = iot(route, exchange, body);
                send(exchange, 200, "application/json", json);
            }
        } catch (ApiError e) {
            if (iamRequest) {
                String code = e.type.startsWith("IAM:") ? e.type.substring(4) : e.type.replace("Exception", "");
                send(exchange, e.status, "text/xml", "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">"
                        + "<Error><Type>Sender</Type><Code>" + code + "</Code><Message>" + xml(e.getMessage())
                        + "</Message></Error><RequestId>" + UUID.randomUUID() + "</RequestId></ErrorResponse>");
            } else {
                exchange.getResponseHeaders().add("x-amzn-ErrorType", e.type);
                send(exchange, e.status, "application/json", "{\"message\":" + Json.quote(e.getMessage()) + e.extra + "}");
            }
        } catch (RuntimeException e) {
            exchange.getResponseHeaders().add("x-amzn-ErrorType", "InternalFailureException");
            send(exchange, 500, "application/json", "{\"message\":" + Json.quote("stand-in: " + e) + "}");
        }
    }

    private void log(String operation) {
        calls.add(operation);
        if (MUTATING.contains(operation)) {
            mutations.add(operation);
        }
    }

    private void throttleIfDue(boolean iam) {
        if (callCount.incrementAndGet() == throttleAt) {
            throw iam ? new ApiError(400, "IAM:Throttling", "Rate exceeded")
                    : new ApiError(throttleStatus, "ThrottlingException", "Rate exceeded");
        }
    }

    private static void send(HttpExchange exchange, int status, String type, String text) throws IOException {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", type);
        exchange.getResponseHeaders().add("x-amzn-RequestId", UUID.randomUUID().toString());
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            exchange.getResponseBody().write(bytes);
        }
        exchange.close();
    }

    // ---- Signature Version 4

    record Scope(String date, String region, String service) {
    }

    private static final Pattern AUTHORIZATION = Pattern.compile("AWS4-HMAC-SHA256 Credential=([^/,\\s]+)/(\\d{8})/"
            + "([a-z0-9-]+)/([a-z0-9-]+)/aws4_request,\\s*SignedHeaders=([a-z0-9;-]+),\\s*Signature=([0-9a-f]{64})");

    private Scope checkSignature(HttpExchange exchange, byte[] body) {
        String authorization = exchange.getRequestHeaders().getFirst("Authorization");
        String amzDate = exchange.getRequestHeaders().getFirst("X-Amz-Date");
        if (authorization == null || amzDate == null) {
            throw refuse("MissingAuthenticationTokenException", "missing Authorization or X-Amz-Date");
        }
        Matcher m = AUTHORIZATION.matcher(authorization);
        if (!m.matches()) {
            throw refuse("IncompleteSignatureException", "malformed Authorization: " + authorization);
        }
        Scope scope = new Scope(m.group(2), m.group(3), m.group(4));
        if (!m.group(1).equals(ACCESS_KEY)) {
            throw refuse("UnrecognizedClientException", "unknown access key " + m.group(1));
        }
        if (!amzDate.matches("\\d{8}T\\d{6}Z") || !amzDate.startsWith(scope.date())) {
            throw refuse("InvalidSignatureException", "X-Amz-Date " + amzDate + " does not match the scope date "
                    + scope.date());
        }
        boolean iam = scope.service().equals("iam");
        if (!iam && !scope.service().equals("iot") && !scope.service().equals("execute-api")) {
            throw refuse("InvalidSignatureException", "credential scope names service " + scope.service());
        }
        String wantRegion = iam ? "us-east-1" : region;
        if (!scope.region().equals(wantRegion)) {
            throw refuse("InvalidSignatureException", "credential scope names region " + scope.region() + ", expected "
                    + wantRegion);
        }
        List<String> signed = List.of(m.group(5).split(";"));
        if (!signed.contains("host") || !signed.contains("x-amz-date")) {
            throw refuse("InvalidSignatureException", "SignedHeaders must include host and x-amz-date: " + signed);
        }
        Instant when = AMZ_DATE.parse(amzDate, Instant::from);
        if (Math.abs(java.time.Duration.between(when, Instant.now()).toMinutes()) > 15) {
            throw refuse("InvalidSignatureException", "Signature expired: " + amzDate);
        }
        String expected = signature(exchange, body, signed, amzDate, scope);
        if (!expected.equals(m.group(6))) {
            throw refuse("InvalidSignatureException", "The request signature we calculated does not match the "
                    + "signature you provided");
        }
        return scope;
    }

    private ApiError refuse(String type, String message) {
        refusedSignatures.add(message);
        return new ApiError(403, type, message);
    }

    private static String signature(HttpExchange exchange, byte[] body, List<String> signed, String amzDate,
                                     Scope scope) {
        String rawPath = exchange.getRequestURI().getRawPath();
        String canonicalUri = encode(rawPath.isEmpty() ? "/" : rawPath, false); // non-S3: encoded twice
        String rawQuery = exchange.getRequestURI().getRawQuery();
        TreeMap<String, List<String>> query = new TreeMap<>();
        if (rawQuery != null && !rawQuery.isEmpty()) {
            for (String pair : rawQuery.split("&")) {
                int eq = pair.indexOf('=');
                String k = decode(eq < 0 ? pair : pair.substring(0, eq));
                String v = eq < 0 ? "" : decode(pair.substring(eq + 1));
                query.computeIfAbsent(encode(k, true), x -> new ArrayList<>()).add(encode(v, true));
            }
        }
        String canonicalQuery = query.entrySet().stream().flatMap(e -> e.getValue().stream().sorted()
                .map(v -> e.getKey() + "=" + v)).collect(Collectors.joining("&"));
        StringBuilder headers = new StringBuilder();
        for (String name : signed) {
            List<String> values = exchange.getRequestHeaders().get(name);
            String value = values == null ? "" : values.stream().map(v -> v.strip().replaceAll("\\s+", " "))
                    .collect(Collectors.joining(","));
            headers.append(name).append(':').append(value).append('\n');
        }
        String payloadHash = hex(sha256(body));
        String canonical = exchange.getRequestMethod() + "\n" + canonicalUri + "\n" + canonicalQuery + "\n" + headers
                + "\n" + String.join(";", signed) + "\n" + payloadHash;
        String credentialScope = scope.date() + "/" + scope.region() + "/" + scope.service() + "/aws4_request";
        String toSign = "AWS4-HMAC-SHA256\n" + amzDate + "\n" + credentialScope + "\n"
                + hex(sha256(canonical.getBytes(StandardCharsets.UTF_8)));
        byte[] key = hmac(("AWS4" + SECRET_KEY).getBytes(StandardCharsets.UTF_8), scope.date());
        key = hmac(key, scope.region());
        key = hmac(key, scope.service());
        key = hmac(key, "aws4_request");
        return hex(hmac(key, toSign));
    }

    /** SigV4's URI encoding: unreserved characters stay, everything else %XX (upper case); '/' too unless a path. */
    private static String encode(String s, boolean slash) {
        StringBuilder out = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if (c < 0x80 && (Character.isLetterOrDigit(c) || c == '-' || c == '_' || c == '.' || c == '~'
                    || c == '/' && !slash)) {
                out.append(c);
            } else {
                out.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        return out.toString();
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    private static byte[] sha256(byte[] data) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(data);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] hmac(byte[] key, String data) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }

    // ---- AWS IoT's REST routes

    record Route(String operation, List<String> labels) {
    }

    /** Method and path of each operation, as its API reference page's "Request Syntax" gives them. */
    private static final List<Object[]> ROUTES = List.of(
            new Object[] {"GET", "/policies/([^/]+)", "GetPolicy"},
            new Object[] {"POST", "/policies/([^/]+)", "CreatePolicy"},
            new Object[] {"GET", "/policies/([^/]+)/version", "ListPolicyVersions"},
            new Object[] {"POST", "/policies/([^/]+)/version", "CreatePolicyVersion"},
            new Object[] {"DELETE", "/policies/([^/]+)/version/([^/]+)", "DeletePolicyVersion"},
            new Object[] {"GET", "/things/([^/]+)", "DescribeThing"},
            new Object[] {"POST", "/things/([^/]+)", "CreateThing"},
            new Object[] {"GET", "/things/([^/]+)/principals", "ListThingPrincipals"},
            new Object[] {"PUT", "/things/([^/]+)/principals", "AttachThingPrincipal"},
            new Object[] {"GET", "/certificates/([^/]+)", "DescribeCertificate"},
            new Object[] {"POST", "/certificates", "CreateCertificateFromCsr"},
            new Object[] {"POST", "/certificate/register", "RegisterCertificate"},
            new Object[] {"POST", "/certificate/register-no-ca", "RegisterCertificateWithoutCA"},
            new Object[] {"PUT", "/target-policies/([^/]+)", "AttachPolicy"},
            new Object[] {"POST", "/attached-policies/([^/]+)", "ListAttachedPolicies"},
            new Object[] {"GET", "/registrationcode", "GetRegistrationCode"},
            new Object[] {"POST", "/cacertificate", "RegisterCACertificate"},
            new Object[] {"GET", "/cacertificate/([^/]+)", "DescribeCACertificate"},
            new Object[] {"PUT", "/cacertificate/([^/]+)", "UpdateCACertificate"},
            new Object[] {"GET", "/rules", "ListTopicRules"},
            new Object[] {"GET", "/rules/([^/]+)", "GetTopicRule"},
            new Object[] {"POST", "/rules/([^/]+)", "CreateTopicRule"},
            new Object[] {"PATCH", "/rules/([^/]+)", "ReplaceTopicRule"});

    private static Route route(String method, String rawPath) {
        for (Object[] r : ROUTES) {
            Matcher m = Pattern.compile((String) r[1]).matcher(rawPath);
            if (method.equals(r[0]) && m.matches()) {
                List<String> labels = new ArrayList<>();
                for (int i = 1; i <= m.groupCount(); i++) {
                    labels.add(decode(m.group(i)));
                }
                return new Route((String) r[2], labels);
            }
        }
        throw new ApiError(404, "UnknownOperationException", "no operation " + method + " " + rawPath);
    }

    private synchronized String iot(Route route, HttpExchange exchange, byte[] body) {
        Map<String, String> query = queryOf(exchange.getRequestURI().getRawQuery());
        Map<String, JsonNode> in = body.length == 0 ? Map.of()
                : JsonNode.parser().parse(new String(body, StandardCharsets.UTF_8)).asObject();
        String arnPrefix = "arn:aws:iot:" + region + ":" + ACCOUNT + ":";
        List<String> l = route.labels();
        switch (route.operation) {
            case "GetPolicy" -> { // API_GetPolicy.html: GET /policies/policyName
                PolicyVersionState v = defaultVersion(l.get(0));
                return "{\"policyName\":" + Json.quote(l.get(0)) + ",\"policyArn\":" + Json.quote(arnPrefix + "policy/"
                        + l.get(0)) + ",\"policyDocument\":" + Json.quote(v.document()) + ",\"defaultVersionId\":"
                        + Json.quote(v.id()) + ",\"creationDate\":" + v.created() + ",\"lastModifiedDate\":" + v.created()
                        + ",\"generationId\":" + Json.quote(UUID.randomUUID().toString()) + "}";
            }
            case "CreatePolicy" -> { // API_CreatePolicy.html: POST /policies/policyName {policyDocument, tags}
                String document = required(in, "policyDocument");
                if (policies.containsKey(l.get(0))) {
                    throw new ApiError(409, "ResourceAlreadyExistsException", "Policy cannot be created - name already "
                            + "exists (name=" + l.get(0) + ")", ",\"resourceId\":" + Json.quote(l.get(0))
                            + ",\"resourceArn\":" + Json.quote(arnPrefix + "policy/" + l.get(0)));
                }
                requireJson(document, "policyDocument");
                policies.put(l.get(0), new ArrayList<>(List.of(new PolicyVersionState("1", document, true, now()))));
                return "{\"policyName\":" + Json.quote(l.get(0)) + ",\"policyArn\":" + Json.quote(arnPrefix + "policy/"
                        + l.get(0)) + ",\"policyDocument\":" + Json.quote(document) + ",\"policyVersionId\":\"1\"}";
            }
            case "ListPolicyVersions" -> { // API_ListPolicyVersions.html: GET /policies/policyName/version
                List<PolicyVersionState> versions = versions(l.get(0));
                return "{\"policyVersions\":[" + versions.stream().map(v -> "{\"versionId\":" + Json.quote(v.id())
                        + ",\"isDefaultVersion\":" + v.isDefault() + ",\"createDate\":" + v.created() + "}")
                        .collect(Collectors.joining(",")) + "]}";
            }
            case "CreatePolicyVersion" -> { // API_CreatePolicyVersion.html: POST /policies/policyName/version?setAsDefault
                String document = required(in, "policyDocument");
                requireJson(document, "policyDocument");
                List<PolicyVersionState> versions = versions(l.get(0));
                if (versions.size() >= 5) {
                    throw new ApiError(409, "VersionsLimitExceededException", "The policy " + l.get(0)
                            + " already has the maximum number of versions (5)");
                }
                boolean setDefault = "true".equals(query.get("setAsDefault"));
                String id = Integer.toString(versions.stream().mapToInt(v -> Integer.parseInt(v.id())).max().orElse(0) + 1);
                if (setDefault) {
                    versions.replaceAll(v -> new PolicyVersionState(v.id(), v.document(), false, v.created()));
                }
                versions.add(new PolicyVersionState(id, document, setDefault, now()));
                return "{\"policyArn\":" + Json.quote(arnPrefix + "policy/" + l.get(0)) + ",\"policyDocument\":"
                        + Json.quote(document) + ",\"policyVersionId\":" + Json.quote(id) + ",\"isDefaultVersion\":"
                        + setDefault + "}";
            }
            case "DeletePolicyVersion" -> { // API_DeletePolicyVersion.html: DELETE /policies/name/version/id
                List<PolicyVersionState> versions = versions(l.get(0));
                PolicyVersionState v = versions.stream().filter(x -> x.id().equals(l.get(1))).findFirst()
                        .orElseThrow(() -> new ApiError(404, "ResourceNotFoundException", "no version " + l.get(1)));
                if (v.isDefault()) {
                    throw new ApiError(409, "DeleteConflictException", "Cannot delete the default version of a policy");
                }
                versions.remove(v);
                return "";
            }
            case "DescribeThing" -> { // API_DescribeThing.html: GET /things/thingName
                Thing t = Optional.ofNullable(things.get(l.get(0))).orElseThrow(() -> new ApiError(404,
                        "ResourceNotFoundException", "Thing " + l.get(0) + " cannot be found."));
                return "{\"defaultClientId\":" + Json.quote(t.name()) + ",\"thingName\":" + Json.quote(t.name())
                        + ",\"thingId\":" + Json.quote(t.id()) + ",\"thingArn\":" + Json.quote(t.arn())
                        + ",\"attributes\":{},\"version\":1}";
            }
            case "CreateThing" -> { // API_CreateThing.html: POST /things/thingName {thingTypeName, attributePayload, ...}
                if (!l.get(0).matches("[a-zA-Z0-9:_-]{1,128}")) {
                    throw new ApiError(400, "InvalidRequestException", "invalid thing name " + l.get(0));
                }
                Thing t = things.get(l.get(0));
                if (t != null && (in.containsKey("thingTypeName") || in.containsKey("attributePayload"))) {
                    // the same name with another configuration
                    throw new ApiError(409, "ResourceAlreadyExistsException", "Thing " + l.get(0) + " already exists "
                            + "in account with different attributes", ",\"resourceId\":" + Json.quote(t.id())
                            + ",\"resourceArn\":" + Json.quote(t.arn()));
                }
                if (t == null) {
                    t = new Thing(l.get(0), arnPrefix + "thing/" + l.get(0), UUID.randomUUID().toString());
                    things.put(t.name(), t);
                }
                return "{\"thingName\":" + Json.quote(t.name()) + ",\"thingArn\":" + Json.quote(t.arn())
                        + ",\"thingId\":" + Json.quote(t.id()) + "}";
            }
            case "ListThingPrincipals" -> { // API_ListThingPrincipals.html: GET /things/thingName/principals
                requireThing(l.get(0));
                return "{\"principals\":[" + thingPrincipals.getOrDefault(l.get(0), Set.of()).stream().map(Json::quote)
                        .collect(Collectors.joining(",")) + "]}";
            }
            case "AttachThingPrincipal" -> { // API_AttachThingPrincipal.html: PUT .../principals, x-amzn-principal
                String principal = exchange.getRequestHeaders().getFirst("x-amzn-principal");
                if (principal == null || principal.isEmpty()) {
                    throw new ApiError(400, "InvalidRequestException", "x-amzn-principal header is required");
                }
                requireThing(l.get(0));
                requireCertificateArn(principal);
                thingPrincipals.computeIfAbsent(l.get(0), k -> new java.util.LinkedHashSet<>()).add(principal);
                return "{}";
            }
            case "DescribeCertificate" -> { // API_DescribeCertificate.html: GET /certificates/certificateId
                boolean miss = missNextDescribeCertificate;
                missNextDescribeCertificate = false;
                Certificate c = Optional.ofNullable(miss ? null : certificates.get(l.get(0))).orElseThrow(() -> new ApiError(404,
                        "ResourceNotFoundException", "The certificate given in the request does not exist"));
                return "{\"certificateDescription\":{\"certificateArn\":" + Json.quote(c.arn()) + ",\"certificateId\":"
                        + Json.quote(c.id()) + (c.caId().isPresent() ? ",\"caCertificateId\":" + Json.quote(c.caId().get())
                        : "") + ",\"status\":" + Json.quote(c.status()) + ",\"certificatePem\":" + Json.quote(c.pem())
                        + ",\"ownedBy\":\"" + ACCOUNT + "\",\"creationDate\":" + now() + ",\"certificateMode\":"
                        + (c.caId().isPresent() || issuedHere.contains(c.id()) ? "\"DEFAULT\"" : "\"SNI_ONLY\"") + "}}";
            }
            case "CreateCertificateFromCsr" -> {
                // API_CreateCertificateFromCsr.html: POST /certificates?setAsActive {certificateSigningRequest};
                // answers {certificateArn, certificateId, certificatePem}; the same request twice makes two certificates
                String csrPem = required(in, "certificateSigningRequest");
                if (csrRefusal != null) {
                    throw new ApiError(400, "InvalidRequestException", csrRefusal);
                }
                X509Certificate cert = signRequest(csrPem);
                String id = Certificates.awsId(cert);
                String pem = Pem.encodeCertificate(cert);
                certificates.put(id, new Certificate(id, arnPrefix + "cert/" + id, pem,
                        "true".equals(query.get("setAsActive")) ? "ACTIVE" : "INACTIVE", Optional.empty()));
                issuedHere.add(id);
                return "{\"certificateArn\":" + Json.quote(arnPrefix + "cert/" + id) + ",\"certificateId\":"
                        + Json.quote(id) + ",\"certificatePem\":" + Json.quote(pem) + "}";
            }
            case "RegisterCertificate", "RegisterCertificateWithoutCA" -> {
                // API_RegisterCertificate.html: POST /certificate/register?setAsActive {certificatePem, caCertificatePem, status}
                // API_RegisterCertificateWithoutCA.html: POST /certificate/register-no-ca {certificatePem, status}
                String pem = required(in, "certificatePem");
                X509Certificate cert = parse(pem, "certificatePem");
                String id = Certificates.awsId(cert);
                Optional<String> caId = Optional.empty();
                if (route.operation.equals("RegisterCertificate")) {
                    X509Certificate ca = parse(required(in, "caCertificatePem"), "caCertificatePem");
                    String cid = Certificates.awsId(ca);
                    if (!caRegistered(cid)) {
                        throw new ApiError(400, "CertificateValidationException", "CA certificate " + cid
                                + " is not registered or not active");
                    }
                    try {
                        cert.verify(ca.getPublicKey());
                    } catch (java.security.GeneralSecurityException e) {
                        throw new ApiError(400, "CertificateValidationException", "the certificate is not signed by the CA");
                    }
                    caId = Optional.of(cid);
                }
                if (certificates.containsKey(id)) {
                    throw new ApiError(409, "ResourceAlreadyExistsException", "The certificate is already provisioned or "
                            + "registered", ",\"resourceId\":" + Json.quote(id) + ",\"resourceArn\":"
                            + Json.quote(arnPrefix + "cert/" + id));
                }
                String status = in.containsKey("status") ? in.get("status").asString()
                        : "true".equals(query.get("setAsActive")) ? "ACTIVE" : "INACTIVE";
                certificates.put(id, new Certificate(id, arnPrefix + "cert/" + id, pem, status, caId));
                return "{\"certificateArn\":" + Json.quote(arnPrefix + "cert/" + id) + ",\"certificateId\":"
                        + Json.quote(id) + "}";
            }
            case "AttachPolicy" -> { // API_AttachPolicy.html: PUT /target-policies/policyName {target}
                String target = required(in, "target");
                if (!policies.containsKey(l.get(0))) {
                    throw new ApiError(404, "ResourceNotFoundException", "Policy " + l.get(0) + " does not exist");
                }
                requireCertificateArn(target);
                policyTargets.computeIfAbsent(l.get(0), k -> new java.util.LinkedHashSet<>()).add(target);
                return "";
            }
            case "ListAttachedPolicies" -> { // API_ListAttachedPolicies.html: POST /attached-policies/target?recursive
                String target = l.get(0);
                return "{\"policies\":[" + policyTargets.entrySet().stream().filter(e -> e.getValue().contains(target))
                        .map(e -> "{\"policyName\":" + Json.quote(e.getKey()) + ",\"policyArn\":"
                                + Json.quote(arnPrefix + "policy/" + e.getKey()) + "}").collect(Collectors.joining(","))
                        + "]}";
            }
            case "GetRegistrationCode" -> { // API_GetRegistrationCode.html: GET /registrationcode
                return "{\"registrationCode\":" + Json.quote(registrationCode) + "}";
            }
            case "RegisterCACertificate" -> {
                // API_RegisterCACertificate.html: POST /cacertificate?setAsActive&allowAutoRegistration
                // {caCertificate, verificationCertificate, registrationConfig, certificateMode, tags}
                X509Certificate ca = parse(required(in, "caCertificate"), "caCertificate");
                String mode = in.containsKey("certificateMode") ? in.get("certificateMode").asString() : "DEFAULT";
                if (mode.equals("DEFAULT")) {
                    X509Certificate verification = parse(required(in, "verificationCertificate"),
                            "verificationCertificate");
                    try {
                        verification.verify(ca.getPublicKey());
                    } catch (java.security.GeneralSecurityException e) {
                        throw new ApiError(400, "CertificateValidationException", "the verification certificate is not "
                                + "signed by the CA certificate");
                    }
                    String cn = CertificateAuthority.commonName(verification).orElse("");
                    if (!cn.equals(registrationCode)) {
                        throw new ApiError(400, "RegistrationCodeValidationException", "The registration code is invalid");
                    }
                }
                if (ca.getBasicConstraints() < 0) {
                    throw new ApiError(400, "CertificateValidationException", "not a CA certificate");
                }
                String id = Certificates.awsId(ca);
                if (caCertificates.containsKey(id)) {
                    throw new ApiError(409, "ResourceAlreadyExistsException", "The CA certificate is already registered",
                            ",\"resourceId\":" + Json.quote(id) + ",\"resourceArn\":" + Json.quote(arnPrefix
                                    + "cacert/" + id));
                }
                Optional<String> config = Optional.ofNullable(in.get("registrationConfig")).map(CanonicalJson::write);
                caCertificates.put(id, new CaCertificate(id, arnPrefix + "cacert/" + id, Pem.encodeCertificate(ca),
                        "true".equals(query.get("setAsActive")) ? "ACTIVE" : "INACTIVE",
                        "true".equals(query.get("allowAutoRegistration")) ? "ENABLE" : "DISABLE", config));
                return "{\"certificateArn\":" + Json.quote(arnPrefix + "cacert/" + id) + ",\"certificateId\":"
                        + Json.quote(id) + "}";
            }
            case "DescribeCACertificate" -> { // API_DescribeCACertificate.html: GET /cacertificate/caCertificateId
                CaCertificate c = Optional.ofNullable(caCertificates.get(l.get(0))).orElseThrow(() -> new ApiError(404,
                        "ResourceNotFoundException", "The CA certificate does not exist"));
                return "{\"certificateDescription\":{\"certificateArn\":" + Json.quote(c.arn()) + ",\"certificateId\":"
                        + Json.quote(c.id()) + ",\"status\":" + Json.quote(c.status()) + ",\"certificatePem\":"
                        + Json.quote(c.pem()) + ",\"ownedBy\":\"" + ACCOUNT + "\",\"creationDate\":" + now()
                        + ",\"autoRegistrationStatus\":" + Json.quote(c.autoRegistration())
                        + ",\"certificateMode\":\"DEFAULT\"}" + c.registrationConfigJson().map(r -> ",\"registrationConfig\":"
                        + r).orElse("") + "}";
            }
            case "UpdateCACertificate" -> { // API_UpdateCACertificate.html: PUT /cacertificate/id?newStatus&newAutoRegistrationStatus
                CaCertificate c = Optional.ofNullable(caCertificates.get(l.get(0))).orElseThrow(() -> new ApiError(404,
                        "ResourceNotFoundException", "The CA certificate does not exist"));
                Optional<String> config = Optional.ofNullable(in.get("registrationConfig")).map(CanonicalJson::write)
                        .or(c::registrationConfigJson);
                caCertificates.put(c.id(), new CaCertificate(c.id(), c.arn(), c.pem(),
                        query.getOrDefault("newStatus", c.status()),
                        query.getOrDefault("newAutoRegistrationStatus", c.autoRegistration()), config));
                return "";
            }
            case "ListTopicRules" -> { // API_ListTopicRules.html: GET /rules?topic&maxResults&nextToken&ruleDisabled
                return "{\"rules\":[" + rules.values().stream().map(r -> "{\"ruleArn\":" + Json.quote(arnPrefix
                        + "rule/" + r.name()) + ",\"ruleName\":" + Json.quote(r.name()) + ",\"topicPattern\":\"#\""
                        + ",\"createdAt\":" + r.created() + ",\"ruleDisabled\":" + JsonNode.parser().parse(r.payloadJson())
                        .field("ruleDisabled").map(JsonNode::asBoolean).orElse(false) + "}")
                        .collect(Collectors.joining(",")) + "]}";
            }
            case "GetTopicRule" -> { // API_GetTopicRule.html: GET /rules/ruleName; its errors list no 404
                Rule r = Optional.ofNullable(rules.get(l.get(0))).orElseThrow(() -> new ApiError(401,
                        "UnauthorizedException", "not authorized to perform iot:GetTopicRule on rule " + l.get(0)));
                String payload = r.payloadJson();
                return "{\"ruleArn\":" + Json.quote(arnPrefix + "rule/" + r.name()) + ",\"rule\":{\"ruleName\":"
                        + Json.quote(r.name()) + ",\"createdAt\":" + r.created() + "," + payload.substring(1) + "}";
            }
            case "CreateTopicRule", "ReplaceTopicRule" -> {
                // API_CreateTopicRule.html: POST /rules/ruleName with the TopicRulePayload as the body
                // API_ReplaceTopicRule.html: PATCH /rules/ruleName, the same body
                required(in, "sql");
                if (!in.containsKey("actions") || !in.get("actions").isArray()) {
                    throw new ApiError(400, "InvalidRequestException", "actions is required");
                }
                boolean create = route.operation.equals("CreateTopicRule");
                if (create && rules.containsKey(l.get(0))) {
                    throw new ApiError(409, "ResourceAlreadyExistsException", "Rule " + l.get(0) + " already exists",
                            ",\"resourceId\":" + Json.quote(l.get(0)) + ",\"resourceArn\":" + Json.quote(arnPrefix
                                    + "rule/" + l.get(0)));
                }
                if (!create && !rules.containsKey(l.get(0))) {
                    throw new ApiError(401, "UnauthorizedException", "not authorized on rule " + l.get(0));
                }
                for (JsonNode a : in.get("actions").asArray()) {
                    a.field("republish").flatMap(rp -> rp.field("roleArn")).map(JsonNode::asString)
                            .filter(arn -> roles.values().stream().anyMatch(role -> role.arn.equals(arn)))
                            .orElseThrow(() -> new ApiError(400, "InvalidRequestException", "the action's roleArn is "
                                    + "not a role of this account"));
                }
                long created = create ? now() : rules.get(l.get(0)).created();
                rules.put(l.get(0), new Rule(l.get(0), new String(body, StandardCharsets.UTF_8), created));
                return "";
            }
            default -> throw new ApiError(404, "UnknownOperationException", route.operation);
        }
    }

    /**
     * What the service checks of a request before it signs (the API reference's note): PEM, signed by its own key,
     * an RSA key of 2048 bits or more or an EC key on P-256, P-384 or P-521; else 400 InvalidRequestException. The
     * certificate keeps the request's subject and is for TLS clients, signed by the stand-in's "Amazon" CA.
     */
    private X509Certificate signRequest(String csrPem) {
        PKCS10CertificationRequest csr;
        try {
            csr = Pem.parseCsr(csrPem, "certificateSigningRequest");
        } catch (RuntimeException e) {
            throw new ApiError(400, "InvalidRequestException", "The certificate signing request is not valid");
        }
        java.security.PublicKey key;
        try {
            byte[] spki = csr.getSubjectPublicKeyInfo().getEncoded();
            String algorithm = csr.getSubjectPublicKeyInfo().getAlgorithm().getAlgorithm()
                    .equals(org.bouncycastle.asn1.x9.X9ObjectIdentifiers.id_ecPublicKey) ? "EC" : "RSA";
            key = java.security.KeyFactory.getInstance(algorithm).generatePublic(
                    new java.security.spec.X509EncodedKeySpec(spki));
            if (!csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(key))) {
                throw new ApiError(400, "InvalidRequestException", "The certificate signing request's signature is "
                        + "not valid");
            }
        } catch (ApiError e) {
            throw e;
        } catch (Exception e) {
            throw new ApiError(400, "InvalidRequestException", "The certificate signing request is not valid");
        }
        boolean supported = key instanceof java.security.interfaces.RSAPublicKey rsa && rsa.getModulus().bitLength() >= 2048
                || key instanceof java.security.interfaces.ECPublicKey ec
                && Set.of(256, 384, 521).contains(ec.getParams().getCurve().getField().getFieldSize());
        if (!supported) {
            throw new ApiError(400, "InvalidRequestException", "The certificate signing request's public key must be "
                    + "RSA of at least 2048 bits or EC on NIST P-256, P-384 or P-521");
        }
        try {
            return amazonCa.issueDeviceCertificate(csr, "certificateSigningRequest",
                    ValidityPeriod.days(Instant.now(), 365 * 20), new java.security.SecureRandom());
        } catch (RuntimeException e) {
            throw new ApiError(400, "InvalidRequestException", "The certificate signing request is not valid: "
                    + e.getMessage());
        }
    }

    private PolicyVersionState defaultVersion(String policy) {
        return versions(policy).stream().filter(PolicyVersionState::isDefault).findFirst().orElseThrow();
    }

    private List<PolicyVersionState> versions(String policy) {
        List<PolicyVersionState> v = policies.get(policy);
        if (v == null) {
            throw new ApiError(404, "ResourceNotFoundException", "Policy not found");
        }
        return v;
    }

    private void requireThing(String thing) {
        if (!things.containsKey(thing)) {
            throw new ApiError(404, "ResourceNotFoundException", "Thing " + thing + " cannot be found.");
        }
    }

    private void requireCertificateArn(String arn) {
        if (certificates.values().stream().noneMatch(c -> c.arn().equals(arn))) {
            throw new ApiError(404, "ResourceNotFoundException", "The principal " + arn + " does not exist");
        }
    }

    private static String required(Map<String, JsonNode> in, String member) {
        JsonNode n = in.get(member);
        if (n == null || !n.isString() || n.asString().isEmpty()) {
            throw new ApiError(400, "InvalidRequestException", member + " is required");
        }
        return n.asString();
    }

    private static void requireJson(String document, String member) {
        try {
            JsonNode.parser().parse(document);
        } catch (RuntimeException e) {
            throw new ApiError(400, "MalformedPolicyException", member + " is not JSON");
        }
    }

    private static X509Certificate parse(String pem, String member) {
        try {
            return Pem.parseCertificates(pem, member).get(0);
        } catch (RuntimeException e) {
            throw new ApiError(400, "CertificateValidationException", member + " is not a PEM certificate");
        }
    }

    private static long now() {
        return Instant.now().getEpochSecond();
    }

    private static Map<String, String> queryOf(String rawQuery) {
        Map<String, String> out = new LinkedHashMap<>();
        if (rawQuery != null && !rawQuery.isEmpty()) {
            for (String pair : rawQuery.split("&")) {
                int eq = pair.indexOf('=');
                out.put(decode(eq < 0 ? pair : pair.substring(0, eq)), eq < 0 ? "" : decode(pair.substring(eq + 1)));
            }
        }
        return out;
    }

    // ---- IAM's query API (IAM API Reference: GetRole, CreateRole, UpdateAssumeRolePolicy, GetRolePolicy,
    // PutRolePolicy, ListAttachedRolePolicies, AttachRolePolicy); documents come back percent-encoded

    /** application/x-www-form-urlencoded: '+' is a space there (the SDK's query protocol writes spaces so). */
    private static Map<String, String> form(String body) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String pair : body.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0) {
                out.put(URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
                        URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return out;
    }

    private synchronized String iam(String action, Map<String, String> form) {
        if (!"2010-05-08".equals(form.get("Version"))) {
            throw new ApiError(400, "IAM:InvalidParameterValue", "Version must be 2010-05-08");
        }
        String roleName = form.get("RoleName");
        if (roleName == null || !roleName.matches("[\\w+=,.@-]{1,64}")) {
            throw new ApiError(400, "IAM:ValidationError", "RoleName is required (1-64 of [\\w+=,.@-])");
        }
        RoleState role = roles.get(roleName);
        String result;
        switch (action) {
            case "GetRole" -> result = roleXml(requireRole(role, roleName));
            case "CreateRole" -> {
                if (role != null) {
                    throw new ApiError(409, "IAM:EntityAlreadyExists", "Role with name " + roleName + " already exists.");
                }
                String trust = iamRequired(form, "AssumeRolePolicyDocument");
                requireIamJson(trust);
                role = new RoleState(roleName, "arn:aws:iam::" + ACCOUNT + ":role/" + roleName, trust);
                roles.put(roleName, role);
                result = roleXml(role);
            }
            case "UpdateAssumeRolePolicy" -> {
                String trust = iamRequired(form, "PolicyDocument");
                requireIamJson(trust);
                requireRole(role, roleName).trust = trust;
                result = "";
            }
            case "GetRolePolicy" -> {
                String name = iamRequired(form, "PolicyName");
                String doc = requireRole(role, roleName).inline.get(name);
                if (doc == null) {
                    throw new ApiError(404, "IAM:NoSuchEntity", "The role policy with name " + name + " cannot be found.");
                }
                result = "<RoleName>" + roleName + "</RoleName><PolicyName>" + xml(name) + "</PolicyName><PolicyDocument>"
                        + urlEncode(doc) + "</PolicyDocument>";
            }
            case "PutRolePolicy" -> {
                String name = iamRequired(form, "PolicyName");
                String doc = iamRequired(form, "PolicyDocument");
                requireIamJson(doc);
                requireRole(role, roleName).inline.put(name, doc);
                result = "";
            }
            case "ListAttachedRolePolicies" -> result = "<AttachedPolicies>" + requireRole(role, roleName).managed.stream()
                    .map(arn -> "<member><PolicyName>" + arn.substring(arn.lastIndexOf('/') + 1) + "</PolicyName>"
                            + "<PolicyArn>" + arn + "</PolicyArn></member>").collect(Collectors.joining())
                    + "</AttachedPolicies><IsTruncated>false</IsTruncated>";
            case "AttachRolePolicy" -> {
                String arn = iamRequired(form, "PolicyArn");
                if (!arn.startsWith("arn:aws:iam::aws:policy/")) {
                    throw new ApiError(404, "IAM:NoSuchEntity", "Policy " + arn + " does not exist or is not attachable.");
                }
                requireRole(role, roleName).managed.add(arn);
                result = "";
            }
            default -> throw new ApiError(400, "IAM:InvalidAction", "Could not find operation " + action);
        }
        return "<" + action + "Response xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">"
                + (result.isEmpty() ? "" : "<" + action + "Result>" + result + "</" + action + "Result>")
                + "<ResponseMetadata><RequestId>" + UUID.randomUUID() + "</RequestId></ResponseMetadata></" + action
                + "Response>";
    }

    private static RoleState requireRole(RoleState role, String name) {
        if (role == null) {
            throw new ApiError(404, "IAM:NoSuchEntity", "The role with name " + name + " cannot be found.");
        }
        return role;
    }

    private static String roleXml(RoleState role) {
        return "<Role><Path>/</Path><Arn>" + role.arn + "</Arn><RoleName>" + role.name + "</RoleName>"
                + "<AssumeRolePolicyDocument>" + urlEncode(role.trust) + "</AssumeRolePolicyDocument>"
                + "<CreateDate>2026-01-05T10:00:00Z</CreateDate><RoleId>AROA" + Integer.toHexString(role.name.hashCode())
                .toUpperCase(java.util.Locale.ROOT) + "</RoleId></Role>";
    }

    private static String iamRequired(Map<String, String> form, String member) {
        String v = form.get(member);
        if (v == null || v.isEmpty()) {
            throw new ApiError(400, "IAM:ValidationError", member + " is required");
        }
        return v;
    }

    private static void requireIamJson(String document) {
        try {
            JsonNode.parser().parse(document);
        } catch (RuntimeException e) {
            throw new ApiError(400, "IAM:MalformedPolicyDocument", "Syntax errors in policy.");
        }
    }

    /** RFC 3986 percent-encoding, as IAM returns policy documents. */
    private static String urlEncode(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String xml(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
