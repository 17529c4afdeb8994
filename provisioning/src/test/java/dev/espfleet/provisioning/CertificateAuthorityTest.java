package dev.espfleet.provisioning;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.model.ThingName;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.SubjectKeyIdentifier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateAuthorityTest {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Instant NOW = Instant.now();

    static CertificateAuthority root(String name) {
        return CertificateAuthority.createRoot(name, Optional.of("Acme"), KeyType.EC_P256,
                ValidityPeriod.days(NOW, 365), RANDOM);
    }

    @Test
    void rootIsSelfSignedCaWithRandom128BitPositiveSerial() {
        CertificateAuthority ca = root("test root");
        X509Certificate c = ca.certificate();
        assertEquals(c.getSubjectX500Principal(), c.getIssuerX500Principal());
        assertTrue(IdentityChecks.signedBy(c, c.getPublicKey()));
        assertTrue(c.getBasicConstraints() >= 0, "CA:true");
        assertTrue(c.getKeyUsage()[5], "keyCertSign");
        BigInteger serial = c.getSerialNumber();
        assertEquals(1, serial.signum());
        assertTrue(serial.bitLength() <= 128 && serial.bitLength() > 64, "bits: " + serial.bitLength());
        assertFalse(serial.equals(root("other root").certificate().getSerialNumber()));
    }

    @Test
    void issuesDeviceCertificateForClientAuthWithKeyIdentifiers() throws Exception {
        CertificateAuthority ca = root("test root");
        KeyPair device = KeyType.EC_P256.generate(RANDOM);
        var csr = CertificateRequests.create(device, DeviceSubject.of(ThingName.of("dev-001"), "Acme", "DE"));
        X509Certificate cert = ca.issueDeviceCertificate(csr, "csr", ValidityPeriod.days(NOW, 30), RANDOM);

        assertEquals("C=DE,O=Acme,CN=dev-001", cert.getSubjectX500Principal().getName());
        assertEquals(-1, cert.getBasicConstraints(), "CA:false");
        boolean[] usage = cert.getKeyUsage();
        assertTrue(usage[0], "digitalSignature");
        for (int i = 1; i < usage.length; i++) {
            assertFalse(usage[i], "only digitalSignature, but bit " + i + " is set");
        }
        assertEquals(List.of("1.3.6.1.5.5.7.3.2"), cert.getExtendedKeyUsage());
        assertArrayEquals(device.getPublic().getEncoded(), cert.getPublicKey().getEncoded());
        byte[] ski = SubjectKeyIdentifier.getInstance(ASN1OctetString.getInstance(
                cert.getExtensionValue(Extension.subjectKeyIdentifier.getId())).getOctets()).getKeyIdentifier();
        byte[] caSki = SubjectKeyIdentifier.getInstance(ASN1OctetString.getInstance(
                ca.certificate().getExtensionValue(Extension.subjectKeyIdentifier.getId())).getOctets())
                .getKeyIdentifier();
        byte[] aki = AuthorityKeyIdentifier.getInstance(ASN1OctetString.getInstance(
                cert.getExtensionValue(Extension.authorityKeyIdentifier.getId())).getOctets()).getKeyIdentifier();
        assertEquals(20, ski.length);
        assertArrayEquals(caSki, aki);
        IdentityChecks.requireIssuedBy(cert, "cert", ca.chain(), "ca");
    }

    @Test
    void intermediateChainsToRootAndIssuesDevices() {
        CertificateAuthority root = root("test root");
        CertificateAuthority intermediate = root.createIntermediate("test intermediate", Optional.empty(),
                KeyType.EC_P256, ValidityPeriod.days(NOW, 100), RANDOM);
        assertEquals(2, intermediate.chain().size());
        assertEquals(root.certificate(), intermediate.root());
        assertEquals(0, intermediate.certificate().getBasicConstraints(), "pathLen 0");
        IdentityChecks.requireChain(intermediate.chain(), "chain");
        var csr = CertificateRequests.create(KeyType.EC_P256.generate(RANDOM), DeviceSubject.of(ThingName.of("d"), null, null));
        X509Certificate cert = intermediate.issueDeviceCertificate(csr, "csr", ValidityPeriod.days(NOW, 30), RANDOM);
        IdentityChecks.requireIssuedBy(cert, "cert", intermediate.chain(), "intermediate");
    }

    @Test
    void refusesCertificateOutlivingTheCa() {
        CertificateAuthority ca = root("short root");
        var csr = CertificateRequests.create(KeyType.EC_P256.generate(RANDOM), DeviceSubject.of(ThingName.of("d"), null, null));
        EspfleetException e = assertThrows(EspfleetException.class,
                () -> ca.issueDeviceCertificate(csr, "csr", ValidityPeriod.days(NOW, 400), RANDOM));
        assertEquals(ExitStatus.BAD_INPUT, e.status());
        assertTrue(e.getMessage().startsWith("the requested validity of the certificate ends "), e.getMessage());
        assertTrue(e.getMessage().endsWith("; ask for fewer days"), e.getMessage());
    }

    @Test
    void defaultValidityIsClampedToTheCa() {
        CertificateAuthority ca = root("short root");
        ValidityPeriod v = ca.validityWithin(NOW, 3650);
        assertEquals(ca.certificate().getNotAfter().toInstant(), v.notAfter());
        assertTrue(Duration.between(v.notBefore(), NOW).toMinutes() >= 4, "backdated for clock skew");
    }

    @Test
    void savesKeyOwnerOnlyAndLoadsItBack(@TempDir Path dir) throws Exception {
        CertificateAuthority ca = root("saved root");
        ca.saveNew(dir);
        assertEquals("rw-------", PosixFilePermissions.toString(
                Files.getPosixFilePermissions(dir.resolve(CertificateAuthority.KEY_FILE))));
        CertificateAuthority loaded = CertificateAuthority.load(dir, NOW);
        assertEquals(ca.certificate(), loaded.certificate());
    }

    @Test
    void refusesToReplaceAnExistingCa(@TempDir Path dir) {
        root("first").saveNew(dir);
        EspfleetException e = assertThrows(EspfleetException.class, () -> root("second").saveNew(dir));
        assertEquals(ExitStatus.BAD_INPUT, e.status());
        assertEquals(dir + " already holds a CA (ca.pem/ca.key.pem); refusing to replace it: certificates it "
                + "issued would no longer verify", e.getMessage());
    }

    @Test
    void refusesToLoadCaWhoseKeyDoesNotMatch(@TempDir Path dir) {
        root("first").saveNew(dir);
        Pem.writePrivateKey(dir.resolve(CertificateAuthority.KEY_FILE), KeyType.EC_P256.generate(RANDOM).getPrivate());
        EspfleetException e = assertThrows(EspfleetException.class, () -> CertificateAuthority.load(dir, NOW));
        assertEquals(ExitStatus.BAD_INPUT, e.status());
        assertEquals(dir.resolve("chain.pem") + " does not match the private key " + dir.resolve("ca.key.pem")
                + ": they are not a key pair", e.getMessage());
    }

    @Test
    void refusesFolderWithoutCa(@TempDir Path dir) {
        EspfleetException e = assertThrows(EspfleetException.class, () -> CertificateAuthority.load(dir, NOW));
        assertEquals(ExitStatus.BAD_INPUT, e.status());
        assertEquals(dir + " is not an espfleet CA: expected ca.pem and ca.key.pem in it", e.getMessage());
        assertEquals(Optional.of("create one with 'espfleet ca init --out " + dir + "'"), e.hint());
    }

    @Test
    void refusesCsrWhoseCommonNameIsNotAThingName() {
        CertificateAuthority ca = root("test root");
        KeyPair keys = KeyType.EC_P256.generate(RANDOM);
        var csr = new org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder(
                new org.bouncycastle.asn1.x500.X500Name("CN=bad name,O=Acme"), keys.getPublic())
                .build(CertificateRequests.signer(keys.getPrivate()));
        EspfleetException e = assertThrows(EspfleetException.class,
                () -> ca.issueDeviceCertificate(csr, "x.csr", ValidityPeriod.days(NOW, 1), RANDOM));
        assertEquals(ExitStatus.BAD_INPUT, e.status());
        assertEquals("invalid thing name 'bad name': expected 1-128 characters of [a-zA-Z0-9:_-], but it "
                + "contains ' '", e.getMessage());
    }
}
