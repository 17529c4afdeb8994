package dev.espfleet.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.model.ThingName;
import dev.espfleet.provisioning.AwsRegistration;
import dev.espfleet.provisioning.CertificateAuthority;
import dev.espfleet.provisioning.CertificateRequests;
import dev.espfleet.provisioning.DevicePolicy;
import dev.espfleet.provisioning.DeviceSubject;
import dev.espfleet.provisioning.KeyType;
import dev.espfleet.provisioning.ValidityPeriod;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.protocols.jsoncore.JsonNode;

/** The AWS path against {@link IotControlPlaneStandIn}: SigV4-signed, the API's shapes, idempotent, throttled. */
class AwsStandInTest {
    private static final String REGION = "ap-south-1";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Instant NOW = Instant.now();

    private IotControlPlaneStandIn aws;
    private CertificateAuthority ca;

    @BeforeAll
    static void credentials() {
        // the SDK's default chain takes these before the environment's and the profile's
        System.setProperty("aws.accessKeyId", IotControlPlaneStandIn.ACCESS_KEY);
        System.setProperty("aws.secretAccessKey", IotControlPlaneStandIn.SECRET_KEY);
    }

    @BeforeEach
    void start() throws IOException {
        aws = IotControlPlaneStandIn.start(REGION);
        ca = CertificateAuthority.createRoot("fleet CA", Optional.of("Acme"), KeyType.EC_P256,
                ValidityPeriod.days(NOW, 365), RANDOM);
    }

    @AfterEach
    void stop() {
        aws.close();
    }

    private AwsClients clients(int attempts) {
        return AwsClients.open(new AwsOptions(Optional.empty(), Optional.empty(), Optional.of(aws.endpoint()), attempts),
                Optional.of(REGION), ControlPlaneRateLimiter.published());
    }

    private static String resource(String name) throws IOException {
        try (InputStream in = AwsStandInTest.class.getResourceAsStream("/fleet/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    private FleetSpec spec(boolean withCa) throws IOException {
        String templateBody = JsonNode.parser().parse(AwsRegistration.jitpTemplateJson("env-sensor-device"))
                .field("templateBody").orElseThrow().asString();
        return new FleetSpec(new DevicePolicy("env-sensor-device", resource("policy.json")),
                new FleetSpec.StatusRule("env_sensor_status_to_shadow", resource("status-rule.json"),
                        "env-sensor-status-republish", resource("status-rule-role-trust.json"),
                        resource("status-rule-role-policy.json")),
                withCa ? Optional.of(new FleetSpec.CaSpec(ca, true, "env-sensor-jitp", templateBody)) : Optional.empty());
    }

    private X509Certificate device(String thing) {
        var keys = KeyType.EC_P256.generate(RANDOM);
        return ca.issueDeviceCertificate(CertificateRequests.create(keys, DeviceSubject.of(ThingName.of(thing), "Acme",
                null)), "csr", ValidityPeriod.days(NOW, 30), RANDOM);
    }

    @Test
    void setupThenTwoUnitsLeaveThingsWithActiveCertificatesAndThePolicyAndASecondRunChangesNothing() throws IOException {
        FleetSpec spec = spec(true);
        X509Certificate one = device("env-sensor-0001");
        X509Certificate two = device("env-sensor-0002");
        try (AwsClients c = clients(8)) {
            List<String> report = new IotFleetSetup(c).converge(spec);
            assertTrue(report.contains("policy env-sensor-device: created"), report.toString());
            IotUnitRegistrar registrar = new IotUnitRegistrar(c, "env-sensor-device", ca.certificate());
            assertTrue(registrar.caRegistered(), "the CA was registered with its verification certificate");
            assertTrue(registrar.register(ThingName.of("env-sensor-0001"), one).changed());
            assertTrue(registrar.register(ThingName.of("env-sensor-0002"), two).changed());
        }
        assertEquals(java.util.Set.of("env-sensor-0001", "env-sensor-0002"), aws.things().keySet());
        for (String thing : aws.things().keySet()) {
            String arn = aws.principals(thing).iterator().next();
            assertEquals(1, aws.principals(thing).size());
            var cert = aws.certificate(arn).orElseThrow();
            assertEquals("ACTIVE", cert.status());
            assertTrue(cert.caId().isPresent(), "registered with the CA (RegisterCertificate)");
            assertEquals(java.util.Set.of("env-sensor-device"), aws.policiesOf(arn));
        }
        // the rule acts as the role IAM made, not the ACCOUNT_ID placeholder of the generated file
        String rule = aws.rulePayload("env_sensor_status_to_shadow").orElseThrow();
        assertTrue(rule.contains("arn:aws:iam::" + IotControlPlaneStandIn.ACCOUNT + ":role/env-sensor-status-republish"),
                rule);
        assertEquals(CanonicalJson.of(resource("policy.json")),
                CanonicalJson.of(aws.defaultPolicyDocument("env-sensor-device").orElseThrow()));
        assertTrue(aws.caRegistrationConfig(Certificates.awsId(ca.certificate())).orElseThrow()
                .contains("arn:aws:iam::" + IotControlPlaneStandIn.ACCOUNT + ":role/env-sensor-jitp"));
        assertEquals(java.util.Set.of("arn:aws:iam::aws:policy/service-role/AWSIoTThingsRegistration"),
                aws.managedPolicies("env-sensor-jitp"));

        aws.clearLog();
        try (AwsClients c = clients(8)) {
            List<String> report = new IotFleetSetup(c).converge(spec);
            IotUnitRegistrar registrar = new IotUnitRegistrar(c, "env-sensor-device", ca.certificate());
            assertTrue(!registrar.register(ThingName.of("env-sensor-0001"), one).changed());
            assertTrue(!registrar.register(ThingName.of("env-sensor-0002"), two).changed());
            assertTrue(report.stream().noneMatch(l -> l.contains("created") || l.contains("updated")), report.toString());
        }
        assertEquals(List.of(), aws.mutations(), "a second run changes nothing");
        assertTrue(aws.calls().contains("DescribeThing"));
        assertEquals(List.of(), aws.refusedSignatures());
    }

    @Test
    void withoutARegisteredCaCertificatesAreRegisteredWithoutCa() throws IOException {
        try (AwsClients c = clients(8)) {
            new IotFleetSetup(c).converge(spec(false));
            var registered = new IotUnitRegistrar(c, "env-sensor-device", ca.certificate()).register(ThingName.of("unit-1"),
                    device("unit-1"));
            assertTrue(aws.calls().contains("RegisterCertificateWithoutCA"), aws.calls().toString());
            assertTrue(aws.certificate(registered.certificateArn()).orElseThrow().caId().isEmpty());
            assertEquals("arn:aws:iot:" + REGION + ":" + IotControlPlaneStandIn.ACCOUNT + ":thing/unit-1",
                    registered.thingArn());
        }
    }

    @Test
    void awsSignsARequestWithItsOwnCaAndTheRegistrarFindsTheCertificateItMade() throws Exception {
        var keys = KeyType.EC_P256.generate(RANDOM);
        var csr = CertificateRequests.create(keys, DeviceSubject.of(ThingName.of("unit-1"), "Acme", null));
        try (AwsClients c = clients(8)) {
            new IotFleetSetup(c).converge(spec(false));
            aws.clearLog();
            X509Certificate cert = new IotCsrSigner(c).sign(ThingName.of("unit-1"), csr);
            assertEquals(java.util.Arrays.toString(keys.getPublic().getEncoded()),
                    java.util.Arrays.toString(cert.getPublicKey().getEncoded()));
            assertEquals(Optional.of("unit-1"), CertificateAuthority.commonName(cert));
            cert.verify(aws.certificateSigningCa().getPublicKey()); // the stand-in's "Amazon" CA, not the fleet's
            assertTrue(aws.issuedFromCsr(Certificates.awsId(cert)));
            var registered = new IotUnitRegistrar(c, "env-sensor-device", ca.certificate()).register(
                    ThingName.of("unit-1"), cert);
            assertEquals(Certificates.awsId(cert), registered.certificateId());
            assertEquals("ACTIVE", aws.certificate(registered.certificateArn()).orElseThrow().status());
            assertEquals(java.util.Set.of(registered.certificateArn()), aws.principals("unit-1"));
            assertEquals(java.util.Set.of("env-sensor-device"), aws.policiesOf(registered.certificateArn()));
        }
        // signed once; registered by what it made, never registered again
        assertEquals(List.of("CreateCertificateFromCsr", "CreateThing", "AttachPolicy", "AttachThingPrincipal"),
                aws.mutations());
        assertEquals(List.of(), aws.refusedSignatures());
    }

    @Test
    void aRequestAwsDoesNotTakeFailsInOneLineNamingTheThing() throws IOException {
        var weak = new org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder(
                new javax.security.auth.x500.X500Principal("CN=unit-1"), weakRsaKey().getPublic())
                .build(signer(weakRsaKey()));
        try (AwsClients c = clients(8)) {
            EspfleetException e = assertThrows(EspfleetException.class, () -> new IotCsrSigner(c).sign(
                    ThingName.of("unit-1"), weak));
            assertEquals(ExitStatus.JOB_FAILED, e.status());
            assertTrue(e.getMessage().startsWith("AWS IoT did not sign unit-1's certificate request: "), e.getMessage());
            assertTrue(e.getMessage().contains("CreateCertificateFromCsr failed: InvalidRequestException (HTTP 400)"),
                    e.getMessage());
            assertTrue(!e.getMessage().contains("\n"), e.getMessage());
        }
        assertEquals(List.of("CreateCertificateFromCsr"), aws.calls(), "refused at once, not retried");
    }

    private static java.security.KeyPair weakRsa;

    /** A key AWS IoT does not sign for: RSA of 1024 bits, the request signed with its own key (so valid as such). */
    private static synchronized java.security.KeyPair weakRsaKey() {
        if (weakRsa == null) {
            try {
                var g = java.security.KeyPairGenerator.getInstance("RSA");
                g.initialize(1024, RANDOM);
                weakRsa = g.generateKeyPair();
            } catch (java.security.GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
        return weakRsa;
    }

    private static org.bouncycastle.operator.ContentSigner signer(java.security.KeyPair keys) {
        try {
            return new org.bouncycastle.operator.jcajce.JcaContentSignerBuilder("SHA256withRSA").build(keys.getPrivate());
        } catch (org.bouncycastle.operator.OperatorCreationException e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aThrottledCallIsRetriedAndSucceeds() throws IOException {
        try (AwsClients c = clients(8)) {
            new IotFleetSetup(c).converge(spec(false));
            aws.clearLog();
            // ThrottlingException is HTTP 400 in AWS IoT's error tables; 429 is what other AWS services send
            aws.throttleCall(2, 400);
            new IotUnitRegistrar(c, "env-sensor-device", ca.certificate()).register(ThingName.of("unit-1"), device("unit-1"));
            aws.throttleCall(1, 429);
            new IotUnitRegistrar(c, "env-sensor-device", ca.certificate()).register(ThingName.of("unit-2"), device("unit-2"));
        }
        assertEquals(2, aws.things().size());
        List<String> calls = aws.calls();
        // the second call of the first unit's registration (the first is DescribeCACertificate) went out twice
        assertEquals(calls.get(1), calls.get(2), calls.toString());
    }

    @Test
    void throttlingThatDoesNotStopFailsClearlyAfterTheRetries() throws IOException {
        try (AwsClients c = clients(1)) {
            aws.throttleCall(1, 400);
            EspfleetException e = assertThrows(EspfleetException.class, () -> new IotFleetSetup(c).converge(spec(false)));
            assertEquals(ExitStatus.UNAVAILABLE, e.status());
            assertTrue(e.getMessage().contains("GetPolicy failed: ThrottlingException (HTTP 400)"), e.getMessage());
        }
    }

    @Test
    void aPolicyThatDiffersGetsANewDefaultVersionAndTheOldestGoesPastFive() throws IOException {
        aws.seedPolicy("env-sensor-device", List.of("{\"v\":1}", "{\"v\":2}", "{\"v\":3}", "{\"v\":4}", "{\"v\":5}"));
        try (AwsClients c = clients(8)) {
            List<String> report = new IotFleetSetup(c).converge(spec(false));
            assertTrue(report.get(0).startsWith("policy env-sensor-device: document changed, version 6 is the default "
                    + "now (deleted old version 1"), report.get(0));
        }
        assertEquals(5, aws.policyVersions("env-sensor-device"));
        assertEquals(CanonicalJson.of(resource("policy.json")),
                CanonicalJson.of(aws.defaultPolicyDocument("env-sensor-device").orElseThrow()));
        assertTrue(aws.calls().containsAll(List.of("ListPolicyVersions", "DeletePolicyVersion", "CreatePolicyVersion")));
    }

    @Test
    void aRuleThatWasChangedInTheConsoleIsReplaced() throws IOException {
        try (AwsClients c = clients(8)) {
            new IotFleetSetup(c).converge(spec(false));
        }
        String changed = resource("status-rule.json").replace("\"qos\": 1", "\"qos\": 0");
        FleetSpec spec = spec(false);
        FleetSpec edited = new FleetSpec(spec.policy(), new FleetSpec.StatusRule(spec.statusRule().ruleName(), changed,
                spec.statusRule().roleName(), spec.statusRule().trustPolicyJson(), spec.statusRule().rolePolicyJson()),
                Optional.empty());
        aws.clearLog();
        try (AwsClients c = clients(8)) {
            List<String> report = new IotFleetSetup(c).converge(edited);
            assertTrue(report.contains("rule env_sensor_status_to_shadow: replaced (it differed from the generated rule)"),
                    report.toString());
        }
        assertEquals(List.of("ReplaceTopicRule"), aws.mutations());
    }

    @Test
    void aCertificateRegisteredMeanwhileIsLookedUpNotRegisteredTwice() throws IOException {
        X509Certificate cert = device("unit-1");
        try (AwsClients c = clients(8)) {
            new IotFleetSetup(c).converge(spec(false));
            IotUnitRegistrar registrar = new IotUnitRegistrar(c, "env-sensor-device", ca.certificate());
            var first = registrar.register(ThingName.of("unit-1"), cert);
            // another station registered it between this one's DescribeCertificate and its register call
            aws.missNextDescribeCertificate();
            aws.clearLog();
            var second = registrar.register(ThingName.of("unit-1"), cert);
            assertEquals(first.certificateArn(), second.certificateArn());
        }
        assertEquals(List.of("RegisterCertificateWithoutCA"), aws.mutations(), "409 answered, nothing else changed");
    }

    @Test
    void aRequestSignedWithAnotherSecretIsRefusedAsTheServiceWould() throws IOException {
        System.setProperty("aws.secretAccessKey", "not-the-secret");
        try (AwsClients c = clients(1)) {
            EspfleetException e = assertThrows(EspfleetException.class, () -> new IotFleetSetup(c).converge(spec(false)));
            assertEquals(ExitStatus.BAD_INPUT, e.status());
            assertTrue(e.getMessage().contains("InvalidSignatureException (HTTP 403)"), e.getMessage());
            assertEquals(List.of("The request signature we calculated does not match the signature you provided"),
                    aws.refusedSignatures());
        } finally {
            credentials();
        }
    }

    @Test
    void anEndpointThatDoesNotAnswerIsUnavailable() throws IOException {
        URI dead = aws.endpoint();
        aws.close();
        try (AwsClients c = AwsClients.open(new AwsOptions(Optional.empty(), Optional.empty(), Optional.of(dead), 1),
                Optional.of(REGION), ControlPlaneRateLimiter.published())) {
            EspfleetException e = assertThrows(EspfleetException.class, () -> new IotUnitRegistrar(c, "p", ca.certificate())
                    .register(ThingName.of("unit-1"), device("unit-1")));
            assertEquals(ExitStatus.UNAVAILABLE, e.status());
            assertTrue(e.getMessage().contains("cannot reach AWS"), e.getMessage());
        }
    }

    @Test
    void aRegionOtherThanTheEndpointsIsRefused() {
        EspfleetException e = assertThrows(EspfleetException.class, () -> AwsClients.open(new AwsOptions(Optional.empty(),
                Optional.of("eu-west-1"), Optional.empty()), Optional.of(REGION), ControlPlaneRateLimiter.published()));
        assertEquals(ExitStatus.BAD_INPUT, e.status());
        assertTrue(e.getMessage().startsWith("--region eu-west-1 differs from the region of the fleet's endpoint"));
    }

    @Test
    void theRateLimiterSpacesCallsOfOneOperation() {
        ControlPlaneRateLimiter limiter = new ControlPlaneRateLimiter(op -> 10.0);
        long t = 1_000_000_000L;
        assertEquals(0, limiter.reserve("RegisterCertificate", t));
        assertEquals(100_000_000L, limiter.reserve("RegisterCertificate", t));
        assertEquals(200_000_000L, limiter.reserve("RegisterCertificate", t));
        assertEquals(0, limiter.reserve("CreateThing", t), "each operation has its own limit");
        assertEquals(0, limiter.reserve("RegisterCertificate", t + 1_000_000_000L), "a quiet second frees the slots");
    }
}
