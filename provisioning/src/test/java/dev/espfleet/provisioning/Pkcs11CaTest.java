package dev.espfleet.provisioning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.model.ThingName;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A CA whose key SoftHSM2 holds. SoftHSM2 reads its configuration once per process, so the tokens are made
 * before the first use here, in the folder the surefire configuration names (SOFTHSM2_CONF).
 */
class Pkcs11CaTest {
    private static final String PIN = System.getProperty("pkcs11.test.pin", "271828");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Instant NOW = Instant.now();
    private static boolean ready;

    @BeforeAll
    static void tokens() throws Exception {
        String conf = System.getenv("SOFTHSM2_CONF");
        if (!SoftHsm.available() || conf == null) {
            return;
        }
        Path file = Path.of(conf);
        deleteTree(file.getParent());
        Files.createDirectories(file.getParent());
        SoftHsm.writeConfig(file);
        for (String label : new String[] {"ca-ec", "ca-rsa", "ca-taken", "ca-intermediate"}) {
            SoftHsm.initToken(file, label, PIN);
        }
        ready = true;
    }

    private static Pkcs11Uri uri(String token, String object) {
        return Pkcs11Uri.parse("pkcs11:token=" + token + ";object=" + object + "?module-path=" + SoftHsm.MODULE,
                "--key-uri");
    }

    private static Map<String, String> pin() {
        return Map.of(Pkcs11Uri.PIN_VARIABLE, PIN);
    }

    @Test
    void rootKeyIsMadeInTheTokenAndTheFolderKeepsOnlyItsUri(@TempDir Path tmp) throws Exception {
        assumeTrue(ready, "SoftHSM2 (softhsm2) is not installed");
        Pkcs11Token token = Pkcs11Token.open(uri("ca-ec", "root-key"), pin());
        CertificateAuthority ca = CertificateAuthority.createRootInToken("token root", Optional.of("Acme"),
                KeyType.EC_P256, token, ValidityPeriod.days(NOW, 365), RANDOM);
        Path dir = tmp.resolve("ca");
        ca.saveNew(dir);

        assertTrue(Files.exists(dir.resolve(CertificateAuthority.CERTIFICATE_FILE)));
        assertFalse(Files.exists(dir.resolve(CertificateAuthority.KEY_FILE)), "no key file in a token CA's folder");
        String keyUri = Files.readString(dir.resolve(CertificateAuthority.KEY_URI_FILE), StandardCharsets.UTF_8);
        assertEquals("pkcs11:object=root-key;token=ca-ec?module-path=" + SoftHsm.MODULE + "\n", keyUri);
        assertFalse(keyUri.contains(PIN));

        // the key never leaves the token: SunPKCS11 gives no encoding of a sensitive, non-extractable key
        PrivateKey key = token.privateKey();
        assertNull(key.getEncoded(), "the token exported the CA key");
        assertEquals(ca.certificate(), token.certificate().orElseThrow());

        // loaded again from the folder (PIN from ESPFLEET_PKCS11_PIN), it issues device certificates the token signs
        CertificateAuthority loaded = CertificateAuthority.load(dir, NOW);
        KeyPair device = KeyType.EC_P256.generate(RANDOM);
        X509Certificate cert = loaded.issueDeviceCertificate(CertificateRequests.create(device,
                DeviceSubject.of(ThingName.of("dev-001"), "Acme", null)), "csr", ValidityPeriod.days(NOW, 30), RANDOM);
        cert.verify(ca.certificate().getPublicKey());
        IdentityChecks.requireIssuedBy(cert, "cert", loaded.chain(), "ca");
    }

    @Test
    void rsaKeysAndIntermediatesToo(@TempDir Path tmp) throws Exception {
        assumeTrue(ready, "SoftHSM2 (softhsm2) is not installed");
        CertificateAuthority root = CertificateAuthority.createRootInToken("rsa root", Optional.empty(),
                KeyType.RSA_2048, Pkcs11Token.open(uri("ca-rsa", "rsa-key"), pin()), ValidityPeriod.days(NOW, 365),
                RANDOM);
        CertificateAuthority intermediate = root.createIntermediateInToken("token intermediate", Optional.empty(),
                KeyType.EC_P256, Pkcs11Token.open(uri("ca-intermediate", "int-key"), pin()),
                ValidityPeriod.days(NOW, 100), RANDOM);
        intermediate.certificate().verify(root.certificate().getPublicKey());
        intermediate.saveNew(tmp.resolve("int"));
        CertificateAuthority loaded = CertificateAuthority.load(tmp.resolve("int"), NOW);
        assertEquals(2, loaded.chain().size());
        assertEquals("RSA", root.certificate().getPublicKey().getAlgorithm());
    }

    @Test
    void aLabelInUseIsNeverReplaced() {
        assumeTrue(ready, "SoftHSM2 (softhsm2) is not installed");
        Pkcs11Token token = Pkcs11Token.open(uri("ca-taken", "taken"), pin());
        CertificateAuthority.createRootInToken("first", Optional.empty(), KeyType.EC_P256, token,
                ValidityPeriod.days(NOW, 30), RANDOM);
        EspfleetException e = assertThrows(EspfleetException.class, () -> CertificateAuthority.createRootInToken(
                "second", Optional.empty(), KeyType.EC_P256, Pkcs11Token.open(uri("ca-taken", "taken"), pin()),
                ValidityPeriod.days(NOW, 30), RANDOM));
        assertTrue(e.getMessage().contains("already holds an object labelled 'taken'"), e.getMessage());
    }

    @Test
    void aWrongPinIsRefusedWithoutShowingIt() {
        assumeTrue(ready, "SoftHSM2 (softhsm2) is not installed");
        EspfleetException e = assertThrows(EspfleetException.class, () -> Pkcs11Token.open(uri("ca-ec", "x"),
                Map.of(Pkcs11Uri.PIN_VARIABLE, "00000000")));
        assertEquals(ExitStatus.BAD_INPUT, e.status());
        assertTrue(e.getMessage().contains("refused the PIN (CKR_PIN_INCORRECT)"), e.getMessage());
        assertFalse(e.getMessage().contains("00000000"));
    }

    @Test
    void anUnknownTokenNamesTheOnesThere() {
        assumeTrue(ready, "SoftHSM2 (softhsm2) is not installed");
        EspfleetException e = assertThrows(EspfleetException.class, () -> Pkcs11Token.open(uri("nope", "x"), pin()));
        assertEquals(ExitStatus.UNAVAILABLE, e.status());
        assertTrue(e.getMessage().contains("no token matches") && e.getMessage().contains("'ca-ec'"), e.getMessage());
    }

    @Test
    void noPinIsBadInput() {
        assumeTrue(ready, "SoftHSM2 (softhsm2) is not installed");
        EspfleetException e = assertThrows(EspfleetException.class, () -> Pkcs11Token.open(uri("ca-ec", "x"), Map.of()));
        assertEquals(ExitStatus.BAD_INPUT, e.status());
        assertTrue(e.getMessage().startsWith("no PIN"), e.getMessage());
    }

    private static void deleteTree(Path dir) throws java.io.IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }
}
