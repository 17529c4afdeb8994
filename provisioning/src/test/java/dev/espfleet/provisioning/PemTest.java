package dev.espfleet.provisioning;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.model.ThingName;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PemTest {
    private static final SecureRandom RANDOM = new SecureRandom();

    @Test
    void writesPrivateKeyAsPkcs8OwnerOnly(@TempDir Path dir) throws Exception {
        KeyPair keys = KeyType.EC_P256.generate(RANDOM);
        Path file = dir.resolve("key.pem");
        Pem.writePrivateKey(file, keys.getPrivate());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        String text = Files.readString(file);
        assertTrue(text.startsWith("-----BEGIN PRIVATE KEY-----\n"), text.lines().findFirst().orElse(""));
        assertArrayEquals(keys.getPrivate().getEncoded(), Pem.readPrivateKey(file).getEncoded());
    }

    @Test
    void readsTraditionalEcKeyAsWrittenByOpenssl(@TempDir Path dir) throws Exception {
        // "openssl ecparam -name prime256v1 -genkey -noout" writes SEC1 "EC PRIVATE KEY".
        Path file = dir.resolve("sec1.pem");
        Files.writeString(file, """
                -----BEGIN EC PRIVATE KEY-----
                MHcCAQEEINAdjVaSpVWC/FPSuUpkedxHR75lHUEFSMBb4SmfvCYnoAoGCCqGSM49
                AwEHoUQDQgAEiXWWo3taKg6CLH9Ah20zNw2dC2BumKKr3xKVrKYHK+PXFnTzMCIJ
                5GoWURs7awlO6y7LDn3h2SmDoaE11qGnng==
                -----END EC PRIVATE KEY-----
                """);
        assertEquals("EC", Pem.readPrivateKey(file).getAlgorithm());
    }

    @Test
    void rejectsFileWithoutPrivateKey(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("cert.pem");
        Files.writeString(file, "not pem at all\n");
        EspfleetException e = assertThrows(EspfleetException.class, () -> Pem.readPrivateKey(file));
        assertEquals(ExitStatus.BAD_INPUT, e.status());
        assertEquals(file + " holds no PEM private key", e.getMessage());
    }

    @Test
    void rejectsMissingCertificateFile(@TempDir Path dir) {
        Path file = dir.resolve("missing.pem");
        EspfleetException e = assertThrows(EspfleetException.class, () -> Pem.readCertificate(file));
        assertEquals(ExitStatus.BAD_INPUT, e.status());
        assertEquals(file + ": no such certificate file", e.getMessage());
    }

    @Test
    void rejectsEncryptedPrivateKey(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("enc.pem");
        // Made with: openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -aes256 -pass pass:x
        Files.writeString(file, """
                -----BEGIN ENCRYPTED PRIVATE KEY-----
                MIHsMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAjx8YjVaFrfzQICCAAw
                DAYIKoZIhvcNAgkFADAdBglghkgBZQMEASoEEHMMkuLKTe+/fWM4U0womhYEgZDE
                478z3glXhUyQK7BaYsgRwHze6YpQKvJk1VRVjj/MkrBrsPPjlAh66ESRPyGb3EGR
                eVwKSAuiNTXQcj+mCzjV1qfnXg3OUJGa43rL2dCjbIZ26LBGCGJ0gjy4Q27buWMA
                gyMLPlVM4MNjb7+brInEIRXoJmTX07chc6bAwWdJFcGQV7Fe+G6IeCzvXEpUXKc=
                -----END ENCRYPTED PRIVATE KEY-----
                """);
        EspfleetException e = assertThrows(EspfleetException.class, () -> Pem.readPrivateKey(file));
        assertEquals(ExitStatus.BAD_INPUT, e.status());
        assertEquals(file + " holds an encrypted private key; espfleet reads unencrypted PKCS#8 keys only "
                + "(openssl pkcs8 -topk8 -nocrypt converts one)", e.getMessage());
    }

    @Test
    void certificateAndCsrRoundTrip(@TempDir Path dir) {
        CertificateAuthority ca = CertificateAuthorityTest.root("pem root");
        Path certFile = dir.resolve("ca.pem");
        Pem.writeCertificates(certFile, ca.chain());
        assertEquals(ca.certificate(), Pem.readCertificate(certFile));
        var csr = CertificateRequests.create(KeyType.EC_P256.generate(RANDOM), DeviceSubject.of(ThingName.of("d1"), null, null));
        Path csrFile = dir.resolve("csr.pem");
        Pem.writeCsr(csrFile, csr);
        assertEquals(csr, Pem.readCsr(csrFile));
        assertEquals(ThingName.of("d1"), CertificateRequests.requireValid(Pem.readCsr(csrFile), csrFile));
        assertTrue(new String(Pem.encodeCsr(csr).getBytes(StandardCharsets.US_ASCII), StandardCharsets.US_ASCII)
                .startsWith("-----BEGIN CERTIFICATE REQUEST-----"));
    }
}
