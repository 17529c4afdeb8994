package dev.espfleet.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.espfleet.flasher.image.FlashRegion;
import dev.espfleet.flasher.sim.SimConfig;
import dev.espfleet.flasher.sim.SimFlash;
import dev.espfleet.flasher.sim.SimLink;
import dev.espfleet.flasher.sim.SimulatedEsp32;
import dev.espfleet.generator.config.ConfigLoader;
import dev.espfleet.generator.config.DeviceConfig;
import dev.espfleet.generator.render.ProjectRenderer;
import dev.espfleet.model.MacAddress;
import dev.espfleet.nvs.NvsCsv;
import dev.espfleet.nvs.NvsEntry;
import dev.espfleet.nvs.NvsPartitionReader;
import dev.espfleet.nvs.NvsVersion;
import dev.espfleet.nvs.PartitionEntry;
import dev.espfleet.nvs.PartitionTable;
import dev.espfleet.provisioning.CertificateAuthority;
import dev.espfleet.provisioning.KeyType;
import dev.espfleet.provisioning.Pem;
import dev.espfleet.provisioning.ValidityPeriod;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.jcajce.JcaX509v2CRLBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.eclipse.paho.client.mqttv3.MqttClient;
import org.eclipse.paho.client.mqttv3.MqttConnectOptions;
import org.eclipse.paho.client.mqttv3.MqttException;
import org.eclipse.paho.client.mqttv3.persist.MemoryPersistence;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * AWS IoT Jobs' {@code rotate-certificate} end to end, in the loop: the env-sensor firmware with jobs and rotation
 * on, built with the host runtime, in a simulated ESP32's flash, connected through mosquitto (mutual TLS) to a
 * shadow service, a Jobs service and CreateCertificateFromCsr and RegisterThing (FleetProvisioningStandIn, serving the
 * generated aws/provisioning-template.json as jobs.rotation_template) that follow AWS's documentation. Every assertion is on what the Jobs service, the broker, the flash or the console saw.
 */
class CertificateRotationScenariosTest {
    static final MacAddress MAC = MacAddress.parse("24:0a:c4:5e:00:19");
    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration JOB_DEADLINE = Duration.ofSeconds(90);
    static final SecureRandom RANDOM = new SecureRandom();
    static final List<String> STAGED_KEYS = List.of("rot_key", "rot_cert", "rot_state", "rot_why");

    @TempDir
    static Path cache;
    static DeviceConfig config;
    static SimFirmware firmware;
    static String template;
    static String templateBody;

    @TempDir
    Path dir;
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeAll
    static void build() throws Exception {
        assumeTrue(Files.isRegularFile(Path.of("/usr/include/mosquitto.h")) && Mosquitto.installed(),
                "the scenarios need " + HostAppBuild.PACKAGES + " and mosquitto");
        String yaml = Files.readString(SimFirmwareTest.HOST.resolve("../examples/env-sensor.yaml"))
                + "jobs:\n  enabled: true\n  rotation: true\n  rotation_template: env-sensor-rotation\n";
        Path file = cache.resolve("rotation/env-sensor.yaml");
        Files.createDirectories(file.getParent());
        Files.writeString(file, yaml);
        config = ConfigLoader.load(file);
        template = config.jobs().rotationTemplate().orElseThrow();
        // the template the stand-in serves is the one espfleet generates for this config
        templateBody = new ProjectRenderer().render(config).text("aws/provisioning-template.json");
        firmware = SimFirmware.build(config, cache.resolve("builds"));
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    /** A bench, its broker, the shadow and Jobs services, CreateCertificateFromCsr, and a chip running the app. */
    private final class World {
        final String thing;
        final Bench bench;
        final Path unit;
        final Mosquitto broker;
        final JobsServiceStandIn jobs;
        final FleetProvisioningStandIn certificates;
        final ConsoleFrames console;
        final Path flashFile;

        World(String thing) throws Exception {
            this.thing = thing;
            bench = Bench.create(dir);
            unit = bench.provision(thing, config);
            broker = bench.startBroker();
            open.add(broker);
            open.add(ShadowServiceStandIn.connect(broker, bench.clientTls("shadow-service"), "dt", ""));
            jobs = JobsServiceStandIn.connect(broker, bench.clientTls("jobs-service"));
            open.add(jobs);
            certificates = FleetProvisioningStandIn.connect(broker, bench.clientTls("certificate-service"), bench.ca,
                    template, templateBody);
            open.add(certificates);
            flashFile = dir.resolve("flash.bin");
            SimFlash flash = SimFlash.file(flashFile, 4 << 20);
            List<FlashRegion> regions = new ArrayList<>(firmware.regions());
            regions.add(identityRegion("localhost:" + broker.port()));
            for (FlashRegion r : regions) {
                flash.load(r.offset(), r.data());
            }
            flash.force();
            SimulatedEsp32 chip = new SimulatedEsp32(SimConfig.esp32().withMac(MAC).withFlashFile(flashFile)
                    .withStartInDownloadMode(false).withAppRollback(true));
            open.add(chip::close);
            SimLink link = new SimLink(chip);
            link.setBaudRate(115200);
            console = new ConsoleFrames(link);
            console.awaitText("jobs: no job pending", Duration.ofSeconds(30)); // subscribed, asked start-next
        }

        private FlashRegion identityRegion(String endpoint) throws Exception {
            DeviceConfig.Identity id = config.identity();
            List<NvsCsv.Row> rows = new ArrayList<>();
            for (NvsCsv.Row row : NvsCsv.read(List.of(unit.resolve("identity.csv")))) {
                boolean isEndpoint = row.entry().key() != null && row.entry().key().equals(id.endpointKey().value());
                rows.add(isEndpoint ? new NvsCsv.Row(NvsEntry.string(row.entry().namespace(), row.entry().key(),
                        endpoint), row.location()) : row);
            }
            rows.add(new NvsCsv.Row(NvsEntry.string(config.wifi().namespace().value(), config.wifi().ssidKey().value(),
                    HostNvsImages.HOST_SSID), "test"));
            byte[] image = NvsCsv.write(rows, id.partitionSize(), NvsVersion.V2, null);
            return new FlashRegion("identity.bin", (int) identityPartition().offset(), image).asSecret();
        }

        JobsServiceStandIn.Snapshot runJob(String jobId, ObjectNode document) throws Exception {
            return jobs.runToEnd(thing, jobId, document, console, JOB_DEADLINE, broker::log);
        }

        /** The identity namespace's keys and values as the flash file holds them now. */
        Map<String, NvsEntry> identity() throws Exception {
            byte[] flash = Files.readAllBytes(flashFile);
            PartitionEntry p = identityPartition();
            byte[] image = java.util.Arrays.copyOfRange(flash, (int) p.offset(), (int) (p.offset() + p.size()));
            Map<String, NvsEntry> entries = new HashMap<>();
            for (NvsEntry e : NvsPartitionReader.read(image).items()) {
                if (e.namespace().equals(config.identity().namespace().value())) {
                    entries.put(e.key(), e);
                }
            }
            return entries;
        }

        String text(String key) throws Exception {
            NvsEntry e = identity().get(key);
            return e == null ? null : e.stringValue();
        }
    }

    static PartitionEntry identityPartition() {
        return PartitionTable.fromBinary(firmware.regions().get(1).data())
                .find(config.identity().partition().value()).orElseThrow();
    }

    static ObjectNode rotateDocument() {
        return JSON.createObjectNode().put("operation", "rotate-certificate");
    }

    @Test
    void rotationCommitsAndTheBrokerThenAcceptsOnlyTheNewCertificate() throws Exception {
        World w = new World("rotate-ok-001");
        DeviceConfig.Identity id = config.identity();
        String oldCert = w.text(id.deviceCertKey().value());
        String oldKey = w.text(id.privateKeyKey().value());
        assertEquals(Files.readString(w.unit.resolve("cert.pem")).strip(), oldCert.strip());

        JobsServiceStandIn.Snapshot job = w.runJob("rotate-1", rotateDocument());

        assertEquals("SUCCEEDED", job.status(), w.console.console() + w.broker.log());
        assertEquals("committed", job.detail("step"));
        assertEquals(List.of("QUEUED", "IN_PROGRESS", "SUCCEEDED"), job.history());
        assertEquals(1, w.certificates.issued().size());
        FleetProvisioningStandIn.Issued issued = w.certificates.issued().get(0);
        assertEquals(issued.certificateId(), job.detail("certificateId"));
        // RegisterThing with the rotation template attached the new certificate to the same thing
        assertEquals(List.of(new FleetProvisioningStandIn.Registered("rotate-ok-001",
                        Map.of("ThingName", "rotate-ok-001", "MacAddress", MAC.toString().toLowerCase()),
                        issued.certificateId())),
                w.certificates.registered());
        assertEquals(List.of(), w.certificates.rejections());
        // the flash: the new certificate and a new key are the current ones; nothing staged is left
        Map<String, NvsEntry> nvs = w.identity();
        assertEquals(Pem.encodeCertificate(issued.certificate()).strip(),
                nvs.get(id.deviceCertKey().value()).stringValue().strip());
        assertNotEquals(oldKey, nvs.get(id.privateKeyKey().value()).stringValue());
        for (String staged : STAGED_KEYS) {
            assertFalse(nvs.containsKey(staged), staged + " is still in NVS: " + nvs.keySet());
        }
        String log = w.console.console();
        assertTrue(log.contains("connecting with the new certificate"), log);
        assertTrue(log.contains("esp_restart()"), log);

        // the old certificate revoked: the broker refuses it, and the device still connects (with the new one)
        X509Certificate old = Pem.readCertificates(w.unit.resolve("cert.pem")).get(0);
        Path crl = revocationList(w.bench, old);
        int mark = w.console.console().length();
        w.broker.restartWithCrl(crl);
        w.console.pumpUntil(() -> w.console.console().indexOf("mqtt_connected", mark) >= 0, Duration.ofSeconds(60));
        assertTrue(w.console.console().indexOf("mqtt_connected", mark) >= 0,
                "the device did not connect again after the old certificate was revoked:\n"
                        + w.console.console().substring(mark) + w.broker.log());
        MqttException refused = assertThrows(MqttException.class, () -> connectWith(w, w.unit, "rotate-ok-001-old"));
        // the broker's TLS alert, as the JDK reports it: the refusal is the revocation, not something else
        assertTrue(String.valueOf(refused.getCause()).contains("certificate_revoked"), refused + w.broker.log());
        System.out.println("rotation: old certificate refused by the broker: " + refused.getCause());
    }

    @Test
    void fallbackWhenTheBrokerRefusesTheNewCertificateEndsTheJobFailed() throws Exception {
        World w = new World("rotate-fallback-001");
        DeviceConfig.Identity id = config.identity();
        String oldCert = w.text(id.deviceCertKey().value());
        String oldKey = w.text(id.privateKeyKey().value());
        Instant now = Instant.now();
        w.certificates.issueFrom(CertificateAuthority.createRoot("untrusted CA", Optional.of("espfleet tests"),
                KeyType.EC_P256, ValidityPeriod.days(now.minusSeconds(3600), 2), RANDOM));

        JobsServiceStandIn.Snapshot job = w.runJob("rotate-2", rotateDocument());

        assertEquals("FAILED", job.status(), w.console.console() + w.broker.log());
        assertEquals("fell-back", job.detail("step"));
        String reason = job.detail("reason");
        assertTrue(reason.startsWith("the broker refused the new certificate: "), reason);
        assertTrue(reason.endsWith("; back on the old certificate"), reason);
        System.out.println("fallback: job FAILED with reason: " + reason);
        assertEquals(List.of("QUEUED", "IN_PROGRESS", "FAILED"), job.history());
        assertEquals(1, w.certificates.issued().size());
        // the old pair is still the current one; the refused pair is gone
        Map<String, NvsEntry> nvs = w.identity();
        assertEquals(oldCert, nvs.get(id.deviceCertKey().value()).stringValue());
        assertEquals(oldKey, nvs.get(id.privateKeyKey().value()).stringValue());
        for (String staged : STAGED_KEYS) {
            assertFalse(nvs.containsKey(staged), staged + " is still in NVS: " + nvs.keySet());
        }
        // two restarts: one to try the new pair, one back to the old; the second boot connected and reported
        String log = w.console.console();
        int refusedAt = log.indexOf("restarting with the old one");
        assertTrue(refusedAt > 0, log);
        assertTrue(log.indexOf("mqtt_connected", refusedAt) > refusedAt, log);
    }

    @Test
    void registerThingRejectedEndsTheJobFailedWithNothingStagedAndTheOldCertificateInUse() throws Exception {
        World w = new World("rotate-register-001");
        DeviceConfig.Identity id = config.identity();
        String oldCert = w.text(id.deviceCertKey().value());
        String oldKey = w.text(id.privateKeyKey().value());
        w.certificates.expireNextToken(); // RegisterThing then answers 400 InvalidCertificateOwnershipToken

        JobsServiceStandIn.Snapshot job = w.runJob("rotate-3", rotateDocument());

        assertEquals("FAILED", job.status(), w.console.console() + w.broker.log());
        assertEquals("register", job.detail("step"));
        assertEquals("RegisterThing rejected: 400 InvalidCertificateOwnershipToken", job.detail("reason"));
        assertEquals(List.of("QUEUED", "IN_PROGRESS", "FAILED"), job.history());
        assertEquals(1, w.certificates.issued().size());
        assertEquals(List.of(), w.certificates.registered());
        assertEquals(List.of("$aws/provisioning-templates/" + template + "/provision/json 400"
                + " InvalidCertificateOwnershipToken"), w.certificates.rejections());
        // nothing staged, no restart: the old pair is still the current one and still connected
        Map<String, NvsEntry> nvs = w.identity();
        assertEquals(oldCert, nvs.get(id.deviceCertKey().value()).stringValue());
        assertEquals(oldKey, nvs.get(id.privateKeyKey().value()).stringValue());
        for (String staged : STAGED_KEYS) {
            assertFalse(nvs.containsKey(staged), staged + " is still in NVS: " + nvs.keySet());
        }
        String log = w.console.console();
        assertFalse(log.contains("esp_restart()"), log);
        assertFalse(log.contains("connecting with the new certificate"), log);
        connectWith(w, w.unit, "rotate-register-001-old"); // the broker still takes the old certificate
    }

    /** A CRL from the bench CA naming {@code revoked}, as mosquitto's crlfile takes it. */
    static Path revocationList(Bench bench, X509Certificate revoked) throws Exception {
        Instant now = Instant.now();
        X509Certificate caCert = bench.ca.certificate();
        JcaX509v2CRLBuilder builder = new JcaX509v2CRLBuilder(caCert, Date.from(now.minusSeconds(60)));
        builder.setNextUpdate(Date.from(now.plus(Duration.ofDays(1))));
        builder.addCRLEntry(revoked.getSerialNumber(), Date.from(now.minusSeconds(60)), CRLReason.keyCompromise);
        X509CRLHolder crl = builder.build(new JcaContentSignerBuilder("SHA256withECDSA")
                .build(Pem.readPrivateKey(bench.caDir.resolve(CertificateAuthority.KEY_FILE))));
        StringWriter out = new StringWriter();
        try (JcaPEMWriter pem = new JcaPEMWriter(out)) {
            pem.writeObject(crl);
        }
        Path file = bench.dir.resolve("revoked.crl.pem");
        Files.writeString(file, out.toString());
        return file;
    }

    /** Connects a test client with a unit's key and certificate (as the device held them before the rotation). */
    static void connectWith(World w, Path unit, String clientId) throws Exception {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("client", Pem.readPrivateKey(unit.resolve("key.pem")), new char[0],
                Pem.readCertificates(unit.resolve("cert.pem")).toArray(new Certificate[0]));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, new char[0]);
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        trust.setCertificateEntry("ca", w.bench.ca.root());
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), tmf.getTrustManagers(), RANDOM);
        MqttConnectOptions options = new MqttConnectOptions();
        options.setSocketFactory(tls.getSocketFactory());
        options.setConnectionTimeout(10);
        try (MqttClient client = new MqttClient("ssl://localhost:" + w.broker.port(), clientId,
                new MemoryPersistence())) {
            client.connect(options);
            client.disconnect();
        }
    }
}
