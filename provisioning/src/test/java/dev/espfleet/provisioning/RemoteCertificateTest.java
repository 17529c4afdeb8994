package dev.espfleet.provisioning;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.model.AwsEndpoint;
import dev.espfleet.model.ThingName;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A unit's certificate signed elsewhere ({@link CertificateSource.Remote}, AWS IoT's CreateCertificateFromCsr): asked
 * for only when the unit has none for its key, checked before anything is written.
 */
class RemoteCertificateTest {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Instant NOW = Instant.now();
    private static final DevicePolicy POLICY = new DevicePolicy("p", "{}\n");
    private static CertificateAuthority amazon;
    private static ServerCa serverCa;

    @TempDir
    Path tmp;

    /** A signer standing for AWS IoT: its own CA, and every request it was asked to sign. */
    static final class Signer implements CsrSigner {
        final List<PKCS10CertificationRequest> asked = new ArrayList<>();
        final Function<PKCS10CertificationRequest, X509Certificate> answer;

        Signer(Function<PKCS10CertificationRequest, X509Certificate> answer) {
            this.answer = answer;
        }

        @Override
        public String describe() {
            return "AWS IoT stand-in";
        }

        @Override
        public X509Certificate sign(ThingName thing, PKCS10CertificationRequest csr) {
            asked.add(csr);
            return answer.apply(csr);
        }
    }

    @BeforeAll
    static void makeCas() {
        amazon = CertificateAuthorityTest.root("amazon stand-in");
        serverCa = new ServerCa(List.of(CertificateAuthorityTest.root("broker root").certificate()), Path.of("b.pem"));
    }

    private static X509Certificate signed(PKCS10CertificationRequest csr) {
        return amazon.issueDeviceCertificate(csr, "csr", ValidityPeriod.days(NOW, 30), RANDOM);
    }

    private UnitRequest request(String thing, CsrSigner signer) {
        return new UnitRequest(tmp.resolve("units").resolve(thing), DeviceSubject.of(ThingName.of(thing), "Acme", null),
                KeyType.EC_P256, Optional.of(AwsEndpoint.of("localhost")), new CertificateSource.Remote(signer),
                serverCa, POLICY, IdentityLayout.DEFAULT, 0x6000, Optional.empty(), false);
    }

    @Test
    void aHostKeyUnitGetsTheSignersCertificateInItsImageAndKeepsItOnRework() throws Exception {
        Signer signer = new Signer(RemoteCertificateTest::signed);
        UnitProvisioner provisioner = new UnitProvisioner(RANDOM);
        UnitProvisioner.Report first = provisioner.provision(request("dev-001", signer), NOW);
        X509Certificate cert = first.certificate().orElseThrow();
        cert.verify(amazon.certificate().getPublicKey());
        Path dir = tmp.resolve("units/dev-001");
        assertArrayEquals(KeyType.publicKeyOf(Pem.readPrivateKey(dir.resolve("key.pem"))).getEncoded(),
                cert.getPublicKey().getEncoded());
        assertEquals(cert, Pem.readCertificate(dir.resolve("cert.pem")));
        assertTrue(first.identityImage().isPresent());
        assertFalse(Files.exists(dir.resolve("aws/ca.pem")), "no local CA to register");
        assertEquals(1, signer.asked.size());

        UnitProvisioner.Report again = provisioner.provision(request("dev-001", signer), NOW);
        assertEquals(cert, again.certificate().orElseThrow());
        assertEquals(1, signer.asked.size(), "a certificate for the unit's key is never asked for again");
        assertTrue(again.lines().contains("cert.pem: reused, valid until " + cert.getNotAfter().toInstant()),
                again.lines().toString());
    }

    @Test
    void aDeviceKeyGetsOneCertificateForItsKeyAndANewKeyANewOne() {
        Signer signer = new Signer(RemoteCertificateTest::signed);
        UnitProvisioner provisioner = new UnitProvisioner(RANDOM);
        provisioner.prepareForDeviceKey(request("dev-002", signer), NOW);
        KeyPair device = KeyType.EC_P256.generate(RANDOM);
        PKCS10CertificationRequest csr = CertificateRequests.create(device, DeviceSubject.of(ThingName.of("dev-002"),
                null, null));
        X509Certificate first = provisioner.certifyDeviceKey(request("dev-002", signer), csr, "csr", NOW).certificate()
                .orElseThrow();
        assertArrayEquals(device.getPublic().getEncoded(), first.getPublicKey().getEncoded());
        assertEquals(first, provisioner.certifyDeviceKey(request("dev-002", signer), csr, "csr", NOW).certificate()
                .orElseThrow());
        assertEquals(1, signer.asked.size());
        KeyPair newKey = KeyType.EC_P256.generate(RANDOM);
        X509Certificate second = provisioner.certifyDeviceKey(request("dev-002", signer), CertificateRequests.create(
                newKey, DeviceSubject.of(ThingName.of("dev-002"), null, null)), "csr", NOW).certificate().orElseThrow();
        assertArrayEquals(newKey.getPublic().getEncoded(), second.getPublicKey().getEncoded());
        assertEquals(2, signer.asked.size());
        assertFalse(Files.exists(tmp.resolve("units/dev-002/key.pem")));
    }

    @Test
    void aCertificateForAnotherKeyFailsTheUnitAndNothingIsWritten() {
        KeyPair other = KeyType.EC_P256.generate(RANDOM);
        Signer signer = new Signer(csr -> signed(CertificateRequests.create(other, DeviceSubject.of(
                ThingName.of("dev-003"), "Acme", null))));
        EspfleetException e = assertThrows(EspfleetException.class,
                () -> new UnitProvisioner(RANDOM).provision(request("dev-003", signer), NOW));
        assertEquals(ExitStatus.JOB_FAILED, e.status());
        assertTrue(e.getMessage().startsWith("the certificate AWS IoT stand-in returned for dev-003 (")
                && e.getMessage().endsWith("cannot serve the unit: it is for another key than the request's"),
                e.getMessage());
        assertFalse(Files.exists(tmp.resolve("units/dev-003/key.pem")));
        assertFalse(Files.exists(tmp.resolve("units/dev-003/cert.pem")));
    }

    @Test
    void aCertificateForTheKeyButAnotherThingFailsTheUnit() {
        Signer signer = new Signer(csr -> certificate(CertificateRequests.publicKey(csr), "dev-999"));
        EspfleetException e = assertThrows(EspfleetException.class,
                () -> new UnitProvisioner(RANDOM).provision(request("dev-004", signer), NOW));
        assertEquals(ExitStatus.JOB_FAILED, e.status());
        assertTrue(e.getMessage().endsWith("cannot serve the unit: its CN is 'dev-999', not the thing name"),
                e.getMessage());
        assertFalse(Files.exists(tmp.resolve("units/dev-004/cert.pem")));
    }

    /** A client certificate from the stand-in CA for {@code key} naming {@code cn}, whatever the request said. */
    private static X509Certificate certificate(java.security.PublicKey key, String cn) {
        try {
            var builder = new org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder(amazon.certificate(),
                    java.math.BigInteger.valueOf(RANDOM.nextLong() & Long.MAX_VALUE), java.util.Date.from(NOW),
                    java.util.Date.from(NOW.plusSeconds(86400)), new javax.security.auth.x500.X500Principal("CN=" + cn),
                    key).addExtension(org.bouncycastle.asn1.x509.Extension.extendedKeyUsage, false,
                    new org.bouncycastle.asn1.x509.ExtendedKeyUsage(org.bouncycastle.asn1.x509.KeyPurposeId.id_kp_clientAuth));
            var signer = new org.bouncycastle.operator.jcajce.JcaContentSignerBuilder(
                    KeyType.signatureAlgorithmFor(amazon.privateKey())).build(amazon.privateKey());
            return new org.bouncycastle.cert.jcajce.JcaX509CertificateConverter().getCertificate(builder.build(signer));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void aSignerThatRefusesFailsTheUnitWithItsReasonAndNothingIsWritten() {
        Signer refusing = new Signer(csr -> {
            throw new EspfleetException(ExitStatus.JOB_FAILED, "AWS IoT did not sign dev-005's certificate request: "
                    + "InvalidRequestException");
        });
        EspfleetException e = assertThrows(EspfleetException.class,
                () -> new UnitProvisioner(RANDOM).provision(request("dev-005", refusing), NOW));
        assertEquals("AWS IoT did not sign dev-005's certificate request: InvalidRequestException", e.getMessage());
        assertFalse(Files.exists(tmp.resolve("units/dev-005/key.pem")));
    }
}
