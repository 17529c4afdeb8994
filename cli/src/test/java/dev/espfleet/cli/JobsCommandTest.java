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

/** {@code espfleet jobs ota}: the image is checked before a job document goes out. */
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
}
