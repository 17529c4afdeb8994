package dev.espfleet.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.espfleet.host.DeviceKeysInTheLoopTest.Console;
import dev.espfleet.host.DeviceKeysInTheLoopTest.Frame;
import dev.espfleet.provisioning.CertificateAuthority;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * identity.claim, in the loop: env-sensor with keys born on the device and a claim template, built with the host
 * runtime under ASan and UBSan, boots with nothing but a claim identity (the claim certificate and key the whole
 * product shares, thing name, endpoint, server CA). Against mosquitto and the Fleet Provisioning stand-in it has its
 * CSR signed, registers its thing, stores the certificate and reconnects as the thing.
 */
class FleetProvisioningInTheLoopTest {
    static final Path HOST = Path.of("").toAbsolutePath();
    static final Duration WAIT = Duration.ofSeconds(30);
    static final String TEMPLATE = "env-sensor-claim";
    static final String CLAIM = "claim-env-sensor";

    @TempDir
    static Path dir;
    static Bench bench;
    static HostRun run;
    static String templateBody;
    static javax.net.ssl.SSLSocketFactory serviceTls;

    @BeforeAll
    static void build() throws Exception {
        assumeTrue(Mosquitto.installed(), "mosquitto is not installed (apt-get install mosquitto)");
        bench = Bench.create(dir);
        Path config = dir.resolve("claim.yaml");
        Files.writeString(config, Files.readString(HOST.resolve("../examples/env-sensor.yaml"))
                .replace("identity:\n", "identity:\n  key_source: device\n  claim: {template: " + TEMPLATE + "}\n"));
        run = HostRun.prepare(config, claimUnit("claim-unit-0"), dir.resolve("build"), true);
        // the template the stand-in serves is the one espfleet generated for this config
        templateBody = Files.readString(run.project().resolve("aws/provisioning-template.json"));
        serviceTls = bench.clientTls("fleet-provisioning");
    }

    /** What leaves the bench for a claim: thing name, endpoint, server CA, and the product's claim certificate. */
    static Path claimUnit(String thing) throws Exception {
        Path claim = dir.resolve("units").resolve(CLAIM);
        if (!Files.exists(claim)) {
            bench.provision(CLAIM); // the claim certificate: from the same CA, which mosquitto trusts
        }
        Path unit = Files.createDirectories(dir.resolve("claimed").resolve(thing));
        Files.copy(bench.caDir.resolve(CertificateAuthority.CERTIFICATE_FILE), unit.resolve("server-ca.pem"));
        Files.copy(claim.resolve("cert.pem"), unit.resolve("claim-cert.pem"));
        Files.copy(claim.resolve("key.pem"), unit.resolve("claim-key.pem"));
        Files.writeString(unit.resolve("identity.csv"), "key,type,encoding,value\n"
                + "identity,namespace,,\n"
                + "thing_name,data,string," + thing + "\n"
                + "endpoint,data,string,localhost\n"
                + "server_ca,file,string,server-ca.pem\n"
                + "claim_cert,file,string,claim-cert.pem\n"
                + "claim_key,file,string,claim-key.pem\n");
        return unit;
    }

    @Test
    void aDeviceWithOnlyAClaimGetsItsCertificateRegistersItsThingAndReconnectsAsIt() throws Exception {
        String thing = "claimed-1";
        HostRun unit = run.forUnit(claimUnit(thing), dir.resolve("work-1"));
        try (Mosquitto broker = bench.startBroker()) {
            int mark = broker.logText().length(); // the log file is shared by the tests' brokers
            try (FleetProvisioningStandIn service = FleetProvisioningStandIn.connect(broker, serviceTls, bench.ca,
                    TEMPLATE, templateBody);
                 Console device = Console.start(unit.command(Optional.of(broker.uri())))) {
            device.await(f -> f.kind().equals("state")
                    && f.json().path("milestone").asText().equals("certificate_stored"), WAIT);
            Frame hello = device.await(f -> f.kind().equals("hello") && !f.json().path("cert_sha256").isNull(), WAIT);
            Frame connected = device.await(f -> f.kind().equals("state")
                    && f.json().path("milestone").asText().equals("mqtt_connected"), WAIT);
            assertEquals(thing, connected.json().path("thing").asText());

            // one certificate made, one thing registered with it, from the template's parameters
            assertEquals(1, service.issued().size());
            FleetProvisioningStandIn.Issued issued = service.issued().get(0);
            assertEquals(List.of(new FleetProvisioningStandIn.Registered(thing,
                    Map.of("ThingName", thing, "MacAddress", "02:00:00:00:00:01"), issued.certificateId())),
                    service.registered());
            // the device uses the certificate AWS made, for the key it made
            assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(issued.certificate().getEncoded())), hello.json().path("cert_sha256").asText());
            // mosquitto saw the claim certificate first (its CN is the user), then the thing's
            assertTrue(broker.awaitLogAfter(mark, "u'" + thing + "'", WAIT), broker.log());
            String log = broker.logText().substring(mark);
            int claimAt = log.indexOf("as " + thing + " ");
            assertTrue(claimAt >= 0 && log.indexOf("u'" + CLAIM + "'", claimAt) > claimAt, log);
            assertTrue(log.indexOf("u'" + thing + "'") > log.indexOf("u'" + CLAIM + "'"), log);
            assertFalse(device.text().contains("PRIVATE KEY"), "the console showed a key:" + device.text());
            }
        }
    }

    @Test
    void aRejectedRegistrationIsReportedAsAFailureStoresNothingAndIsTriedAgain() throws Exception {
        String thing = "claimed-2";
        HostRun unit = run.forUnit(claimUnit(thing), dir.resolve("work-2"));
        try (Mosquitto broker = bench.startBroker()) {
            int mark = broker.logText().length(); // the log file is shared by the tests' brokers
            try (FleetProvisioningStandIn service = FleetProvisioningStandIn.connect(broker, serviceTls, bench.ca,
                    TEMPLATE, templateBody);
                 Console device = Console.start(unit.command(Optional.of(broker.uri())))) {
            service.expireNextToken();
            Frame failed = device.await(f -> f.kind().equals("fail") || f.kind().equals("state")
                    && f.json().path("milestone").asText().equals("certificate_stored"), WAIT);
            assertEquals("fail", failed.kind(), "a certificate was stored with an expired token:\n" + device.text());
            assertEquals("identity", failed.json().path("stage").asText());
            assertEquals("RegisterThing rejected: 400 InvalidCertificateOwnershipToken",
                    failed.json().path("detail").asText());
            assertTrue(device.text().contains("RegisterThing rejected: Certificate ownership token is invalid or"
                    + " expired."), device.text());
            assertEquals(List.of("$aws/provisioning-templates/" + TEMPLATE + "/provision/json 400"
                    + " InvalidCertificateOwnershipToken"), service.rejections());
            assertEquals(List.of(), service.registered());
            assertFalse(broker.logText().substring(mark).contains("u'" + thing + "'"),
                    "connected as the thing:\n" + broker.log());

            // after its backoff it asks again, with a new CSR and token, and goes on as its thing
            device.await(f -> f.kind().equals("state") && f.json().path("milestone").asText().equals("mqtt_connected"),
                    WAIT);
            assertEquals(2, service.issued().size());
            assertEquals(service.issued().get(1).certificateId(), service.registered().get(0).certificateId());
            }
        }
    }

    @Test
    void aCertificateForAnotherKeyIsRefusedBeforeTheThingIsRegistered() throws Exception {
        String thing = "claimed-3";
        HostRun unit = run.forUnit(claimUnit(thing), dir.resolve("work-3"));
        try (Mosquitto broker = bench.startBroker()) {
            try (FleetProvisioningStandIn service = FleetProvisioningStandIn.connect(broker, serviceTls, bench.ca,
                    TEMPLATE, templateBody);
                 Console device = Console.start(unit.command(Optional.of(broker.uri())))) {
                service.answerNextWith(dev.espfleet.provisioning.Pem.readCertificate(
                        bench.provision("someone-else").resolve("cert.pem")));
                Frame failed = device.await(f -> f.kind().equals("fail") || f.kind().equals("state")
                        && f.json().path("milestone").asText().equals("certificate_stored"), WAIT);
                assertEquals("fail", failed.kind(), "a certificate for another key was stored:\n" + device.text());
                assertEquals("the certificate is not for this device's key", failed.json().path("detail").asText());
                // its token was never used: nothing registered with a certificate the device cannot use
                assertEquals(List.of(), service.registered());
                device.await(f -> f.kind().equals("state")
                        && f.json().path("milestone").asText().equals("mqtt_connected"), WAIT);
                assertEquals(2, service.issued().size());
                assertEquals(service.issued().get(1).certificateId(), service.registered().get(0).certificateId());
            }
        }
    }
}
