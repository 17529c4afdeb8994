package dev.espfleet.provisioning;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.model.ThingName;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class IdentityChecksTest {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");
    private static CertificateAuthority ca;
    private static KeyPair device;
    private static X509Certificate cert;
    private static KeyPair rsaDevice;

    @BeforeAll
    static void issue() {
        ca = CertificateAuthority.createRoot("checks root", Optional.empty(), KeyType.EC_P256,
                new ValidityPeriod(NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(400))), RANDOM);
        device = KeyType.EC_P256.generate(RANDOM);
        cert = ca.issueDeviceCertificate(CertificateRequests.create(device, DeviceSubject.of(ThingName.of("dev-1"), null, null)),
                "csr", new ValidityPeriod(NOW.minus(Duration.ofDays(1)), NOW.plus(Duration.ofDays(30))), RANDOM);
        // RSA keys are slow to generate: one for the whole class.
        rsaDevice = KeyType.RSA_2048.generate(RANDOM);
    }

    @Test
    void acceptsCertificateWithItsOwnKey() {
        assertDoesNotThrow(() -> IdentityChecks.requireKeyMatches(cert, "cert.pem", device.getPrivate(), "key.pem"));
    }

    @Test
    void rejectsCertificateWithAnotherKeyOfTheSameType() {
        KeyPair other = KeyType.EC_P256.generate(RANDOM);
        EspfleetException e = assertThrows(EspfleetException.class,
                () -> IdentityChecks.requireKeyMatches(cert, "cert.pem", other.getPrivate(), "key.pem"));
        assertEquals(ExitStatus.BAD_INPUT, e.status());
        assertEquals("cert.pem does not match the private key key.pem: they are not a key pair", e.getMessage());
    }

    @Test
    void rejectsCertificateWithKeyOfAnotherAlgorithm() {
        EspfleetException e = assertThrows(EspfleetException.class,
                () -> IdentityChecks.requireKeyMatches(cert, "cert.pem", rsaDevice.getPrivate(), "key.pem"));
        assertEquals(ExitStatus.BAD_INPUT, e.status());
        assertEquals("cert.pem does not match the private key key.pem: the certificate holds a EC 256-bit key, "
                + "the private key is RSA-2048", e.getMessage());
    }

    @Test
    void rejectsExpiredCertificate() {
        Instant later = NOW.plus(Duration.ofDays(31));
        EspfleetException e = assertThrows(EspfleetException.class,
                () -> IdentityChecks.requireValidAt(cert, "cert.pem", later));
        assertEquals(ExitStatus.BAD_INPUT, e.status());
        assertEquals("cert.pem expired at " + cert.getNotAfter().toInstant() + " (now " + later + ")",
                e.getMessage());
    }

    @Test
    void rejectsCertificateNotYetValid() {
        Instant earlier = NOW.minus(Duration.ofDays(2));
        EspfleetException e = assertThrows(EspfleetException.class,
                () -> IdentityChecks.requireValidAt(cert, "cert.pem", earlier));
        assertEquals(ExitStatus.BAD_INPUT, e.status());
        assertEquals("cert.pem is not valid until " + cert.getNotBefore().toInstant() + " (now " + earlier
                + "); check the clock of this machine", e.getMessage());
    }

    @Test
    void rejectsCertificateFromAnotherCa() {
        CertificateAuthority other = CertificateAuthority.createRoot("other root", Optional.empty(),
                KeyType.EC_P256, ValidityPeriod.days(NOW, 10), RANDOM);
        EspfleetException e = assertThrows(EspfleetException.class,
                () -> IdentityChecks.requireIssuedBy(cert, "cert.pem", other.chain(), "ca/"));
        assertEquals(ExitStatus.BAD_INPUT, e.status());
        assertEquals("cert.pem does not chain to the CA ca/: it was issued by 'CN=checks root', the CA is "
                + "'CN=other root'", e.getMessage());
    }

    @Test
    void rejectsCertificateFromCaWithSameNameButAnotherKey() {
        CertificateAuthority impostor = CertificateAuthority.createRoot("checks root", Optional.empty(),
                KeyType.EC_P256, ValidityPeriod.days(NOW, 10), RANDOM);
        EspfleetException e = assertThrows(EspfleetException.class,
                () -> IdentityChecks.requireIssuedBy(cert, "cert.pem", impostor.chain(), "ca/"));
        assertEquals("cert.pem does not chain to the CA ca/: it was issued by 'CN=checks root', the CA is "
                + "'CN=checks root' (same name, different key)", e.getMessage());
    }

    @Test
    void rejectsBrokenChain() {
        CertificateAuthority other = CertificateAuthority.createRoot("other root", Optional.empty(),
                KeyType.EC_P256, ValidityPeriod.days(NOW, 10), RANDOM);
        EspfleetException e = assertThrows(EspfleetException.class,
                () -> IdentityChecks.requireChain(List.of(cert, other.certificate()), "chain.pem"));
        assertEquals("chain.pem is not a chain to a root: certificate 1 ('CN=dev-1') is not signed by the next one",
                e.getMessage());
    }

    @Test
    void derivesPublicKeyFromEcAndRsaPrivateKeys() {
        assertEquals(device.getPublic(), KeyType.publicKeyOf(device.getPrivate()));
        assertEquals(rsaDevice.getPublic(), KeyType.publicKeyOf(rsaDevice.getPrivate()));
    }
}
