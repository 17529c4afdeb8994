package dev.espfleet.provisioning;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.model.AwsEndpoint;
import dev.espfleet.model.ThingName;
import dev.espfleet.nvs.NvsCsv;
import dev.espfleet.nvs.NvsVersion;
import java.math.BigInteger;
import java.security.KeyPair;
import java.util.Date;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
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
    private static final AwsEndpoint ENDPOINT = AwsEndpoint.of("abc123-ats.iot.eu-west-1.amazonaws.com");
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
        return new UnitRequest(tmp.resolve("units/dev-001"), DeviceSubject.of(ThingName.of("dev-001"), "Acme", "DE"),
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
        UnitRequest other = new UnitRequest(unit(""), DeviceSubject.of(ThingName.of("dev-001"), "Other Org", null),
                KeyType.EC_P256, Optional.empty(), new CertificateSource.CsrOnly(), serverCa, POLICY,
                IdentityLayout.DEFAULT, 0x6000, Optional.empty(), false);
        new UnitProvisioner(RANDOM).provision(other, NOW);
        assertArrayEquals(key, Files.readAllBytes(unit("key.pem")));
        assertEquals(ThingName.of("dev-001"), CertificateRequests.requireValid(Pem.readCsr(unit("csr.pem")), "csr"));
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
                DeviceSubject.of(ThingName.of("dev-001"), null, null));
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
        UnitRequest otherThing = new UnitRequest(unit(""), DeviceSubject.of(ThingName.of("dev-002"), null, null), KeyType.EC_P256,
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
        UnitRequest otherThing = new UnitRequest(unit(""), DeviceSubject.of(ThingName.of("dev-002"), null, null), KeyType.EC_P256,
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
        UnitRequest newOrg = new UnitRequest(unit(""), DeviceSubject.of(ThingName.of("dev-001"), "New Org", "DE"), KeyType.EC_P256,
                Optional.of(ENDPOINT), local(), serverCa, POLICY, IdentityLayout.DEFAULT, 0x6000, Optional.empty(), false);
        new UnitProvisioner(RANDOM).provision(newOrg, NOW);
        assertArrayEquals(key, Files.readAllBytes(unit("key.pem")));
        assertEquals("C=DE,O=New Org,CN=dev-001",
                Pem.readCertificate(unit("cert.pem")).getSubjectX500Principal().getName());
    }

    @Test
    void rejectsMissingEndpointBeforeWritingAnything() {
        UnitRequest noEndpoint = new UnitRequest(unit(""), DeviceSubject.of(ThingName.of("dev-001"), null, null), KeyType.EC_P256,
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

    /**
     * A server CA bundle of one or two certificates whose PEM is exactly {@code pemBytes} long: signed with one RSA key
     * (RSA signatures have a fixed length) and padded by an extension, whose every byte adds one DER byte.
     * UnitProvisioner only PEM-encodes the server CA, so these need not be real CAs.
     */
    private static List<X509Certificate> bundleOfPemSize(int pemBytes) throws Exception {
        KeyPair key = KeyType.RSA_2048.generate(RANDOM);
        int base = 300; // the extension's length takes two bytes from 256 on: one DER byte per pad byte above
        int baseDer = paddedCertificate(key, base).getEncoded().length;
        for (int a = base; a < base + 3000; a++) {
            if (pemLength(baseDer + a - base) == pemBytes) {
                List<X509Certificate> bundle = List.of(paddedCertificate(key, a));
                assertEquals(pemBytes, Pem.encodeCertificates(bundle).length());
                return bundle;
            }
        }
        for (int a = base; a < base + 1000; a++) {
            for (int b = base; b < base + 2000; b++) {
                if (pemLength(baseDer + a - base) + pemLength(baseDer + b - base) == pemBytes) {
                    List<X509Certificate> bundle = List.of(paddedCertificate(key, a), paddedCertificate(key, b));
                    assertEquals(pemBytes, Pem.encodeCertificates(bundle).length());
                    return bundle;
                }
            }
        }
        throw new AssertionError("no bundle of " + pemBytes + " PEM bytes");
    }

    /** "-----BEGIN CERTIFICATE-----\n", base64 in lines of 64, "-----END CERTIFICATE-----\n". */
    private static int pemLength(int derBytes) {
        int base64 = 4 * ((derBytes + 2) / 3);
        return 28 + base64 + (base64 + 63) / 64 + 26;
    }

    private static X509Certificate paddedCertificate(KeyPair key, int pad) throws Exception {
        X500Name name = new X500Name("CN=padded");
        X509v3CertificateBuilder builder = new X509v3CertificateBuilder(name, BigInteger.ONE, Date.from(NOW),
                Date.from(NOW.plus(Duration.ofDays(1))), name, SubjectPublicKeyInfo.getInstance(key.getPublic().getEncoded()));
        builder.addExtension(new ASN1ObjectIdentifier("1.3.6.1.4.1.99999.1"), false, new DEROctetString(new byte[pad]));
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withRSA").build(key.getPrivate())));
    }

    /**
     * identity.bin is built through nvs generate's own path, so its limit is nvs generate's: a PEM of 3967
     * bytes is a 3968-byte string with its NUL (nvs_partition_gen.py 0.2.0's largest), one byte more is
     * refused with the very message nvs generate gives for the identity.csv and files it would have written.
     */
    @Test
    void identityValueOneByteOverTheNvsStringLimitIsRefusedAsNvsGenerateRefusesIt() throws Exception {
        int limit = NvsVersion.V2.maxStringBytes();
        Path at = tmp.resolve("units/at");
        new UnitProvisioner(RANDOM).provision(new UnitRequest(at, DeviceSubject.of(ThingName.of("dev-001"), "Acme", "DE"),
                KeyType.EC_P256, Optional.of(ENDPOINT), local(), new ServerCa(bundleOfPemSize(limit - 1), Path.of("ca.pem")),
                POLICY, IdentityLayout.DEFAULT, 0x6000, Optional.empty(), false), NOW);
        assertEquals(limit - 1, Files.size(at.resolve("server-ca.pem")));
        assertArrayEquals(NvsCsv.generate(List.of(at.resolve("identity.csv")), 0x6000, NvsVersion.V2, null),
                Files.readAllBytes(at.resolve("identity.bin")));

        Path over = tmp.resolve("units/over");
        List<X509Certificate> bundle = bundleOfPemSize(limit);
        EspfleetException e = assertThrows(EspfleetException.class, () -> new UnitProvisioner(RANDOM).provision(
                new UnitRequest(over, DeviceSubject.of(ThingName.of("dev-001"), "Acme", "DE"), KeyType.EC_P256, Optional.of(ENDPOINT),
                        local(), new ServerCa(bundle, Path.of("ca.pem")), POLICY, IdentityLayout.DEFAULT, 0x6000,
                        Optional.empty(), false), NOW));
        assertFalse(Files.exists(over));
        // what nvs generate says of the same identity.csv and files
        Path scratch = tmp.resolve("scratch");
        Files.createDirectories(scratch);
        Files.copy(at.resolve("identity.csv"), scratch.resolve("identity.csv"));
        Files.copy(at.resolve("cert.pem"), scratch.resolve("cert.pem"));
        Files.copy(at.resolve("key.pem"), scratch.resolve("key.pem"));
        Files.writeString(scratch.resolve("server-ca.pem"), Pem.encodeCertificates(bundle));
        EspfleetException generate = assertThrows(EspfleetException.class,
                () -> NvsCsv.generate(List.of(scratch.resolve("identity.csv")), 0x6000, NvsVersion.V2, null));
        assertEquals(generate.getMessage().replace(scratch.toString(), over.toString()), e.getMessage());
        assertEquals(over.resolve("identity.csv") + ":7: key 'server_ca': string of " + (limit + 1) + " bytes including"
                + " its NUL exceeds the " + limit + "-byte limit of NVS version 2", e.getMessage());
    }

    private List<Path> listing() throws Exception {
        try (Stream<Path> files = Files.walk(tmp)) {
            return files.sorted().toList();
        }
    }
}
