package dev.espfleet.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.espfleet.flasher.image.FlashRegion;
import dev.espfleet.flasher.image.OtaData;
import dev.espfleet.flasher.sim.SimConfig;
import dev.espfleet.flasher.sim.SimFlash;
import dev.espfleet.flasher.sim.SimLink;
import dev.espfleet.flasher.sim.SimulatedEsp32;
import dev.espfleet.generator.config.ConfigLoader;
import dev.espfleet.generator.config.DeviceConfig;
import dev.espfleet.generator.render.ProjectRenderer;
import dev.espfleet.generator.render.ProjectWriter;
import dev.espfleet.model.MacAddress;
import dev.espfleet.nvs.NvsCsv;
import dev.espfleet.nvs.NvsEntry;
import dev.espfleet.nvs.NvsVersion;
import dev.espfleet.nvs.PartitionEntry;
import dev.espfleet.nvs.PartitionTable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * AWS IoT Jobs' {@code ota} end to end, in the loop: the env-sensor firmware with jobs on, built with the host
 * runtime (version 1.2.3, and 1.3.0 as the update), written into a simulated ESP32's flash (with app rollback, as
 * the config's sdkconfig asks), connected through mosquitto with mutual TLS to a shadow service and a Jobs service
 * that follow AWS's documentation, downloading over HTTPS from a server with a bench-CA certificate. Every assertion
 * is on what the Jobs service, the flash or the console saw.
 */
class OtaJobScenariosTest {
    static final MacAddress MAC = MacAddress.parse("24:0a:c4:5e:00:18");
    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration JOB_DEADLINE = Duration.ofSeconds(90);

    @TempDir
    static Path cache;
    static DeviceConfig config;
    static SimFirmware current;
    static SimFirmware update;
    static byte[] brokenUpdate;
    /** 1.2.3 built with jobs.ota_signing_key, and the key pair whose public half that is. */
    static SimFirmware signedCurrent;
    static java.security.KeyPair signingKey;

    @TempDir
    Path dir;
    private final List<AutoCloseable> open = new ArrayList<>();

    @BeforeAll
    static void build() throws Exception {
        assumeTrue(Files.isRegularFile(Path.of("/usr/include/mosquitto.h")) && Mosquitto.installed(),
                "the scenarios need " + HostAppBuild.PACKAGES + " and mosquitto");
        String yaml = Files.readString(SimFirmwareTest.HOST.resolve("../examples/env-sensor.yaml"))
                + "jobs:\n  enabled: true\n  self_test_timeout_s: 30\n";
        config = load(cache.resolve("v1/env-sensor.yaml"), yaml);
        current = SimFirmware.build(config, cache.resolve("builds"));
        DeviceConfig next = load(cache.resolve("v2/env-sensor.yaml"),
                yaml.replace("firmware_version: 1.2.3", "firmware_version: 1.3.0"));
        update = SimFirmware.build(next, cache.resolve("builds"));
        // 1.3.0 with a product check that fails: what a build with a broken sensor driver would do
        Path project = cache.resolve("broken/project");
        ProjectWriter.write(new ProjectRenderer().render(next), project);
        Files.writeString(project.resolve("main/self_test_fails.c"),
                "#include <stdbool.h>\n#include \"ota_job.h\"\nbool app_self_test(void)\n{\n    return false;\n}\n");
        byte[] elf = Files.readAllBytes(HostAppBuild.build(project, cache.resolve("broken/build"), false));
        brokenUpdate = HostAppImage.pack(project, elf, next.flashSize().bytes());
        signingKey = p256();
        Path signed = cache.resolve("v1-signed/env-sensor.yaml");
        Files.createDirectories(signed.getParent());
        Files.writeString(signed.resolveSibling("ota-signing.pub.pem"), "-----BEGIN PUBLIC KEY-----\n"
                + java.util.Base64.getMimeEncoder(64, "\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII))
                        .encodeToString(signingKey.getPublic().getEncoded()) + "\n-----END PUBLIC KEY-----\n");
        signedCurrent = SimFirmware.build(load(signed, yaml + "  ota_signing_key: ota-signing.pub.pem\n"),
                cache.resolve("builds"));
    }

    static java.security.KeyPair p256() throws Exception {
        java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("EC");
        g.initialize(new java.security.spec.ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    /** What espfleet jobs ota --sign-key puts in "signature": ECDSA P-256 over the image's SHA-256, DER, base64. */
    static String sign(java.security.PrivateKey key, byte[] image) throws Exception {
        java.security.Signature s = java.security.Signature.getInstance("SHA256withECDSA");
        s.initSign(key);
        s.update(image);
        return java.util.Base64.getEncoder().encodeToString(s.sign());
    }

    private static DeviceConfig load(Path file, String yaml) throws Exception {
        Files.createDirectories(file.getParent());
        Files.writeString(file, yaml);
        return ConfigLoader.load(file);
    }

    @AfterEach
    void closeAll() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
    }

    /** A bench, its broker, the shadow and Jobs services, an image server, and a chip running 1.2.3. */
    private final class World {
        final String thing;
        final JobsServiceStandIn jobs;
        final OtaImageServer images;
        final SimulatedEsp32 chip;
        final SimLink link;
        final ConsoleFrames console;
        final Path flashFile;

        World(String thing, byte[] served) throws Exception {
            this(thing, served, current);
        }

        World(String thing, byte[] served, SimFirmware firmware) throws Exception {
            this.thing = thing;
            Bench bench = Bench.create(dir);
            Path unit = bench.provision(thing, config);
            Mosquitto broker = bench.startBroker();
            open.add(broker);
            open.add(ShadowServiceStandIn.connect(broker, bench.clientTls("shadow-service"), "dt", ""));
            jobs = JobsServiceStandIn.connect(broker, bench.clientTls("jobs-service"));
            open.add(jobs);
            images = OtaImageServer.start(bench.serverCert, bench.serverKey, "app.bin", served);
            open.add(images);
            flashFile = dir.resolve("flash.bin");
            SimFlash flash = SimFlash.file(flashFile, 4 << 20);
            List<FlashRegion> regions = new ArrayList<>(firmware.regions());
            regions.add(identityRegion(unit, "localhost:" + broker.port()));
            for (FlashRegion r : regions) {
                flash.load(r.offset(), r.data());
            }
            flash.force();
            chip = new SimulatedEsp32(SimConfig.esp32().withMac(MAC).withFlashFile(flashFile)
                    .withStartInDownloadMode(false).withAppRollback(true));
            open.add(chip::close);
            link = new SimLink(chip);
            link.setBaudRate(115200);
            console = new ConsoleFrames(link);
            ConsoleFrames.Frame hello = console.await(f -> f.kind().equals("hello"), Duration.ofSeconds(30))
                    .orElseThrow(() -> new AssertionError("no hello:\n" + console.console()));
            assertEquals("1.2.3", hello.text("fw"));
            console.awaitText("jobs: no job pending", Duration.ofSeconds(30)); // subscribed, asked start-next
        }

        private FlashRegion identityRegion(Path unit, String endpoint) throws Exception {
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
            PartitionEntry certs = table().find(id.partition().value()).orElseThrow();
            return new FlashRegion("identity.bin", (int) certs.offset(), image).asSecret();
        }

        JobsServiceStandIn.Snapshot runJob(String jobId, ObjectNode document) throws Exception {
            return jobs.runToEnd(thing, jobId, document, console, JOB_DEADLINE, () -> "");
        }

        /** The otadata copies in the flash file. */
        OtaData.Entry[] otadata() throws Exception {
            byte[] flash = Files.readAllBytes(flashFile);
            int at = (int) table().find("otadata").orElseThrow().offset();
            return new OtaData.Entry[] {OtaData.Entry.decode(flash, at), OtaData.Entry.decode(flash, at + OtaData.COPY_STRIDE)};
        }
    }

    static PartitionTable table() {
        return PartitionTable.fromBinary(current.regions().get(1).data());
    }

    static ObjectNode otaDocument(String url, byte[] image, String version) throws Exception {
        ObjectNode doc = JSON.createObjectNode();
        doc.put("operation", "ota");
        doc.put("url", url);
        doc.put("sha256", HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(image)));
        doc.put("version", version);
        doc.put("size", image.length);
        return doc;
    }

    static byte[] appImage(SimFirmware firmware) {
        return firmware.regions().get(firmware.regions().size() - 1).data();
    }

    @Test
    void otaSucceedsAndTheNewVersionIsReported() throws Exception {
        byte[] image = appImage(update);
        World w = new World("ota-ok-001", image);
        JobsServiceStandIn.Snapshot job = w.runJob("ota-130", otaDocument(w.images.url("app.bin"), image, "1.3.0"));
        assertEquals("SUCCEEDED", job.status(), w.console.console());
        assertEquals("1.3.0", job.detail("version"));
        assertEquals(List.of("QUEUED", "IN_PROGRESS", "SUCCEEDED"), job.history());
        // downloading, rebooting, done: each update carried the version the service held (no VersionMismatch)
        assertFalse(w.jobs.requests().toString().contains("VersionMismatch"));
        ConsoleFrames.Frame hello = w.console.await(f -> f.kind().equals("hello") && "1.3.0".equals(f.text("fw")),
                Duration.ofSeconds(5)).orElseThrow(() -> new AssertionError("1.3.0 never said hello"));
        assertEquals("ota-ok-001", hello.text("thing"));
        assertTrue(w.console.console().contains("self-test passed: app 1.3.0 confirmed"), w.console.console());
        // otadata: ota_1 (seq 2) is the active slot and VALID; the bootloader loaded it from 0x210000
        OtaData.Entry[] e = w.otadata();
        assertEquals(2, e[1].seq());
        assertEquals(OtaData.STATE_VALID, e[1].state());
        assertTrue(e[1].crcMatches());
        assertTrue(w.console.console().contains("Loaded app from partition at offset 0x210000"));
    }

    @Test
    void rollbackWhenTheNewBuildFailsItsSelfTestEndsTheJobFailed() throws Exception {
        World w = new World("ota-rollback-001", brokenUpdate);
        JobsServiceStandIn.Snapshot job = w.runJob("ota-broken",
                otaDocument(w.images.url("app.bin"), brokenUpdate, "1.3.0"));
        assertEquals("FAILED", job.status(), w.console.console());
        assertEquals("rolled-back", job.detail("step"));
        assertTrue(job.detail("reason").contains("did not pass its self-test"), job.detail("reason"));
        assertTrue(job.detail("reason").contains("rolled back to 1.2.3"), job.detail("reason"));
        assertEquals("1.2.3", job.detail("version"));
        String log = w.console.console();
        assertTrue(log.contains("self-test failed (app_self_test() returned false)"), log);
        // the new app's entry is INVALID: the bootloader went back to ota_0, which still says hello as 1.2.3
        OtaData.Entry[] e = w.otadata();
        assertEquals(2, e[1].seq());
        assertEquals(OtaData.STATE_INVALID, e[1].state());
        assertTrue(log.lastIndexOf("Loaded app from partition at offset 0x20000") > log.indexOf(
                "Loaded app from partition at offset 0x210000"), log);
    }

    @Test
    void digestMismatchIsRefusedBeforeTheSwitch() throws Exception {
        byte[] image = appImage(update);
        World w = new World("ota-digest-001", image);
        ObjectNode doc = otaDocument(w.images.url("app.bin"), image, "1.3.0");
        doc.put("sha256", "00" + doc.get("sha256").asText().substring(2));
        JobsServiceStandIn.Snapshot job = w.runJob("ota-digest", doc);
        assertEquals("FAILED", job.status(), w.console.console());
        assertTrue(job.detail("reason").startsWith("SHA-256 mismatch"), job.detail("reason"));
        assertEquals(1, w.images.requests()); // a wrong digest is not fixed by downloading again
        OtaData.Entry[] e = w.otadata();
        assertEquals(-1, e[1].seq()); // ota_1 never became the boot slot
        assertFalse(w.console.console().contains("esp_restart()"), w.console.console());
    }

    @Test
    void signatureMissingOrWrongIsRefusedBeforeTheSwitchAndARightOneIsAccepted() throws Exception {
        byte[] image = appImage(update);
        World w = new World("ota-signature-001", image, signedCurrent);
        JobsServiceStandIn.Snapshot unsigned = w.runJob("ota-unsigned", otaDocument(w.images.url("app.bin"), image,
                "1.3.0"));
        assertEquals("FAILED", unsigned.status(), w.console.console());
        assertTrue(unsigned.detail("reason").contains("\"signature\""), unsigned.detail("reason"));
        assertEquals(0, w.images.requests()); // nothing to verify it with: not downloaded

        ObjectNode wrong = otaDocument(w.images.url("app.bin"), image, "1.3.0");
        wrong.put("signature", sign(p256().getPrivate(), image)); // a key the firmware does not hold
        JobsServiceStandIn.Snapshot refused = w.runJob("ota-wrong-signature", wrong);
        assertEquals("FAILED", refused.status(), w.console.console());
        assertTrue(refused.detail("reason").startsWith("signature check failed"), refused.detail("reason"));
        assertEquals(1, w.images.requests());
        assertEquals(-1, w.otadata()[1].seq()); // ota_1 never became the boot slot
        assertFalse(w.console.console().contains("esp_restart()"), w.console.console());

        ObjectNode right = otaDocument(w.images.url("app.bin"), image, "1.3.0");
        right.put("signature", sign(signingKey.getPrivate(), image));
        JobsServiceStandIn.Snapshot accepted = w.runJob("ota-signed", right);
        assertEquals("SUCCEEDED", accepted.status(), w.console.console());
        assertEquals("1.3.0", accepted.detail("version"));
    }

    @Test
    void cutDownloadIsTriedAgainFromTheStartAndSucceeds() throws Exception {
        byte[] image = appImage(update);
        World w = new World("ota-cut-001", image);
        w.images.cutNext(1, image.length / 2);
        JobsServiceStandIn.Snapshot first = w.runJob("ota-cut-once", otaDocument(w.images.url("app.bin"), image,
                "1.3.0"));
        assertEquals("SUCCEEDED", first.status(), w.console.console());
        assertEquals(2, w.images.requests());
        assertTrue(w.console.console().contains("download interrupted after"), w.console.console());
    }

    @Test
    void cutDownloadFailsCleanlyWhenEveryAttemptIsCut() throws Exception {
        byte[] image = appImage(update);
        World w = new World("ota-cut-002", image);
        w.images.cutNext(100, image.length / 2);
        JobsServiceStandIn.Snapshot job = w.runJob("ota-cut", otaDocument(w.images.url("app.bin"), image, "1.3.0"));
        assertEquals("FAILED", job.status(), w.console.console());
        assertEquals("download", job.detail("step"));
        assertTrue(job.detail("reason").startsWith("download interrupted after " + image.length / 2 + " of "
                + image.length + " bytes"), job.detail("reason"));
        assertEquals(3, w.images.requests());
        assertEquals(-1, w.otadata()[1].seq()); // the running app's slot stays the boot slot
        assertFalse(w.console.console().contains("esp_restart()"));
    }

    @Test
    void downgradeAndUnknownOperationsAreRejected() throws Exception {
        byte[] image = appImage(update);
        World w = new World("ota-reject-001", image);
        JobsServiceStandIn.Snapshot down = w.runJob("ota-down", otaDocument(w.images.url("app.bin"), image, "1.0.0"));
        assertEquals("REJECTED", down.status());
        assertTrue(down.detail("reason").contains("downgrade from 1.2.3 to 1.0.0 refused"), down.detail("reason"));
        ObjectNode other = JSON.createObjectNode().put("operation", "reformat");
        JobsServiceStandIn.Snapshot unknown = w.runJob("reformat-1", other);
        assertEquals("REJECTED", unknown.status());
        assertTrue(unknown.detail("reason").contains("'reformat'"), unknown.detail("reason"));
        assertEquals(0, w.images.requests());
    }
}
