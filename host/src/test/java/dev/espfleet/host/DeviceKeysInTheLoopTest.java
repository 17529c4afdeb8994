package dev.espfleet.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.espfleet.generator.model.PartitionLayout;
import dev.espfleet.nvs.NvsEncryptionKeys;
import dev.espfleet.nvs.NvsEntry;
import dev.espfleet.nvs.NvsImage;
import dev.espfleet.nvs.NvsPartitionReader;
import dev.espfleet.nvs.PartitionEntry;
import dev.espfleet.nvs.PartitionTable;
import dev.espfleet.provisioning.CertificateAuthority;
import dev.espfleet.provisioning.Pem;
import dev.espfleet.provisioning.ValidityPeriod;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * identity.key_source device, in the loop: the generated firmware (env-sensor with keys born on the device), built
 * with the host runtime under ASan and UBSan and given an identity image with no key and no certificate, makes its
 * key, offers a CSR on its console; the test signs it with the bench CA (the provisioning library's CA, as the
 * bench does), sends the certificate back, and the device connects to mosquitto with mutual TLS as its thing.
 */
class DeviceKeysInTheLoopTest {
    static final Path HOST = Path.of("").toAbsolutePath();
    static final Duration WAIT = Duration.ofSeconds(20);
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    /**
     * On the ESP32 (NVS keys in the nvs_keys partition, here in memory) and on the ESP32-S3 (NVS keys derived from an
     * HMAC key the firmware burns into eFuse at its first boot): the same device-side code, each scheme compiled in.
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"esp32", "esp32s3"})
    void aDeviceMakesItsKeyOffersACsrTakesItsCertificateAndConnectsWithIt(String chip) throws Exception {
        assumeTrue(Mosquitto.installed(), "mosquitto is not installed (apt-get install mosquitto)");
        Bench bench = Bench.create(dir);
        String thing = "dev-keys-1";
        Path config = dir.resolve("device-keys.yaml");
        Files.writeString(config, Files.readString(HOST.resolve("../examples/env-sensor.yaml"))
                .replace("identity:\n", "identity:\n  key_source: device\n")
                .replace("\ntarget: esp32\n", "\ntarget: " + chip + "\n"));
        // what a device-mode bench writes: thing name, endpoint and server CA; no key, no certificate
        Path unit = Files.createDirectories(dir.resolve("units").resolve(thing));
        Files.copy(bench.caDir.resolve(CertificateAuthority.CERTIFICATE_FILE), unit.resolve("server-ca.pem"));
        Files.writeString(unit.resolve("identity.csv"), "key,type,encoding,value\n"
                + "identity,namespace,,\n"
                + "thing_name,data,string," + thing + "\n"
                + "endpoint,data,string,localhost\n"
                + "server_ca,file,string,server-ca.pem\n");
        HostRun run = HostRun.prepare(config, unit, dir.resolve("build"), true);

        try (Mosquitto broker = bench.startBroker(); Console device = Console.start(run.command(Optional.of(broker.uri())))) {
            // the request: this thing's, an EC P-256 key, signed by that key
            Frame csrFrame = device.await(f -> f.kind.equals("csr"), WAIT);
            assertEquals(thing, csrFrame.json.path("thing").asText());
            assertEquals("ec_p256", csrFrame.json.path("key").asText());
            Path csrFile = dir.resolve("device.csr");
            Files.writeString(csrFile, csrFrame.json.path("csr").asText());
            PKCS10CertificationRequest csr = Pem.readCsr(csrFile);
            assertEquals(thing, IETFUtils.valueToString(csr.getSubject().getRDNs(BCStyle.CN)[0].getFirst().getValue()));
            ECPublicKey key = (ECPublicKey) new JcaPKCS10CertificationRequest(csr).getPublicKey();
            assertEquals(256, key.getParams().getCurve().getField().getFieldSize());

            // a certificate for another key is refused, and the device keeps waiting
            X509Certificate other = Pem.readCertificate(bench.provision("someone-else").resolve("cert.pem"));
            device.send("cert", certFrame(other, bench));
            Frame refused = device.await(f -> f.kind.equals("fail"), WAIT);
            assertEquals("identity", refused.json.path("stage").asText());
            assertEquals("the certificate is not for this device's key", refused.json.path("detail").asText());

            X509Certificate issued = bench.ca.issueDeviceCertificate(csr, csrFile.toString(),
                    ValidityPeriod.days(Instant.now().minusSeconds(60), 1), new SecureRandom());
            int mark = broker.logText().length();
            device.send("cert", certFrame(issued, bench));
            device.await(f -> f.kind.equals("state") && f.json.path("milestone").asText().equals("certificate_stored"),
                    WAIT);
            Frame hello = device.await(f -> f.kind.equals("hello") && !f.json.path("cert_sha256").isNull(), WAIT);
            assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(issued.getEncoded())),
                    hello.json.path("cert_sha256").asText());
            Frame connected = device.await(f -> f.kind.equals("state")
                    && f.json.path("milestone").asText().equals("mqtt_connected"), WAIT);
            assertEquals(thing, connected.json.path("thing").asText());
            // mosquitto took the certificate (use_identity_as_username: its CN is the user)
            assertTrue(broker.awaitLogAfter(mark, "as " + thing + " ", WAIT), broker.log());
            assertTrue(broker.logText().substring(mark).contains("u'" + thing + "'"), broker.log());
            assertFalse(device.text().contains("PRIVATE KEY"), "the console showed the key:" + device.text());
            // the scheme the chip has made the NVS keys at this first boot
            assertTrue(device.text().contains(chip.equals("esp32") ? "ESP_ERR_NVS_KEYS_NOT_INITIALIZED"
                    : "ESP_ERR_NVS_SEC_HMAC_KEY_NOT_FOUND"), device.text());
        }
    }

    /**
     * Protected at rest: the device runs on a flash file laid out by the generated partition table (the ESP32's, so the
     * flash-encryption-based NVS key scheme): it makes its XTS keys into the erased nvs_keys partition, keeps its key
     * and certificate in dev_keys encrypted, and nothing of the key is in the file in plain. espfleet's own NVS reader
     * (the Java one, written apart from the runtime's C) decrypts dev_keys with the keys from nvs_keys and finds the
     * key the CSR was made with.
     */
    @Test
    void theDeviceKeyIsEncryptedInFlashAndDecryptsWithTheKeysOfNvsKeys() throws Exception {
        assumeTrue(Mosquitto.installed(), "mosquitto is not installed (apt-get install mosquitto)");
        Bench bench = Bench.create(dir);
        String thing = "dev-keys-2";
        Path config = dir.resolve("device-keys.yaml");
        Files.writeString(config, Files.readString(HOST.resolve("../examples/env-sensor.yaml"))
                .replace("identity:\n", "identity:\n  key_source: device\n"));
        Path unit = Files.createDirectories(dir.resolve("units").resolve(thing));
        Files.copy(bench.caDir.resolve(CertificateAuthority.CERTIFICATE_FILE), unit.resolve("server-ca.pem"));
        Files.writeString(unit.resolve("identity.csv"), "key,type,encoding,value\n"
                + "identity,namespace,,\n"
                + "thing_name,data,string," + thing + "\n"
                + "endpoint,data,string,localhost\n"
                + "server_ca,file,string,server-ca.pem\n");
        HostRun run = HostRun.prepare(config, unit, dir.resolve("build"), false);
        PartitionTable table = PartitionTable.fromCsv(Files.readString(run.project().resolve("partitions.csv")),
                "partitions.csv", PartitionTable.DEFAULT_OFFSET);
        PartitionEntry devKeys = table.find(PartitionLayout.DEVICE_KEYS).orElseThrow();
        PartitionEntry nvsKeys = table.find(PartitionLayout.NVS_KEYS).orElseThrow();
        assertEquals(PartitionEntry.TYPE_DATA, nvsKeys.type());
        assertTrue(nvsKeys.encrypted(), "nvs_keys is flagged encrypted: flash encryption protects it on the chip");
        String identityLabel = run.config().identity().partition().value();
        PartitionEntry identity = table.find(identityLabel).orElseThrow();
        // the flash as the bench leaves it: erased, the partition table, the identity image; nvs_keys and dev_keys erased
        byte[] flash = new byte[(int) (devKeys.offset() + devKeys.size() + nvsKeys.size())];
        java.util.Arrays.fill(flash, (byte) 0xFF);
        byte[] tableBytes = table.toBinary();
        System.arraycopy(tableBytes, 0, flash, PartitionTable.DEFAULT_OFFSET, tableBytes.length);
        byte[] identityImage = Files.readAllBytes(run.nvsImages().get(identityLabel));
        System.arraycopy(identityImage, 0, flash, (int) identity.offset(), identityImage.length);
        Path flashFile = dir.resolve("flash.bin");
        Files.write(flashFile, flash);

        PKCS10CertificationRequest csr;
        try (Mosquitto broker = bench.startBroker();
             Console device = Console.start(List.of(run.app().toString(), "--flash", flashFile.toString(),
                     "--broker", broker.uri()))) {
            Frame csrFrame = device.await(f -> f.kind.equals("csr"), WAIT);
            Path csrFile = dir.resolve("device.csr");
            Files.writeString(csrFile, csrFrame.json.path("csr").asText());
            csr = Pem.readCsr(csrFile);
            X509Certificate issued = bench.ca.issueDeviceCertificate(csr, csrFile.toString(),
                    ValidityPeriod.days(Instant.now().minusSeconds(60), 1), new SecureRandom());
            device.send("cert", certFrame(issued, bench));
            device.await(f -> f.kind.equals("state") && f.json.path("milestone").asText().equals("mqtt_connected"),
                    WAIT);
        }

        byte[] after = Files.readAllBytes(flashFile);
        String text = new String(after, StandardCharsets.ISO_8859_1);
        assertFalse(text.contains("PRIVATE KEY"), "a private key lies in plain in the flash file");
        assertFalse(text.substring((int) devKeys.offset(), (int) (devKeys.offset() + devKeys.size())).contains("-----BEGIN"),
                "dev_keys holds PEM in plain");
        byte[] keyPartition = java.util.Arrays.copyOfRange(after, (int) nvsKeys.offset(),
                (int) (nvsKeys.offset() + nvsKeys.size()));
        byte[] devKeysImage = java.util.Arrays.copyOfRange(after, (int) devKeys.offset(),
                (int) (devKeys.offset() + devKeys.size()));
        NvsImage decrypted = NvsPartitionReader.read(devKeysImage, NvsEncryptionKeys.fromKeyPartition(keyPartition));
        String keyName = run.config().identity().privateKeyKey().value();
        NvsEntry keyEntry = decrypted.items().stream().filter(e -> e.key().equals(keyName)).findFirst().orElseThrow(
                () -> new AssertionError("no " + keyName + " in the decrypted dev_keys: " + decrypted.items()));
        String keyPem = new String(keyEntry.data(), StandardCharsets.US_ASCII).replace("\0", "");
        assertTrue(keyPem.startsWith("-----BEGIN EC PRIVATE KEY-----"), keyPem.substring(0, 20));
        java.security.interfaces.ECPrivateKey key = (java.security.interfaces.ECPrivateKey) Pem.parsePrivateKey(keyPem,
                "dev_keys");
        // the key that signed the CSR: its public point is the CSR's
        ECPublicKey offered = (ECPublicKey) new JcaPKCS10CertificationRequest(csr).getPublicKey();
        org.bouncycastle.math.ec.ECPoint derived = org.bouncycastle.asn1.x9.ECNamedCurveTable.getByName("P-256").getG()
                .multiply(key.getS()).normalize();
        assertEquals(offered.getW().getAffineX(), derived.getAffineXCoord().toBigInteger());
        // and its secret scalar is nowhere in the flash file
        byte[] scalar = org.bouncycastle.util.BigIntegers.asUnsignedByteArray(32, key.getS());
        assertFalse(HexFormat.of().formatHex(after).contains(HexFormat.of().formatHex(scalar)),
                "the key's scalar is in the flash file");
        // read without its keys, dev_keys gives nothing: not one entry passes its CRC
        org.junit.jupiter.api.Assertions.assertThrows(dev.espfleet.common.EspfleetException.class,
                () -> NvsPartitionReader.check(devKeysImage, null));
        // the bench's identity stays readable in plain
        assertTrue(NvsPartitionReader.read(java.util.Arrays.copyOfRange(after, (int) identity.offset(),
                (int) (identity.offset() + identity.size()))).items().stream().anyMatch(e -> e.key().equals("thing_name")));
    }

    /**
     * The ESP32-S3 on a flash file: at its first boot the firmware burns an HMAC key into (simulated) eFuse block 5 and
     * keeps dev_keys encrypted with the keys derived from it; at the next boot it derives the same keys from the same
     * eFuse, reads its key and certificate back and connects without asking for another certificate.
     */
    @Test
    void anHmacChipDerivesTheSameKeysAtItsNextBootAndKeepsItsCertificate() throws Exception {
        assumeTrue(Mosquitto.installed(), "mosquitto is not installed (apt-get install mosquitto)");
        Bench bench = Bench.create(dir);
        String thing = "dev-keys-3";
        Path config = dir.resolve("device-keys.yaml");
        Files.writeString(config, Files.readString(HOST.resolve("../examples/env-sensor.yaml"))
                .replace("identity:\n", "identity:\n  key_source: device\n")
                .replace("\ntarget: esp32\n", "\ntarget: esp32s3\n"));
        Path unit = Files.createDirectories(dir.resolve("units").resolve(thing));
        Files.copy(bench.caDir.resolve(CertificateAuthority.CERTIFICATE_FILE), unit.resolve("server-ca.pem"));
        Files.writeString(unit.resolve("identity.csv"), "key,type,encoding,value\n"
                + "identity,namespace,,\n"
                + "thing_name,data,string," + thing + "\n"
                + "endpoint,data,string,localhost\n"
                + "server_ca,file,string,server-ca.pem\n");
        HostRun run = HostRun.prepare(config, unit, dir.resolve("build"), false);
        PartitionTable table = PartitionTable.fromCsv(Files.readString(run.project().resolve("partitions.csv")),
                "partitions.csv", PartitionTable.DEFAULT_OFFSET);
        assertTrue(table.find(PartitionLayout.NVS_KEYS).isEmpty(), "the HMAC scheme has no nvs_keys partition");
        PartitionEntry devKeys = table.find(PartitionLayout.DEVICE_KEYS).orElseThrow();
        String identityLabel = run.config().identity().partition().value();
        byte[] flash = new byte[(int) (devKeys.offset() + devKeys.size())];
        java.util.Arrays.fill(flash, (byte) 0xFF);
        byte[] tableBytes = table.toBinary();
        System.arraycopy(tableBytes, 0, flash, PartitionTable.DEFAULT_OFFSET, tableBytes.length);
        byte[] identityImage = Files.readAllBytes(run.nvsImages().get(identityLabel));
        System.arraycopy(identityImage, 0, flash, (int) table.find(identityLabel).orElseThrow().offset(),
                identityImage.length);
        Path flashFile = dir.resolve("flash.bin");
        Files.write(flashFile, flash);
        java.util.function.Function<String, List<String>> boot = uri -> List.of(run.app().toString(), "--flash",
                flashFile.toString(), "--broker", uri);

        String firstCsr;
        try (Mosquitto broker = bench.startBroker();
             Console device = Console.start(boot.apply(broker.uri()))) {
            Frame csrFrame = device.await(f -> f.kind.equals("csr"), WAIT);
            firstCsr = csrFrame.json.path("csr").asText();
            Path csrFile = dir.resolve("device.csr");
            Files.writeString(csrFile, firstCsr);
            PKCS10CertificationRequest csr = Pem.readCsr(csrFile);
            device.send("cert", certFrame(bench.ca.issueDeviceCertificate(csr, csrFile.toString(),
                    ValidityPeriod.days(Instant.now().minusSeconds(60), 1), new SecureRandom()), bench));
            device.await(f -> f.kind.equals("state") && f.json.path("milestone").asText().equals("mqtt_connected"),
                    WAIT);
            assertTrue(device.text().contains("ESP_ERR_NVS_SEC_HMAC_KEY_NOT_FOUND"), device.text());
        }
        assertFalse(new String(Files.readAllBytes(flashFile), StandardCharsets.ISO_8859_1).contains("PRIVATE KEY"));
        try (Mosquitto broker = bench.startBroker();
             Console device = Console.start(boot.apply(broker.uri()))) {
            device.await(f -> f.kind.equals("state") && f.json.path("milestone").asText().equals("mqtt_connected"),
                    WAIT);
            assertFalse(device.text().contains("Generating NVS encr-keys"), device.text());
            assertFalse(device.text().contains("waiting for a certificate"), device.text());
        }
    }

    private static String certFrame(X509Certificate certificate, Bench bench) {
        ObjectNode json = JSON.createObjectNode();
        json.put("cert", Pem.encodeCertificate(certificate));
        json.put("chain", Pem.encodeCertificates(bench.ca.chain()));
        return json.toString();
    }

    record Frame(String kind, com.fasterxml.jackson.databind.JsonNode json) {
    }

    /** The device's console: its standard output read line by line, frames parsed; frames sent on its input. */
    static final class Console implements AutoCloseable {
        private final Process process;
        private final BlockingQueue<Frame> frames = new LinkedBlockingQueue<>();
        private final StringBuffer text = new StringBuffer();

        private Console(Process process) {
            this.process = process;
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    String line;
                    while ((line = r.readLine()) != null) {
                        text.append(line).append('\n');
                        ConsoleFrames.parse(line).ifPresent(f -> frames.add(new Frame(f.kind(), f.json())));
                    }
                } catch (java.io.IOException ended) {
                    // the process went away
                }
            }, "device console");
            reader.setDaemon(true);
            reader.start();
        }

        static Console start(List<String> command) throws java.io.IOException {
            return new Console(new ProcessBuilder(command).redirectErrorStream(true).start());
        }

        Frame await(Predicate<Frame> wanted, Duration deadline) throws InterruptedException {
            long end = System.nanoTime() + deadline.toNanos();
            for (long left = deadline.toNanos(); left > 0; left = end - System.nanoTime()) {
                Frame f = frames.poll(left, TimeUnit.NANOSECONDS);
                if (f != null && wanted.test(f)) {
                    return f;
                }
            }
            throw new AssertionError("no such frame within " + deadline + "\n--- device console ---\n" + text);
        }

        void send(String kind, String json) throws java.io.IOException {
            OutputStream in = process.getOutputStream();
            in.write(ConsoleFrames.encode(kind, json));
            in.flush();
        }

        String text() {
            return text.toString();
        }

        @Override
        public void close() throws InterruptedException {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
