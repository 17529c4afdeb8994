package dev.espfleet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.espfleet.host.Mosquitto;
import dev.espfleet.model.ThingName;
import dev.espfleet.provisioning.CertificateAuthority;
import dev.espfleet.provisioning.CertificateRequests;
import dev.espfleet.provisioning.DeviceSubject;
import dev.espfleet.provisioning.KeyType;
import dev.espfleet.provisioning.Pem;
import dev.espfleet.provisioning.ValidityPeriod;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real TLS proof: a broker that trusts only the tool's CA accepts a device provisioned by the tool, with
 * the thing name as its identity, and refuses certificates from another CA, expired ones, and a
 * certificate presented with the wrong key. Needs Debian's mosquitto; skipped only when it is missing.
 */
class MosquittoTlsTest {
    private static final SecureRandom RANDOM = new SecureRandom();

    @TempDir
    static Path dir;
    private static Mosquitto broker;
    private static CertificateAuthority ca;
    private static Path unit;

    @BeforeAll
    static void startBrokerTrustingToolCa() throws Exception {
        assumeTrue(Mosquitto.installed(), "mosquitto is not installed (apt-get install mosquitto)");
        Path caDir = dir.resolve("ca");
        Cli.run("ca", "init", "--out", caDir.toString(), "--name", "bench CA").ok();
        unit = dir.resolve("units/dev-001");
        Cli.run("provision", "--config", deviceConfig(dir).toString(), "--thing", "dev-001", "--out", unit.toString(), "--ca", caDir.toString(),
                "--endpoint", "localhost", "--server-ca", caDir.resolve("ca.pem").toString()).ok();

        ca = CertificateAuthority.load(caDir, Instant.now());
        KeyPair serverKeys = KeyType.EC_P256.generate(RANDOM);
        X509Certificate serverCert = ca.issueServerCertificate(serverKeys.getPublic(), "localhost",
                List.of("localhost"), List.of(InetAddress.getLoopbackAddress()),
                ValidityPeriod.days(Instant.now(), 1), RANDOM);
        Path brokerDir = dir.resolve("broker");
        Pem.writeCertificates(brokerDir.resolve("server.pem"), List.of(serverCert));
        Pem.writePrivateKey(brokerDir.resolve("server.key.pem"), serverKeys.getPrivate());
        broker = Mosquitto.start(brokerDir, caDir.resolve("chain.pem"), brokerDir.resolve("server.pem"),
                brokerDir.resolve("server.key.pem"));
    }

    /** A device config for units that talk to this broker (endpoint localhost; tests pass --endpoint too). */
    static Path deviceConfig(Path dir) throws IOException {
        Path config = dir.resolve("device.yaml");
        Files.writeString(config, "product:\n  name: tls-proof\n  firmware_version: 1.0.0\n"
                + "aws:\n  endpoint: localhost.localdomain\n");
        return config;
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    private static int logMark;

    private static MqttConnectProbe.Outcome connect(PrivateKey key, List<X509Certificate> chain, String clientId)
            throws Exception {
        logMark = broker.logText().length();
        return MqttConnectProbe.connect(broker.port(), "localhost", List.of(ca.root()), key, chain, clientId);
    }

    /** No CONNACK, and the broker logged the TLS failure (the refusal was the broker's, for the certificate). */
    private static void assertRefusedByTls(MqttConnectProbe.Outcome outcome) throws InterruptedException {
        assertFalse(outcome.connackReceived(), outcome.toString());
        assertTrue(broker.alive(), "mosquitto died" + broker.log());
        assertTrue(broker.awaitLogAfter(logMark, "OpenSSL Error", Duration.ofSeconds(5)),
                "expected mosquitto to log the TLS failure; " + outcome + broker.log());
    }

    @Test
    void deviceProvisionedByToolConnectsWithThingNameAsIdentity() throws Exception {
        MqttConnectProbe.Outcome outcome = connect(Pem.readPrivateKey(unit.resolve("key.pem")),
                Pem.readCertificates(unit.resolve("cert.pem")), "dev-001");
        assertTrue(outcome.accepted(), outcome + broker.log());
        assertTrue(broker.logText().contains(" as dev-001 (p2, c1, k60, u'dev-001')"),
                "the broker should take the user name from the certificate's CN" + broker.log());
    }

    @Test
    void deviceUnderIntermediateCaConnectsPresentingItsChain() throws Exception {
        Path intermediate = dir.resolve("intermediate");
        Cli.run("ca", "init", "--out", intermediate.toString(), "--root", dir.resolve("ca").toString()).ok();
        Path unit2 = dir.resolve("units/dev-002");
        Cli.run("provision", "--config", deviceConfig(dir).toString(), "--thing", "dev-002", "--out", unit2.toString(), "--ca", intermediate.toString(),
                "--endpoint", "localhost", "--server-ca", dir.resolve("ca/ca.pem").toString()).ok();
        List<X509Certificate> chain = new java.util.ArrayList<>(Pem.readCertificates(unit2.resolve("cert.pem")));
        chain.add(Pem.readCertificate(intermediate.resolve("ca.pem")));
        MqttConnectProbe.Outcome outcome = connect(Pem.readPrivateKey(unit2.resolve("key.pem")), chain, "dev-002");
        assertTrue(outcome.accepted(), outcome + broker.log());
    }

    @Test
    void certificateFromAnotherCaIsRefused() throws Exception {
        Path otherCa = dir.resolve("other-ca");
        Cli.run("ca", "init", "--out", otherCa.toString(), "--name", "bench CA").ok();
        Path otherUnit = dir.resolve("units/intruder");
        Cli.run("provision", "--config", deviceConfig(dir).toString(), "--thing", "intruder", "--out", otherUnit.toString(), "--ca", otherCa.toString(),
                "--endpoint", "localhost", "--server-ca", otherCa.resolve("ca.pem").toString()).ok();
        MqttConnectProbe.Outcome outcome = connect(Pem.readPrivateKey(otherUnit.resolve("key.pem")),
                Pem.readCertificates(otherUnit.resolve("cert.pem")), "intruder");
        assertFalse(outcome.accepted(), outcome.toString());
        assertRefusedByTls(outcome);
    }

    @Test
    void expiredCertificateIsRefused() throws Exception {
        KeyPair keys = KeyType.EC_P256.generate(RANDOM);
        Instant now = Instant.now();
        X509Certificate expired = ca.issueDeviceCertificate(
                CertificateRequests.create(keys, DeviceSubject.of(ThingName.of("dev-expired"), null, null)), "csr",
                new ValidityPeriod(now.minus(Duration.ofDays(30)), now.minus(Duration.ofDays(1))), RANDOM);
        MqttConnectProbe.Outcome outcome = connect(keys.getPrivate(), List.of(expired), "dev-expired");
        assertFalse(outcome.accepted(), outcome.toString());
        assertRefusedByTls(outcome);
    }

    @Test
    void certificatePresentedWithWrongKeyIsRefused() throws Exception {
        PrivateKey wrongKey = KeyType.EC_P256.generate(RANDOM).getPrivate();
        MqttConnectProbe.Outcome outcome = connect(wrongKey, Pem.readCertificates(unit.resolve("cert.pem")),
                "dev-001");
        assertFalse(outcome.accepted(), outcome.toString());
        assertRefusedByTls(outcome);
    }

    @Test
    void connectPacketIsMqtt311() {
        assertEquals("10 13 00 04 4d 51 54 54 04 02 00 3c 00 07 64 65 76 2d 30 30 31",
                java.util.HexFormat.ofDelimiter(" ").formatHex(MqttConnectProbe.connectPacket("dev-001")));
    }
}
