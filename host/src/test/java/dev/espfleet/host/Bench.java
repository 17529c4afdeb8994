package dev.espfleet.host;

import dev.espfleet.generator.config.DeviceConfig;
import dev.espfleet.model.AwsEndpoint;
import dev.espfleet.model.ThingName;
import dev.espfleet.provisioning.CertificateAuthority;
import dev.espfleet.provisioning.CertificateSource;
import dev.espfleet.provisioning.DevicePolicy;
import dev.espfleet.provisioning.DeviceSubject;
import dev.espfleet.provisioning.IdentityLayout;
import dev.espfleet.provisioning.KeyType;
import dev.espfleet.provisioning.Pem;
import dev.espfleet.provisioning.ServerCa;
import dev.espfleet.provisioning.UnitProvisioner;
import dev.espfleet.provisioning.UnitRequest;
import dev.espfleet.provisioning.ValidityPeriod;
import java.net.InetAddress;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;

/**
 * Test support: an offline bench as a team would set it up with espfleet's provisioning library: a local
 * CA, a broker certificate for localhost, and units provisioned with the broker's CA as their server CA.
 */
final class Bench {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final DevicePolicy POLICY = new DevicePolicy("espfleet-device", "{}\n");

    final Path dir;
    final Path caDir;
    final CertificateAuthority ca;
    final Path serverCert;
    final Path serverKey;

    private Bench(Path dir, Path caDir, CertificateAuthority ca, Path serverCert, Path serverKey) {
        this.dir = dir;
        this.caDir = caDir;
        this.ca = ca;
        this.serverCert = serverCert;
        this.serverKey = serverKey;
    }

    static Bench create(Path dir) throws Exception {
        Instant now = Instant.now();
        Path caDir = dir.resolve("ca");
        CertificateAuthority ca = CertificateAuthority.createRoot("bench CA", Optional.of("espfleet tests"),
                KeyType.EC_P256, ValidityPeriod.days(now.minusSeconds(3600), 2), RANDOM);
        ca.saveNew(caDir);
        KeyPair serverKeys = KeyType.EC_P256.generate(RANDOM);
        X509Certificate server = ca.issueServerCertificate(serverKeys.getPublic(), "localhost", List.of("localhost"),
                List.of(InetAddress.getLoopbackAddress()), ValidityPeriod.days(now.minusSeconds(3600), 2), RANDOM);
        Path brokerDir = dir.resolve("broker-keys");
        Pem.writeCertificates(brokerDir.resolve("server.pem"), List.of(server));
        Pem.writePrivateKey(brokerDir.resolve("server.key.pem"), serverKeys.getPrivate());
        return new Bench(dir, caDir, ca, brokerDir.resolve("server.pem"), brokerDir.resolve("server.key.pem"));
    }

    /** What {@code espfleet provision --thing T --ca ca --server-ca ca/ca.pem --endpoint localhost} writes. */
    Path provision(String thing) {
        return provision(thing, IdentityLayout.DEFAULT, 0x6000);
    }

    /** A unit whose server CA is Amazon Root CA 1 (provision's default): it must not trust the bench broker. */
    Path provisionForAws(String thing) {
        Instant now = Instant.now();
        Path unit = dir.resolve("units").resolve(thing);
        new UnitProvisioner(RANDOM).provision(new UnitRequest(unit, DeviceSubject.of(ThingName.of(thing), "espfleet tests", null),
                KeyType.EC_P256, Optional.of(AwsEndpoint.of("localhost")),
                new CertificateSource.LocalCa(ca, caDir.toString(), OptionalInt.empty()),
                ServerCa.resolve(Optional.empty(), ServerCa.AMAZON_ROOT_CA_1, now), POLICY, IdentityLayout.DEFAULT,
                0x6000, Optional.empty(), false), now);
        return unit;
    }

    /** The same, for a config's own identity layout (NVS partition, namespace, key names). */
    Path provision(String thing, DeviceConfig config) {
        DeviceConfig.Identity id = config.identity();
        return provision(thing, new IdentityLayout(id.partition(), id.namespace(), id.thingNameKey(), id.endpointKey(),
                id.deviceCertKey(), id.privateKeyKey(), id.serverCaKey()), id.partitionSize());
    }

    /** The policy only goes into the unit's aws/ files, which a local broker never reads. */
    private Path provision(String thing, IdentityLayout layout, int partitionSize) {
        Instant now = Instant.now();
        Path unit = dir.resolve("units").resolve(thing);
        UnitRequest request = new UnitRequest(unit, DeviceSubject.of(ThingName.of(thing), "espfleet tests", null), KeyType.EC_P256,
                Optional.of(AwsEndpoint.of("localhost")), new CertificateSource.LocalCa(ca, caDir.toString(), OptionalInt.empty()),
                ServerCa.resolve(Optional.of(caDir.resolve(CertificateAuthority.CERTIFICATE_FILE)),
                        ServerCa.AMAZON_ROOT_CA_1, now), POLICY, layout, partitionSize, Optional.empty(), false);
        new UnitProvisioner(RANDOM).provision(request, now);
        return unit;
    }

    Mosquitto startBroker() throws Exception {
        return Mosquitto.start(dir.resolve("broker"), caDir.resolve(CertificateAuthority.CHAIN_FILE), serverCert,
                serverKey);
    }

    /** TLS for a test-side MQTT client holding the certificate of a unit provisioned as {@code thing}. */
    SSLSocketFactory clientTls(String thing) throws Exception {
        Path unit = provision(thing);
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("client", Pem.readPrivateKey(unit.resolve("key.pem")), new char[0],
                Pem.readCertificates(unit.resolve("cert.pem")).toArray(new Certificate[0]));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, new char[0]);
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", ca.root());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), tmf.getTrustManagers(), RANDOM);
        return tls.getSocketFactory();
    }
}
