package dev.espfleet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.espfleet.aws.IotControlPlaneStandIn;
import dev.espfleet.bench.IdentityLedger;
import dev.espfleet.bench.UnitRecord;
import dev.espfleet.provisioning.CertificateAuthority;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fleet on AWS end to end, each command its own process (as at a bench): a CA whose key a SoftHSM2 token
 * holds, {@code aws setup} and a two-board bench with {@code --register aws} against the IoT control-plane
 * stand-in on loopback ({@code --endpoint-url}), then the same again changing nothing; and a bench whose AWS is
 * down leaving its units pending until {@code aws sync}.
 */
class AwsFleetCliTest {
    private static final Path MODULE = Path.of("/usr/lib/softhsm/libsofthsm2.so");
    private static final String CONFIG = "../examples/env-sensor.yaml";
    private static final String REGION = "ap-south-1"; // the config's aws.endpoint
    private static final String PIN = "314159";

    @TempDir
    Path tmp;
    private IotControlPlaneStandIn aws;
    private final Map<String, String> env = new HashMap<>();

    record Run(int exit, String output) {
    }

    @BeforeEach
    void start() throws IOException {
        aws = IotControlPlaneStandIn.start(REGION);
        env.putAll(aws.credentials());
        // nothing of the host's AWS set-up may leak in
        env.put("AWS_CONFIG_FILE", tmp.resolve("no-aws-config").toString());
        env.put("AWS_SHARED_CREDENTIALS_FILE", tmp.resolve("no-aws-credentials").toString());
        env.put("AWS_EC2_METADATA_DISABLED", "true");
    }

    @AfterEach
    void stop() {
        aws.close();
    }

    private Run espfleet(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-exports", "jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED",
                "-cp", System.getProperty("java.class.path"), Main.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().remove("AWS_PROFILE");
        pb.environment().remove("AWS_REGION");
        pb.environment().remove("AWS_DEFAULT_REGION");
        pb.environment().putAll(env);
        Path log = tmp.resolve("run-" + System.nanoTime() + ".log");
        Process p = pb.redirectOutput(log.toFile()).start();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IllegalStateException("espfleet " + String.join(" ", args) + " did not finish");
        }
        return new Run(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }

    /** A SoftHSM2 of this test's own: its configuration names a token folder in the test's temporary folder. */
    private void token(String label) throws IOException, InterruptedException {
        Path conf = tmp.resolve("softhsm2.conf");
        Files.createDirectories(tmp.resolve("tokens"));
        Files.writeString(conf, "directories.tokendir = " + tmp.resolve("tokens") + "\nobjectstore.backend = file\n"
                + "log.level = ERROR\n");
        ProcessBuilder pb = new ProcessBuilder("softhsm2-util", "--init-token", "--free", "--label", label, "--pin", PIN,
                "--so-pin", "27182818").redirectErrorStream(true);
        pb.environment().put("SOFTHSM2_CONF", conf.toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), out);
        env.put("SOFTHSM2_CONF", conf.toString());
        env.put("ESPFLEET_PKCS11_PIN", PIN);
    }

    private List<UnitRecord> ledger(Path units) {
        try (IdentityLedger l = IdentityLedger.openExisting("jdbc:sqlite:" + units.resolve("ledger.db"))) {
            return l.list();
        }
    }

    @Test
    void aTokenCaFleetIsSetUpAndRegisteredAndASecondRunChangesNothing() throws Exception {
        assumeTrue(Files.isRegularFile(MODULE), "SoftHSM2 (softhsm2) is not installed");
        assumeTrue(Openssl.installed(), "openssl is not installed");
        token("fleet-ca");
        Path ca = tmp.resolve("ca");
        Run init = espfleet("ca", "init", "--out", ca.toString(), "--name", "fleet CA", "--key-uri",
                "pkcs11:token=fleet-ca;object=ca-key?module-path=" + MODULE);
        assertEquals(0, init.exit(), init.output());
        assertFalse(Files.exists(ca.resolve(CertificateAuthority.KEY_FILE)), "no key file in the CA folder");
        try (var files = Files.list(ca)) {
            assertEquals(List.of("ca.pem", "chain.pem", "key-uri"), files.map(f -> f.getFileName().toString()).sorted()
                    .toList());
        }
        assertFalse(Files.readString(ca.resolve("key-uri")).contains(PIN));
        assertFalse(init.output().contains(PIN));

        // provision signs through the token, and openssl accepts what it signed
        Path unit = tmp.resolve("one").resolve("sensor-0001");
        Run provision = espfleet("provision", "--config", CONFIG, "--thing", "sensor-0001", "--out", unit.toString(),
                "--ca", ca.toString(), "--server-ca", ca.resolve("ca.pem").toString());
        assertEquals(0, provision.exit(), provision.output());
        Openssl verify = Openssl.run(tmp, "verify", "-CAfile", ca.resolve("chain.pem").toString(),
                unit.resolve("cert.pem").toString());
        assertEquals(0, verify.exit(), verify.output());

        String endpoint = aws.endpoint().toString();
        Run setup = espfleet("aws", "setup", "--config", CONFIG, "--ca", ca.toString(), "--endpoint-url", endpoint);
        assertEquals(0, setup.exit(), setup.output());
        assertTrue(setup.output().contains("policy env-sensor-device: created"), setup.output());
        assertTrue(setup.output().contains("CA ") && setup.output().contains("registered ("), setup.output());

        Path units = tmp.resolve("units");
        String[] bench = {"bench", "--config", CONFIG, "--ca", ca.toString(), "--server-ca", ca.resolve("ca.pem").toString(),
            "--units", units.toString(), "--ports", "sim:2", "--station", "line-1", "--register", "aws",
            "--endpoint-url", endpoint};
        Run first = espfleet(bench);
        assertEquals(0, first.exit(), first.output());
        assertTrue(first.output().contains("2 of 2 units done"), first.output());

        assertEquals(2, aws.things().size(), aws.things().toString());
        for (UnitRecord u : ledger(units)) {
            assertEquals(UnitRecord.RegistrationState.REGISTERED, u.registration().state());
            String thing = u.thingName();
            assertEquals(aws.things().get(thing).arn(), u.registration().thingArn().orElseThrow());
            String certArn = u.registration().certificateArn().orElseThrow();
            assertEquals(java.util.Set.of(certArn), aws.principals(thing));
            assertEquals("ACTIVE", aws.certificate(certArn).orElseThrow().status());
            assertTrue(aws.certificate(certArn).orElseThrow().caId().isPresent(), "registered with the CA");
            assertEquals(java.util.Set.of("env-sensor-device"), aws.policiesOf(certArn));
            Openssl ok = Openssl.run(tmp, "verify", "-CAfile", ca.resolve("chain.pem").toString(),
                    units.resolve(thing).resolve("cert.pem").toString());
            assertEquals(0, ok.exit(), ok.output());
        }
        Run list = espfleet("ledger", "list", "--ledger", "jdbc:sqlite:" + units.resolve("ledger.db"));
        assertEquals(2, list.output().lines().filter(l -> l.contains(" registered   ")).count(), list.output());

        aws.clearLog();
        assertEquals(0, espfleet("aws", "setup", "--config", CONFIG, "--ca", ca.toString(), "--endpoint-url", endpoint)
                .exit());
        Run second = espfleet(bench);
        assertEquals(0, second.exit(), second.output());
        assertEquals(List.of(), aws.mutations(), "a second run changes nothing in AWS");
        assertEquals(2, aws.things().size());
        assertEquals(List.of(), aws.refusedSignatures());
    }

    @Test
    void unitsABenchCouldNotRegisterStayPendingUntilAwsSync() throws Exception {
        Path ca = tmp.resolve("ca");
        assertEquals(0, espfleet("ca", "init", "--out", ca.toString()).exit());
        int deadPort;
        try (ServerSocket s = new ServerSocket(0)) {
            deadPort = s.getLocalPort();
        }
        Path units = tmp.resolve("units");
        Run offline = espfleet("bench", "--config", CONFIG, "--ca", ca.toString(), "--server-ca",
                ca.resolve("ca.pem").toString(), "--units", units.toString(), "--ports", "sim:2", "--register", "aws",
                "--endpoint-url", "http://127.0.0.1:" + deadPort, "--aws-max-attempts", "1");
        assertEquals(1, offline.exit(), offline.output());
        assertTrue(offline.output().contains("0 of 2 units done, 2 flashed and verified but registration pending"),
                offline.output());
        assertTrue(offline.output().contains("error: 2 of 2 units are flashed and verified but not registered"),
                offline.output());
        for (UnitRecord u : ledger(units)) {
            assertEquals(UnitRecord.State.DONE, u.state(), "flashed and verified: not lost");
            assertEquals(UnitRecord.RegistrationState.PENDING, u.registration().state());
            assertTrue(u.registration().detail().orElseThrow().contains("cannot reach AWS"), u.registration().toString());
        }
        Run list = espfleet("ledger", "list", "--ledger", "jdbc:sqlite:" + units.resolve("ledger.db"));
        assertEquals(2, list.output().lines().filter(l -> l.contains(" pending      ") && l.contains("; registration pending: ")).count(), list.output());

        String endpoint = aws.endpoint().toString();
        assertEquals(0, espfleet("aws", "setup", "--config", CONFIG, "--endpoint-url", endpoint).exit());
        Run sync = espfleet("aws", "sync", "--config", CONFIG, "--ca", ca.toString(), "--units", units.toString(),
                "--endpoint-url", endpoint);
        assertEquals(0, sync.exit(), sync.output());
        assertTrue(sync.output().contains("2 registered, 0 still pending"), sync.output());
        assertEquals(2, aws.things().size());
        assertTrue(ledger(units).stream().allMatch(u -> u.registration().state()
                == UnitRecord.RegistrationState.REGISTERED));
        Run again = espfleet("aws", "sync", "--config", CONFIG, "--ca", ca.toString(), "--units", units.toString(),
                "--endpoint-url", endpoint);
        assertTrue(again.output().contains("0 unit(s) pending"), again.output());
    }

    /** The unit folder's certificate: what the board was given. */
    private static java.security.cert.X509Certificate certificateIn(Path unit) {
        return dev.espfleet.provisioning.Pem.readCertificate(unit.resolve("cert.pem"));
    }

    @Test
    void awsSignsEachUnitsCertificateAndASecondRunIssuesNone() throws Exception {
        Path ca = tmp.resolve("ca");
        assertEquals(0, espfleet("ca", "init", "--out", ca.toString()).exit());
        String endpoint = aws.endpoint().toString();
        Run setup = espfleet("aws", "setup", "--config", CONFIG, "--endpoint-url", endpoint);
        assertEquals(0, setup.exit(), setup.output());

        Path units = tmp.resolve("units");
        String[] bench = {"bench", "--config", CONFIG, "--ca", ca.toString(), "--server-ca", ca.resolve("ca.pem").toString(),
            "--units", units.toString(), "--ports", "sim:2", "--station", "line-1", "--register", "aws",
            "--certificate-from", "aws", "--endpoint-url", endpoint, "--eol", "none"};
        Run first = espfleet(bench);
        assertEquals(0, first.exit(), first.output());
        assertTrue(first.output().contains("2 of 2 units done"), first.output());

        assertEquals(2, aws.things().size(), aws.things().toString());
        Map<String, String> issued = new HashMap<>();
        for (UnitRecord u : ledger(units)) {
            assertEquals(UnitRecord.RegistrationState.REGISTERED, u.registration().state(), u.registration().toString());
            String thing = u.thingName();
            Path unit = units.resolve(thing);
            java.security.cert.X509Certificate cert = certificateIn(unit);
            String id = dev.espfleet.provisioning.UnitProvisioner.awsCertificateId(cert);
            // issued by AWS (the stand-in's CA), for the key in the unit folder, CN the thing
            cert.verify(aws.certificateSigningCa().getPublicKey());
            assertTrue(aws.issuedFromCsr(id), "made by CreateCertificateFromCsr");
            assertEquals(java.util.Arrays.toString(cert.getPublicKey().getEncoded()), java.util.Arrays.toString(
                    dev.espfleet.provisioning.KeyType.publicKeyOf(dev.espfleet.provisioning.Pem.readPrivateKey(
                            unit.resolve("key.pem"))).getEncoded()));
            assertEquals(java.util.Optional.of(thing), CertificateAuthority.commonName(cert));
            Openssl local = Openssl.run(tmp, "verify", "-CAfile", ca.resolve("chain.pem").toString(),
                    unit.resolve("cert.pem").toString());
            assertTrue(local.exit() != 0, "not the local CA's: " + local.output());
            // the ledger records what AWS calls it, and it is the board's
            assertEquals(java.util.Optional.of(id), u.certificateFingerprint());
            assertEquals(java.util.Optional.of(id), u.registration().certificateId());
            String certArn = u.registration().certificateArn().orElseThrow();
            assertEquals(id, aws.certificate(certArn).orElseThrow().id());
            assertEquals("ACTIVE", aws.certificate(certArn).orElseThrow().status());
            assertEquals(java.util.Set.of(certArn), aws.principals(thing));
            assertEquals(java.util.Set.of("env-sensor-device"), aws.policiesOf(certArn));
            assertEquals(aws.things().get(thing).arn(), u.registration().thingArn().orElseThrow());
            issued.put(thing, Files.readString(unit.resolve("cert.pem")));
        }
        assertEquals(2, aws.mutations().stream().filter("CreateCertificateFromCsr"::equals).count(), aws.mutations().toString());
        assertTrue(aws.mutations().stream().noneMatch(m -> m.startsWith("RegisterCertificate")), aws.mutations().toString());

        aws.clearLog();
        Run second = espfleet(bench);
        assertEquals(0, second.exit(), second.output());
        assertTrue(second.output().contains("2 of 2 units done"), second.output());
        assertEquals(List.of(), aws.mutations(), "a second run changes nothing in AWS: no new certificate");
        for (Map.Entry<String, String> e : issued.entrySet()) {
            assertEquals(e.getValue(), Files.readString(units.resolve(e.getKey()).resolve("cert.pem")), "kept");
        }
        assertEquals(List.of(), aws.refusedSignatures());
    }

    @Test
    void unitsWhoseRequestAwsRefusesFailWithAOneLineReasonAndAreNotPending() throws Exception {
        Path ca = tmp.resolve("ca");
        assertEquals(0, espfleet("ca", "init", "--out", ca.toString()).exit());
        String endpoint = aws.endpoint().toString();
        assertEquals(0, espfleet("aws", "setup", "--config", CONFIG, "--endpoint-url", endpoint).exit());
        aws.refuseCertificateSigningRequests("The certificate signing request is not valid");

        Path units = tmp.resolve("units");
        Run run = espfleet("bench", "--config", CONFIG, "--ca", ca.toString(), "--server-ca",
                ca.resolve("ca.pem").toString(), "--units", units.toString(), "--ports", "sim:2", "--register", "aws",
                "--certificate-from", "aws", "--endpoint-url", endpoint, "--eol", "none");
        assertEquals(1, run.exit(), run.output());
        assertTrue(run.output().contains("0 of 2 units done"), run.output());
        List<String> reasons = run.output().lines().filter(l -> l.contains("certificate request: ")).toList();
        assertTrue(reasons.size() >= 2, run.output());
        for (String line : reasons) {
            assertTrue(line.contains("AWS IoT did not sign ") && line.contains("CreateCertificateFromCsr failed: "
                    + "InvalidRequestException (HTTP 400): The certificate signing request is not valid"), line);
        }
        assertEquals(2, ledger(units).size());
        for (UnitRecord u : ledger(units)) {
            assertEquals(UnitRecord.State.ALLOCATED, u.state(), "not flashed: it has no certificate");
            assertEquals(null, u.registration().state(), "failed, not 'registration pending'");
            assertFalse(Files.exists(units.resolve(u.thingName()).resolve("cert.pem")));
            assertFalse(Files.exists(units.resolve(u.thingName()).resolve("key.pem")), "nothing half-written");
        }
        assertEquals(java.util.Map.of(), aws.things());
        Run bad = espfleet("bench", "--config", CONFIG, "--ca", ca.toString(), "--units", units.toString(), "--ports",
                "sim:1", "--certificate-from", "aws", "--eol", "none");
        assertEquals(2, bad.exit(), bad.output());
        assertTrue(bad.output().contains("error: --certificate-from aws: AWS IoT signs the units' certificates as it "
                + "registers them: pass --register aws too"), bad.output());
    }

    /**
     * Keys born on the device: the unit's own request goes to AWS, and the certificate AWS made goes back to the unit,
     * which checks it is for its key and thing and stores it (the simulated chips run the generated firmware).
     */
    @Test
    void awsSignsTheRequestOfAKeyBornOnTheDevice() throws Exception {
        Path config = tmp.resolve("device-keys.yaml");
        Files.writeString(config, Files.readString(Path.of(CONFIG)).replace("identity:\n",
                "identity:\n  key_source: device\n"));
        Path ca = tmp.resolve("ca");
        assertEquals(0, espfleet("ca", "init", "--out", ca.toString()).exit());
        String endpoint = aws.endpoint().toString();
        assertEquals(0, espfleet("aws", "setup", "--config", config.toString(), "--endpoint-url", endpoint).exit());
        Path units = tmp.resolve("units");
        Run run = espfleet("bench", "--config", config.toString(), "--ca", ca.toString(), "--server-ca",
                ca.resolve("ca.pem").toString(), "--units", units.toString(), "--ports", "sim:2", "--register", "aws",
                "--certificate-from", "aws", "--endpoint-url", endpoint, "--eol", "none");
        assertEquals(0, run.exit(), run.output());
        assertTrue(run.output().contains("2 of 2 units done"), run.output());
        assertEquals(2, ledger(units).size());
        for (UnitRecord u : ledger(units)) {
            Path unit = units.resolve(u.thingName());
            assertFalse(Files.exists(unit.resolve("key.pem")), "the key stays on the device");
            java.security.cert.X509Certificate cert = certificateIn(unit);
            cert.verify(aws.certificateSigningCa().getPublicKey());
            assertTrue(java.util.Arrays.equals(dev.espfleet.provisioning.Pem.readCsr(unit.resolve("csr.pem"))
                    .getSubjectPublicKeyInfo().getEncoded(), cert.getPublicKey().getEncoded()));
            String id = dev.espfleet.provisioning.UnitProvisioner.awsCertificateId(cert);
            assertTrue(aws.issuedFromCsr(id));
            assertEquals(java.util.Optional.of(id), u.registration().certificateId());
            assertEquals(UnitRecord.RegistrationState.REGISTERED, u.registration().state());
            String arn = u.registration().certificateArn().orElseThrow();
            assertEquals(java.util.Set.of(arn), aws.principals(u.thingName()));
            assertEquals(java.util.Set.of("env-sensor-device"), aws.policiesOf(arn));
            assertTrue(Files.readString(unit.resolve("bench.log")).contains("certificate stored by the unit"));
        }
    }
}
