package dev.espfleet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.flasher.image.AppDescription;
import dev.espfleet.flasher.image.HostPayload;
import dev.espfleet.model.Chip;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code espfleet jobs ota}: the image is checked before a job document goes out; {@code jobs rotate}. */
class JobsCommandTest {
    static final Path CONFIG = Path.of("..", "examples", "all-types.yaml").toAbsolutePath().normalize();
    static final String URL = "https://updates.example.com/smart-valve-2.1.0.bin";

    @TempDir
    Path dir;

    private Path image(Chip chip, String project, String version) throws Exception {
        byte[] elf = ("\u007fELF not really an executable, " + version).getBytes(java.nio.charset.StandardCharsets.UTF_8);
        AppDescription desc = new AppDescription(0, version, project, "", "", "v5.5", MessageDigest
                .getInstance("SHA-256").digest(elf), 0, 0xFFFF, 16);
        Path file = dir.resolve(project + "-" + version + ".bin");
        Files.write(file, HostPayload.appImage(chip, 8 << 20, desc, elf));
        return file;
    }

    private Cli ota(Path image, String... more) {
        String[] base = {"jobs", "ota", CONFIG.toString(), "--image", image.toString(), "--url", URL, "--replaces",
            "2.0.0-rc1", "--out", dir.resolve("jobs").toString()};
        String[] args = java.util.Arrays.copyOf(base, base.length + more.length);
        System.arraycopy(more, 0, args, base.length, more.length);
        return Cli.run(args);
    }

    @Test
    void writesTheJobDocumentAndTheCreateJobInputForAThingGroup() throws Exception {
        Path image = image(Chip.ESP32C3, "smart_valve", "2.1.0");
        Cli run = ota(image, "--thing-group", "valves-eu").ok();
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(image)));
        String document = Files.readString(dir.resolve("jobs/ota-smart_valve-2-1-0.json"));
        assertEquals("{\"operation\":\"ota\",\"url\":\"" + URL + "\",\"sha256\":\"" + sha + "\",\"version\":\"2.1.0\","
                + "\"size\":" + Files.size(image) + ",\"allowDowngrade\":false}\n", document);
        String input = Files.readString(dir.resolve("jobs/ota-smart_valve-2-1-0.create-job.json"));
        assertTrue(input.contains("\"targets\": [\"arn:aws:iot:us-east-1:123456789012:thinggroup/valves-eu\"]"), input);
        assertTrue(input.contains("\"document\": \"{\\\"operation\\\":\\\"ota\\\""), input);
        assertTrue(input.contains("\"targetSelection\": \"SNAPSHOT\""), input);
        assertTrue(run.out().contains("aws iot create-job --cli-input-json file://"), run.out());
    }

    private Path privateKeyPem(java.security.KeyPair pair, String name) throws Exception {
        Path pem = dir.resolve(name);
        Files.writeString(pem, "-----BEGIN PRIVATE KEY-----\n" + java.util.Base64.getMimeEncoder(64, "\n".getBytes())
                .encodeToString(pair.getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n");
        return pem;
    }

    private static java.security.KeyPair ecKeyPair(String curve) throws Exception {
        java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("EC");
        g.initialize(new java.security.spec.ECGenParameterSpec(curve));
        return g.generateKeyPair();
    }

    @Test
    void signKeyAddsAnEcdsaP256SignatureOverTheImageThatThePublicKeyVerifies() throws Exception {
        Path image = image(Chip.ESP32C3, "smart_valve", "2.1.0");
        java.security.KeyPair pair = ecKeyPair("secp256r1");
        ota(image, "--sign-key", privateKeyPem(pair, "ota-signing.pem").toString()).ok();
        String document = Files.readString(dir.resolve("jobs/ota-smart_valve-2-1-0.json"));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile(",\"signature\":\"([A-Za-z0-9+/=]+)\"}\n$")
                .matcher(document);
        assertTrue(m.find(), document);
        java.security.Signature verify = java.security.Signature.getInstance("SHA256withECDSA");
        verify.initVerify(pair.getPublic());
        verify.update(Files.readAllBytes(image));
        assertTrue(verify.verify(java.util.Base64.getDecoder().decode(m.group(1))), "DER ECDSA over the image's SHA-256");
        verify.initVerify(ecKeyPair("secp256r1").getPublic());
        verify.update(Files.readAllBytes(image));
        assertFalse(verify.verify(java.util.Base64.getDecoder().decode(m.group(1))), "another key does not verify it");
    }

    @Test
    void signKeyThatIsNotEcP256IsRefusedInOneLine() throws Exception {
        Cli p384 = ota(image(Chip.ESP32C3, "smart_valve", "2.1.0"), "--sign-key",
                privateKeyPem(ecKeyPair("secp384r1"), "p384.pem").toString());
        assertEquals(2, p384.exit(), p384.err());
        assertTrue(p384.err().contains("error: --sign-key: not an EC P-256 private key"), p384.err());
        assertFalse(Files.exists(dir.resolve("jobs")), "nothing is written without a signature");
    }

    @Test
    void refusesAnImageForAnotherChipProjectOrAnOlderVersionInOneLine() throws Exception {
        Cli chip = ota(image(Chip.ESP32, "smart_valve", "2.1.0"));
        assertEquals(2, chip.exit());
        assertTrue(chip.err().contains("the image is for esp32; the config's target is esp32c3"), chip.err());
        Cli project = ota(image(Chip.ESP32C3, "env_sensor", "2.1.0"));
        assertEquals(2, project.exit());
        assertTrue(project.err().contains("the image is project 'env_sensor'; the config's is 'smart_valve'"),
                project.err());
        Cli older = ota(image(Chip.ESP32C3, "smart_valve", "1.9.0"));
        assertEquals(2, older.exit());
        assertTrue(older.err().contains("older than --replaces 2.0.0-rc1; give --allow-downgrade"), older.err());
        assertFalse(Files.exists(dir.resolve("jobs")), "nothing is written for a refused image");
        ota(image(Chip.ESP32C3, "smart_valve", "1.9.0"), "--allow-downgrade").ok();
        assertTrue(Files.readString(dir.resolve("jobs/ota-smart_valve-1-9-0.json")).contains("\"allowDowngrade\":true"));
        for (Cli c : new Cli[] {chip, project, older}) {
            assertEquals(1, c.err().strip().lines().filter(l -> l.startsWith("error:")).count(), c.err());
            assertFalse(c.err().contains("Exception"), c.err());
        }
    }

    @Test
    void refusesACorruptImageAndAPlainHttpUrl() throws Exception {
        Path good = image(Chip.ESP32C3, "smart_valve", "2.1.0");
        byte[] bytes = Files.readAllBytes(good);
        bytes[bytes.length - 1] ^= 1; // the appended SHA-256 no longer matches
        Path bad = dir.resolve("corrupt.bin");
        Files.write(bad, bytes);
        Cli corrupt = ota(bad);
        assertEquals(2, corrupt.exit());
        assertTrue(corrupt.err().contains("corrupt.bin"), corrupt.err());
        Cli http = Cli.run("jobs", "ota", CONFIG.toString(), "--image", good.toString(), "--url",
                "http://updates.example.com/a.bin", "--replaces", "2.0.0", "--out", dir.toString());
        assertEquals(2, http.exit());
        assertTrue(http.err().contains("expected https://HOST/PATH"), http.err());
    }

    @Test
    void rotateWritesTheRotateCertificateDocumentAndTheCreateJobInput() throws Exception {
        Cli run = Cli.run("jobs", "rotate", CONFIG.toString(), "--job-id", "rotate-2026-12", "--thing-group",
                "valves-eu", "--out", dir.resolve("jobs").toString()).ok();
        assertEquals("{\"operation\":\"rotate-certificate\"}\n",
                Files.readString(dir.resolve("jobs/rotate-2026-12.json")));
        String input = Files.readString(dir.resolve("jobs/rotate-2026-12.create-job.json"));
        assertEquals("{\n  \"jobId\": \"rotate-2026-12\",\n"
                + "  \"targets\": [\"arn:aws:iot:us-east-1:123456789012:thinggroup/valves-eu\"],\n"
                + "  \"document\": \"{\\\"operation\\\":\\\"rotate-certificate\\\"}\",\n"
                + "  \"targetSelection\": \"SNAPSHOT\",\n"
                + "  \"description\": \"rotate-certificate smart_valve\"\n}\n", input);
        assertTrue(run.out().contains("aws iot create-job --cli-input-json file://"), run.out());
        Cli plain = Cli.run("jobs", "rotate", CONFIG.toString(), "--out", dir.resolve("default").toString()).ok();
        assertTrue(Files.exists(dir.resolve("default/rotate-certificate-smart_valve.json")), plain.out());
        assertFalse(Files.exists(dir.resolve("default/rotate-certificate-smart_valve.create-job.json")));
    }

    @Test
    void rotateRefusesAConfigWithoutRotationAndBadNamesInOneLine() throws Exception {
        Path noRotation = dir.resolve("no-rotation.yaml");
        Files.writeString(noRotation, Files.readString(CONFIG).replace("  rotation: true", "  rotation: false")
                .replaceAll("(?m)^  rotation_template: .*\n", ""));
        Cli off = Cli.run("jobs", "rotate", noRotation.toString(), "--out", dir.resolve("jobs").toString());
        assertEquals(2, off.exit());
        assertTrue(off.err().contains("no-rotation.yaml: jobs.rotation is not true"), off.err());
        Cli id = Cli.run("jobs", "rotate", CONFIG.toString(), "--job-id", "rotate now", "--out",
                dir.resolve("jobs").toString());
        assertEquals(2, id.exit());
        assertTrue(id.err().contains("--job-id: AWS allows 1-64 of a-z A-Z 0-9 _ -; got 'rotate now'"), id.err());
        Cli group = Cli.run("jobs", "rotate", CONFIG.toString(), "--thing-group", "valves/eu", "--out",
                dir.resolve("jobs").toString());
        assertEquals(2, group.exit());
        assertTrue(group.err().contains("--thing-group: a thing group name is 1-128"), group.err());
        assertFalse(Files.exists(dir.resolve("jobs")), "nothing is written for refused input");
        for (Cli c : new Cli[] {off, id, group}) {
            assertEquals(1, c.err().strip().lines().filter(l -> l.startsWith("error:")).count(), c.err());
            assertFalse(c.err().contains("Exception"), c.err());
        }
    }
}
