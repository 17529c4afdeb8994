package dev.espfleet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.espfleet.provisioning.CertificateAuthority;
import dev.espfleet.provisioning.Pem;
import dev.espfleet.provisioning.ValidityPeriod;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProvisionCommandTest {
    private static final String ENDPOINT = "abc123-ats.iot.eu-west-1.amazonaws.com";

    @TempDir
    Path tmp;
    Path ca;
    Path config;
    Path unit;
    /** Tests do not depend on the machine's trust store: the "server CA" is a test CA. */
    Path serverCa;

    @BeforeEach
    void makeCaAndConfig() throws Exception {
        ca = tmp.resolve("ca");
        Cli.run("ca", "init", "--out", ca.toString()).ok();
        serverCa = ca.resolve("ca.pem");
        config = tmp.resolve("device.yaml");
        Files.writeString(config, """
                product:
                  name: greenhouse-sensor
                  firmware_version: 1.0.0
                aws:
                  endpoint: %s
                mqtt:
                  topic_prefix: greenhouse-sensor
                """.formatted(ENDPOINT));
        unit = tmp.resolve("units/dev-001");
    }

    private Cli provision(String... extra) {
        List<String> args = new ArrayList<>(List.of("provision", "--config", config.toString(), "--thing", "dev-001",
                "--out", unit.toString(), "--server-ca", serverCa.toString()));
        args.addAll(List.of(extra));
        return Cli.run(args.toArray(String[]::new));
    }

    @Test
    void caThenProvisionMakesUnitThatOpensslVerifies() throws Exception {
        Cli result = provision("--ca", ca.toString(), "--country", "DE").ok();
        List<String> lines = result.out().lines().limit(4).toList();
        assertTrue(lines.get(1).matches("  unit\\.json: dev-001, key SHA-256 [0-9a-f]{16}\\.\\.\\."), lines.get(1));
        assertEquals(List.of("provisioned dev-001 in " + unit,
                "  key.pem: new ec-p256 key, mode 0600",
                "  csr.pem: new, subject CN=dev-001,O=greenhouse-sensor,C=DE"), List.of(lines.get(0), lines.get(2),
                lines.get(3)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(unit.resolve("key.pem"))));
        assertEquals(List.of("key,type,encoding,value", "identity,namespace,,", "thing_name,data,string,dev-001",
                "endpoint,data,string," + ENDPOINT, "device_cert,file,string,cert.pem",
                "private_key,file,string,key.pem", "server_ca,file,string,server-ca.pem"),
                Files.readAllLines(unit.resolve("identity.csv")));
        assertTrue(Files.readString(unit.resolve("aws/policy.json"))
                .contains("topic/greenhouse-sensor/${iot:Connection.Thing.ThingName}/status"));
        assumeTrue(Openssl.installed());
        assertEquals(new Openssl(0, "cert.pem: OK\n"),
                Openssl.run(unit, "verify", "-CAfile", ca.resolve("chain.pem").toString(), "cert.pem"));
        assertEquals(new Openssl(0, "subject=CN = dev-001, O = greenhouse-sensor, C = DE\n"),
                Openssl.run(unit, "x509", "-in", "cert.pem", "-noout", "-subject"));
        // The key is really the certificate's: openssl derives the same public key from both.
        assertEquals(Openssl.run(unit, "x509", "-in", "cert.pem", "-noout", "-pubkey"),
                Openssl.run(unit, "pkey", "-in", "key.pem", "-pubout"));
    }

    @Test
    void intermediateCaChainVerifiesWithOpenssl() throws Exception {
        Path intermediate = tmp.resolve("intermediate");
        Cli.run("ca", "init", "--out", intermediate.toString(), "--root", ca.toString()).ok();
        provision("--ca", intermediate.toString(), "--endpoint", "localhost", "--key-type", "rsa-2048").ok();
        assumeTrue(Openssl.installed());
        assertEquals(new Openssl(0, "cert.pem: OK\n"), Openssl.run(unit, "verify", "-CAfile",
                ca.resolve("ca.pem").toString(), "-untrusted", intermediate.resolve("ca.pem").toString(), "cert.pem"));
        assertEquals(new Openssl(0, "cert.pem: OK\n"),
                Openssl.run(unit, "verify", "-CAfile", intermediate.resolve("chain.pem").toString(), "cert.pem"));
    }

    @Test
    void endpointOptionOverridesConfig() throws Exception {
        provision("--ca", ca.toString(), "--endpoint", "broker.local").ok();
        assertTrue(Files.readAllLines(unit.resolve("identity.csv")).contains("endpoint,data,string,broker.local"));
    }

    @Test
    void rerunReusesKeyAndCertificateUnlessRotate() throws Exception {
        provision("--ca", ca.toString(), "--endpoint", ENDPOINT).ok();
        String key = Files.readString(unit.resolve("key.pem"));
        String cert = Files.readString(unit.resolve("cert.pem"));
        Cli again = provision("--ca", ca.toString(), "--endpoint", ENDPOINT).ok();
        assertTrue(again.out().contains("  key.pem: reused (EC 256-bit)\n"), again.out());
        assertEquals(key, Files.readString(unit.resolve("key.pem")));
        assertEquals(cert, Files.readString(unit.resolve("cert.pem")));
        provision("--ca", ca.toString(), "--endpoint", ENDPOINT, "--rotate").ok();
        assertFalse(key.equals(Files.readString(unit.resolve("key.pem"))));
        assertFalse(cert.equals(Files.readString(unit.resolve("cert.pem"))));
    }

    @Test
    void csrOnlyThenCertificateFromAwsCompletesTheUnit() throws Exception {
        Cli first = provision("--csr-only").ok();
        assertTrue(first.out().endsWith("next: " + unit.resolve("aws/register.sh") + " has AWS sign csr.pem and "
                + "saves cert.pem; then rerun with --cert " + unit.resolve("cert.pem") + "\n"), first.out());
        assertFalse(Files.exists(unit.resolve("identity.csv")));
        assertTrue(Files.readString(unit.resolve("aws/register.sh")).contains("create-certificate-from-csr"));
        // What AWS would return for csr.pem; here signed by a test CA.
        Path fromAws = tmp.resolve("aws-cert.pem");
        issueFor(Pem.readCsr(unit.resolve("csr.pem")), fromAws, ValidityPeriod.days(Instant.now(), 30));
        provision("--cert", fromAws.toString()).ok();
        assertTrue(Files.exists(unit.resolve("identity.csv")));
        assertEquals(Files.readString(fromAws), Files.readString(unit.resolve("cert.pem")));
    }

    @Test
    void rejectsCertificateThatDoesNotMatchTheUnitsKey() throws Exception {
        provision("--csr-only").ok();
        Path other = tmp.resolve("units/other");
        Cli.run("provision", "--config", config.toString(), "--thing", "other", "--out", other.toString(), "--csr-only").ok();
        Path cert = tmp.resolve("other-cert.pem");
        issueFor(Pem.readCsr(other.resolve("csr.pem")), cert, ValidityPeriod.days(Instant.now(), 30));
        Cli result = provision("--cert", cert.toString(), "--endpoint", ENDPOINT);
        assertEquals(2, result.exit());
        assertEquals("error: " + cert + " does not match the private key " + unit.resolve("key.pem")
                + ": they are not a key pair\n", result.err());
        assertFalse(Files.exists(unit.resolve("cert.pem")));
    }

    @Test
    void rejectsExpiredCertificate() throws Exception {
        provision("--csr-only").ok();
        Path cert = tmp.resolve("expired.pem");
        Instant now = Instant.now();
        issueFor(Pem.readCsr(unit.resolve("csr.pem")), cert,
                new ValidityPeriod(now.minus(Duration.ofDays(20)), now.minus(Duration.ofDays(10))));
        Cli result = provision("--cert", cert.toString(), "--endpoint", ENDPOINT);
        assertEquals(2, result.exit());
        assertTrue(result.err().matches("error: " + java.util.regex.Pattern.quote(cert.toString())
                + " expired at \\S+Z \\(now \\S+Z\\)\n"), result.err());
    }

    @Test
    void rejectsReusingCertificateFromAnotherCa() throws Exception {
        provision("--ca", ca.toString(), "--endpoint", ENDPOINT).ok();
        Path other = tmp.resolve("other-ca");
        Cli.run("ca", "init", "--out", other.toString(), "--name", "other CA").ok();
        Cli result = provision("--ca", other.toString(), "--endpoint", ENDPOINT);
        assertEquals(2, result.exit());
        assertEquals("error: " + unit.resolve("cert.pem") + " does not chain to the CA " + other
                + ": it was issued by 'CN=espfleet local CA', the CA is 'CN=other CA'; pass --rotate to issue a new "
                + "key and certificate\n", result.err());
    }

    @Test
    void rejectsInvalidThingNameAndWritesNothing() {
        Cli result = Cli.run("provision", "--config", config.toString(), "--thing", "dev 001", "--out", unit.toString(), "--csr-only");
        assertEquals(2, result.exit());
        assertEquals("error: invalid thing name 'dev 001': expected 1-128 characters of [a-zA-Z0-9:_-], but it "
                + "contains ' '\n", result.err());
        assertFalse(Files.exists(unit));
    }

    @Test
    void missingAmazonRootCaFailsWithHintToPassServerCa() {
        Cli result = Cli.run("provision", "--config", config.toString(), "--thing", "dev-001", "--out", unit.toString(), "--ca", ca.toString(),
                "--endpoint", ENDPOINT, "--default-server-ca", tmp.resolve("no-such.pem").toString());
        assertEquals(2, result.exit());
        assertEquals("error: Amazon Root CA 1 is not in the system trust store: no " + tmp.resolve("no-such.pem")
                + "\nhint: install it (Debian: apt-get install ca-certificates) or pass --server-ca FILE\n",
                result.err());
        assertFalse(Files.exists(unit));
    }

    @Test
    void serverCaDefaultsToAmazonRootCa1FromTheTrustStore() throws Exception {
        assumeTrue(Files.isRegularFile(Path.of("/etc/ssl/certs/Amazon_Root_CA_1.pem")), "ca-certificates missing");
        Cli.run("provision", "--config", config.toString(), "--thing", "dev-001", "--out", unit.toString(), "--ca", ca.toString(),
                "--endpoint", ENDPOINT).ok();
        assertEquals("CN=Amazon Root CA 1,O=Amazon,C=US", Pem.readCertificate(unit.resolve("server-ca.pem"))
                .getSubjectX500Principal().getName());
    }

    @Test
    void rejectsServerCaThatIsNotACa() throws Exception {
        provision("--ca", ca.toString(), "--endpoint", ENDPOINT).ok();
        Path deviceCert = unit.resolve("cert.pem");
        Cli result = Cli.run("provision", "--config", config.toString(), "--thing", "dev-002", "--out", tmp.resolve("units/dev-002").toString(),
                "--ca", ca.toString(), "--endpoint", ENDPOINT, "--server-ca", deviceCert.toString());
        assertEquals(2, result.exit());
        assertEquals("error: " + deviceCert + " holds 'O=greenhouse-sensor,CN=dev-001', which is not a CA certificate; --server-ca "
                + "expects the CA that signed the broker's certificate\n", result.err());
    }

    @Test
    void rejectsConfigWithoutEndpointBeforeWritingAnything() throws Exception {
        Files.writeString(config, "product:\n  name: greenhouse-sensor\n  firmware_version: 1.0.0\naws:\n"
                + "  thing_name: dev-001\n");
        Cli result = provision("--ca", ca.toString());
        assertEquals(2, result.exit());
        assertEquals(config + ":5:3: aws.endpoint: is required: your account's AWS IoT data endpoint (aws iot "
                + "describe-endpoint --endpoint-type iot:Data-ATS)\nerror: invalid config " + config + ": 1 problem\n",
                result.err());
        assertFalse(Files.exists(unit));
    }

    @Test
    void identityImageHoldsWhatTheFirmwareReadsAndIsOwnerOnly() throws Exception {
        provision("--ca", ca.toString(), "--wifi-ssid", "bench-ap", "--wifi-password", "secret123").ok();
        Path image = unit.resolve("identity.bin");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(image)));
        assertEquals(0x6000, Files.size(image));
        Cli dump = Cli.run("nvs", "dump", "--show-secrets", image.toString()).ok();
        Cli redacted = Cli.run("nvs", "dump", image.toString()).ok();
        assertTrue(redacted.out().contains("private_key,data,string,\"<secret: "), redacted.out());
        assertTrue(redacted.out().contains("password,data,string,\"<secret: 10 bytes"), redacted.out());
        assertFalse(redacted.out().contains("PRIVATE KEY"), redacted.out());
        String pem = Files.readString(unit.resolve("cert.pem"));
        for (String line : List.of("identity,namespace,,", "thing_name,data,string,dev-001",
                "endpoint,data,string," + ENDPOINT, "wifi,namespace,,", "ssid,data,string,bench-ap",
                "password,data,string,secret123")) {
            assertTrue(dump.out().lines().anyMatch(line::equals), line + " missing from\n" + dump.out());
        }
        assertTrue(dump.out().contains("device_cert,data,string,"), dump.out());
        assertTrue(pem.startsWith("-----BEGIN CERTIFICATE-----"));
    }

    @Test
    void rejectsAThingOtherThanTheOneTheConfigPins() throws Exception {
        Files.writeString(config, Files.readString(config).replace("aws:\n", "aws:\n  thing_name: lab-01\n"));
        Cli result = provision("--ca", ca.toString());
        assertEquals(2, result.exit());
        assertEquals("error: " + config + ": aws.thing_name pins 'lab-01' into the firmware, which would connect as "
                + "'lab-01', not 'dev-001'; use --thing lab-01 or remove aws.thing_name to read the name from NVS\n",
                result.err());
        assertFalse(Files.exists(unit));
    }

    @Test
    void warnsWhenTheImageHasNoWifiCredentials() {
        Cli result = provision("--ca", ca.toString()).ok();
        assertTrue(result.out().contains("warning: no --wifi-ssid: identity.bin holds no Wi-Fi credentials"),
                result.out());
    }

    @Test
    void rejectsWifiPasswordTooShortForWpa2() {
        Cli result = provision("--ca", ca.toString(), "--wifi-ssid", "ap", "--wifi-password", "short");
        assertEquals(2, result.exit());
        assertEquals("error: --wifi-password must be empty (open network), 8 to 63 characters, or 64 hex digits; "
                + "got 5 bytes\n", result.err());
    }

    @Test
    void rejectsConfigWithInvalidYamlPointingAtTheLine() throws Exception {
        Files.writeString(config, "aws:\n  endpoint: [unclosed\n");
        Cli result = provision("--csr-only");
        assertEquals(2, result.exit());
        assertTrue(result.err().startsWith(config + ":3:1: invalid YAML: "), result.err());
        assertTrue(result.err().endsWith("error: invalid config " + config + ": 1 problem\n"), result.err());
    }

    @Test
    void rejectsCaTogetherWithCsrOnly() {
        Cli result = provision("--ca", ca.toString(), "--csr-only");
        assertEquals(2, result.exit());
        assertEquals("error: Error: --ca=DIR, --csr-only are mutually exclusive (specify only one)\n"
                + "hint: see 'espfleet provision --help'\n", result.err());
    }

    @Test
    void helpNeedsNoRequiredOptions() {
        Cli result = Cli.run("provision", "--help").ok();
        assertTrue(result.out().startsWith("Usage: espfleet provision [-hV]"), result.out());
        assertEquals(0, Cli.run("ca", "init", "--help").exit());
    }

    @Test
    void benchmarkPrintsOneRowPerKeyType() {
        Cli result = Cli.run("provision-bench", "--devices", "2", "--rsa-devices", "1", "--key-type",
                "ec-p256,rsa-2048").ok();
        List<String> lines = result.out().lines().toList();
        assertEquals(3, lines.size(), result.out());
        assertTrue(lines.get(0).startsWith("key       devices    key ms"), lines.get(0));
        assertTrue(lines.get(1).startsWith("ec-p256         2 "), lines.get(1));
        assertTrue(lines.get(2).startsWith("rsa-2048        1 "), lines.get(2));
    }

    private void issueFor(org.bouncycastle.pkcs.PKCS10CertificationRequest csr, Path out, ValidityPeriod validity) {
        CertificateAuthority aws = CertificateAuthority.load(ca, Instant.now());
        Pem.writeCertificates(out, List.of(aws.issueDeviceCertificate(csr, "csr", validity, new SecureRandom())));
    }
}
