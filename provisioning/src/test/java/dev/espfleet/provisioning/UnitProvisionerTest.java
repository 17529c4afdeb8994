package dev.espfleet.provisioning;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UnitProvisionerTest {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Instant NOW = Instant.now();
    private static final String ENDPOINT = "abc123-ats.iot.eu-west-1.amazonaws.com";
    private static final DevicePolicy POLICY = new DevicePolicy("greenhouse-device", "{\"Version\": \"2012-10-17\"}\n");
    private static CertificateAuthority ca;
    private static ServerCa serverCa;

    @TempDir
    Path tmp;

    @BeforeAll
    static void makeCa() {
        ca = CertificateAuthorityTest.root("unit root");
        serverCa = new ServerCa(List.of(CertificateAuthorityTest.root("broker root").certificate()), Path.of("broker.pem"));
    }

    private UnitRequest request(CertificateSource source, boolean rotate) {
        return new UnitRequest(tmp.resolve("units/dev-001"), DeviceSubject.of("dev-001", "Acme", "DE"),
                KeyType.EC_P256, Optional.of(ENDPOINT), source, serverCa, POLICY, IdentityLayout.DEFAULT, 0x6000, Optional.empty(), rotate);
    }

    private UnitProvisioner.Report provision(CertificateSource source, boolean rotate) {
        return new UnitProvisioner(RANDOM).provision(request(source, rotate), NOW);
    }

    private static CertificateSource.LocalCa local() {
        return new CertificateSource.LocalCa(ca, "ca/", OptionalInt.empty());
    }

    private Path unit(String file) {
        return tmp.resolve("units/dev-001").resolve(file);
    }

    @Test
    void localCaUnitHasOwnerOnlyKeyCertificateChainingToCaAndIdentityCsv() throws Exception {
        provision(local(), false);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(unit("key.pem"))));
        X509Certificate cert = Pem.readCertificate(unit("cert.pem"));
        IdentityChecks.requireIssuedBy(cert, "cert", ca.chain(), "ca");
        IdentityChecks.requireKeyMatches(cert, "cert", Pem.readPrivateKey(unit("key.pem")), "key");
        assertEquals(List.of("key,type,encoding,value", "identity,namespace,,", "thing_name,data,string,dev-001",
                "endpoint,data,string," + ENDPOINT, "device_cert,file,string,cert.pem",
                "private_key,file,string,key.pem", "server_ca,file,string,server-ca.pem"),
                Files.readAllLines(unit("identity.csv")));
        assertEquals(serverCa.certificates(), Pem.readCertificates(unit("server-ca.pem")));
        assertTrue(Files.isExecutable(unit("aws/register.sh")));
        assertTrue(Files.readString(unit("aws/register.sh"))
                .contains("cert_id='" + UnitProvisioner.awsCertificateId(cert) + "'"));
        assertEquals(POLICY.json(), Files.readString(unit("aws/policy.json")));
        assertTrue(Files.readString(unit("aws/register.sh")).contains("policy='greenhouse-device'"));
        assertTrue(Files.exists(unit("identity.bin")));
        for (String f : List.of("aws/policy.json", "aws/jitp-template.json", "aws/ca.pem")) {
            assertTrue(Files.isRegularFile(unit(f)), f);
        }
    }

    @Test
    void rerunReusesKeyCsrAndCertificate() throws Exception {
        provision(local(), false);
        byte[] key = Files.readAllBytes(unit("key.pem"));
        byte[] csr = Files.readAllBytes(unit("csr.pem"));
        byte[] cert = Files.readAllBytes(unit("cert.pem"));
        UnitProvisioner.Report again = provision(local(), false);
        assertArrayEquals(key, Files.readAllBytes(unit("key.pem")));
        assertArrayEquals(csr, Files.readAllBytes(unit("csr.pem")));
        assertArrayEquals(cert, Files.readAllBytes(unit("cert.pem")));
        assertEquals("key.pem: reused (EC 256-bit)", again.lines().get(0));
        assertEquals("csr.pem: reused", again.lines().get(1));
    }

    @Test
    void rotateMakesNewKeyAndCertificate() throws Exception {
        provision(local(), false);
        byte[] key = Files.readAllBytes(unit("key.pem"));
        byte[] cert = Files.readAllBytes(unit("cert.pem"));
        provision(local(), true);
        assertFalse(java.util.Arrays.equals(key, Files.readAllBytes(unit("key.pem"))));
        assertFalse(java.util.Arrays.equals(cert, Files.readAllBytes(unit("cert.pem"))));
        IdentityChecks.requireKeyMatches(Pem.readCertificate(unit("cert.pem")), "cert",
                Pem.readPrivateKey(unit("key.pem")), "key");
    }

    @Test
    void changedSubjectKeepsKeyButMakesNewCsr() throws Exception {
        provision(new CertificateSource.CsrOnly(), false);
        byte[] key = Files.readAllBytes(unit("key.pem"));
        UnitRequest other = new UnitRequest(unit(""), DeviceSubject.of("dev-001", "Other Org", null),
                KeyType.EC_P256, Optional.empty(), new CertificateSource.CsrOnly(), serverCa, POLICY,
                IdentityLayout.DEFAULT, 0x6000, Optional.empty(), false);
        new UnitProvisioner(RANDOM).provision(other, NOW);
        assertArrayEquals(key, Files.readAllBytes(unit("key.pem")));
        assertEquals("dev-001", CertificateRequests.requireValid(Pem.readCsr(unit("csr.pem")), "csr"));
        assertEquals("CN=dev-001,O=Other Org", Pem.readCsr(unit("csr.pem")).getSubject().toString());
    }

    @Test
    void csrOnlyWritesKeyCsrAndScriptButNoCertificateOrCsv() {
        UnitProvisioner.Report report = provision(new CertificateSource.CsrOnly(), false);
        assertFalse(report.identityComplete());
        assertTrue(Files.exists(unit("key.pem")) && Files.exists(unit("csr.pem")));
        assertFalse(Files.exists(unit("cert.pem")) || Files.exists(unit("identity.csv")));
        assertFalse(Files.exists(unit("aws/jitp-template.json")));
    }

    @Test
    void givenCertificateForTheUnitsKeyCompletesTheIdentity() throws Exception {
        provision(new CertificateSource.CsrOnly(), false);
        // Stands in for the certificate AWS returns for csr.pem.
        X509Certificate issued = ca.issueDeviceCertificate(Pem.readCsr(unit("csr.pem")), "csr",
                ValidityPeriod.days(NOW, 10), RANDOM);
        Path file = tmp.resolve("from-aws.pem");
        Pem.writeCertificates(file, List.of(issued));
        UnitProvisioner.Report report = provision(new CertificateSource.Given(file), false);
        assertTrue(report.identityComplete());
        assertEquals(issued, Pem.readCertificate(unit("cert.pem")));
        assertTrue(Files.readString(unit("aws/register.sh")).contains("AWS issued it"));
    }

    @Test
    void rejectsGivenCertificateForAnotherKeyAndWritesNothing() throws Exception {
        provision(new CertificateSource.CsrOnly(), false);
        var otherCsr = CertificateRequests.create(KeyType.EC_P256.generate(RANDOM),
                DeviceSubject.of("dev-001", null, null));
        Path file = tmp.resolve("other.pem");
        Pem.writeCertificates(file, List.of(ca.issueDeviceCertificate(otherCsr, "csr", ValidityPeriod.days(NOW, 10),
                RANDOM)));
        List<Path> before = listing();
        EspfleetException e = assertThrows(EspfleetException.class,
                () -> provision(new CertificateSource.Given(file), false));
        assertEquals(ExitStatus.BAD_INPUT, e.status());
        assertEquals(file + " does not match the private key " + unit("key.pem") + ": they are not a key pair",
                e.getMessage());
        assertEquals(before, listing());
    }

    @Test
    void rejectsGivenCertificateWithoutUnitKey() {
        Path file = tmp.resolve("cert.pem");
        EspfleetException e = assertThrows(EspfleetException.class,
                () -> provision(new CertificateSource.Given(file), false));
        assertEquals("no " + unit("key.pem") + " to match " + file + " against; run 'espfleet provision "
                + "--csr-only' for this unit first", e.getMessage());
    }

    @Test
    void rejectsExpiredGivenCertificate() {
        provision(new CertificateSource.CsrOnly(), false);
        X509Certificate expired = ca.issueDeviceCertificate(Pem.readCsr(unit("csr.pem")), "csr",
                new ValidityPeriod(NOW.minus(Duration.ofDays(10)), NOW.minus(Duration.ofDays(1))), RANDOM);
        Path file = tmp.resolve("expired.pem");
        Pem.writeCertificates(file, List.of(expired));
        EspfleetException e = assertThrows(EspfleetException.class,
                () -> provision(new CertificateSource.Given(file), false));
        assertEquals(ExitStatus.BAD_INPUT, e.status());
        assertTrue(e.getMessage().startsWith(file + " expired at " + expired.getNotAfter().toInstant()),
                e.getMessage());
    }

    @Test
    void rejectsExistingCertificateFromAnotherCaWithRotateHint() {
        provision(local(), false);
        CertificateAuthority other = CertificateAuthorityTest.root("other root");
        EspfleetException e = assertThrows(EspfleetException.class,
                () -> provision(new CertificateSource.LocalCa(other, "other-ca/", OptionalInt.empty()), false));
        assertEquals(ExitStatus.BAD_INPUT, e.status());
        assertEquals(unit("cert.pem") + " does not chain to the CA other-ca/: it was issued by 'O=Acme,CN=unit root', "
                + "the CA is 'O=Acme,CN=other root'; pass --rotate to issue a new key and certificate", e.getMessage());
    }

    @Test
    void refusesToReuseAnotherThingsUnitFolder() {
        provision(local(), false);
        UnitRequest otherThing = new UnitRequest(unit(""), DeviceSubject.of("dev-002", null, null), KeyType.EC_P256,
                Optional.of(ENDPOINT), local(), serverCa, POLICY, IdentityLayout.DEFAULT, 0x6000, Optional.empty(), false);
        EspfleetException e = assertThrows(EspfleetException.class,
                () -> new UnitProvisioner(RANDOM).provision(otherThing, NOW));
        assertEquals(ExitStatus.BAD_INPUT, e.status());
        assertEquals(unit("") + " belongs to thing 'dev-001' (" + unit("unit.json") + "), not 'dev-002'; a key "
                + "must not be shared between things: use another --out", e.getMessage());
    }

    @Test
    void refusesAnotherThingsUnitFolderWrittenBeforeUnitJsonByTheCnOfItsCertificate() throws Exception {
        provision(local(), false);
        Files.delete(unit("unit.json")); // as a folder written before bindings existed
        UnitRequest otherThing = new UnitRequest(unit(""), DeviceSubject.of("dev-002", null, null), KeyType.EC_P256,
                Optional.of(ENDPOINT), local(), serverCa, POLICY, IdentityLayout.DEFAULT, 0x6000, Optional.empty(), false);
        EspfleetException e = assertThrows(EspfleetException.class,
                () -> new UnitProvisioner(RANDOM).provision(otherThing, NOW));
        assertEquals(unit("") + " belongs to thing 'dev-001' (CN of " + unit("cert.pem") + "), not 'dev-002'; a key "
                + "must not be shared between things: use another --out", e.getMessage());
    }

    @Test
    void changedOrganizationKeepsKeyAndReissuesCertificate() throws Exception {
        provision(local(), false);
        byte[] key = Files.readAllBytes(unit("key.pem"));
        UnitRequest newOrg = new UnitRequest(unit(""), DeviceSubject.of("dev-001", "New Org", "DE"), KeyType.EC_P256,
                Optional.of(ENDPOINT), local(), serverCa, POLICY, IdentityLayout.DEFAULT, 0x6000, Optional.empty(), false);
        new UnitProvisioner(RANDOM).provision(newOrg, NOW);
        assertArrayEquals(key, Files.readAllBytes(unit("key.pem")));
        assertEquals("C=DE,O=New Org,CN=dev-001",
                Pem.readCertificate(unit("cert.pem")).getSubjectX500Principal().getName());
    }

    @Test
    void rejectsMissingEndpointBeforeWritingAnything() {
        UnitRequest noEndpoint = new UnitRequest(unit(""), DeviceSubject.of("dev-001", null, null), KeyType.EC_P256,
                Optional.empty(), local(), serverCa, POLICY, IdentityLayout.DEFAULT, 0x6000, Optional.empty(), false);
        EspfleetException e = assertThrows(EspfleetException.class,
                () -> new UnitProvisioner(RANDOM).provision(noEndpoint, NOW));
        assertEquals(ExitStatus.BAD_INPUT, e.status());
        assertEquals("no AWS IoT endpoint for dev-001's identity: pass --endpoint or set aws.endpoint in the config",
                e.getMessage());
        assertFalse(Files.exists(unit("")));
    }

    @Test
    void rejectsRotateWithGivenCertificate() {
        EspfleetException e = assertThrows(EspfleetException.class,
                () -> provision(new CertificateSource.Given(tmp.resolve("c.pem")), true));
        assertEquals(ExitStatus.BAD_INPUT, e.status());
        assertEquals("--rotate makes a new key, which a given certificate cannot match; rotate with --csr-only or "
                + "--ca, then register the new certificate", e.getMessage());
    }

    @Test
    void rotatingToCsrOnlyRemovesTheOldCertificate() {
        provision(local(), false);
        UnitProvisioner.Report report = provision(new CertificateSource.CsrOnly(), true);
        assertFalse(Files.exists(unit("cert.pem")));
        assertFalse(Files.exists(unit("identity.csv")));
        assertTrue(report.lines().contains("cert.pem: removed (it belonged to the old key)"), report.lines().toString());
        assertNotEquals(null, Pem.readCsr(unit("csr.pem")));
    }

    private List<Path> listing() throws Exception {
        try (Stream<Path> files = Files.walk(tmp)) {
            return files.sorted().toList();
        }
    }
}
