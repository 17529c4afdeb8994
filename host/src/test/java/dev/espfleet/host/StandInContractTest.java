package dev.espfleet.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.espfleet.nvs.NvsEntry;
import dev.espfleet.nvs.NvsPartitionWriter;
import dev.espfleet.nvs.NvsType;
import dev.espfleet.nvs.NvsVersion;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One implementation of ESP-IDF's behaviour, checked in both builds: {@code host/tests/standin_contract.c}
 * holds what ESP-IDF v5.5 does (NVS sizes and errors, the event loop's ANY base and order, esp_timer's
 * refusals, esp-mqtt's event sequences, error names), and runs once against the recording fakes and once
 * against the Linux runtime, both under ASan and UBSan. The runtime reads its NVS items from an image that
 * espfleet's writer makes here; the fakes are given the same items.
 */
class StandInContractTest {
    static final Path HOST = Path.of("").toAbsolutePath();
    static final Pattern SUMMARY = Pattern.compile("(?m)^stand-in contract \\((\\w+)\\): (\\d+) passed, (\\d+) failed$");

    @TempDir
    Path dir;

    @Test
    void fakesAndRuntimeBothBehaveAsEspIdf() throws Exception {
        assumeTrue(Files.isRegularFile(Path.of("/usr/include/mosquitto.h")),
                "libmosquitto-dev is not installed (apt-get install " + HostAppBuild.PACKAGES + ")");
        Path image = dir.resolve("contract.bin");
        Files.write(image, NvsPartitionWriter.write(List.of(
                NvsEntry.namespace("contract"),
                NvsEntry.string("contract", "greeting", "hello"),
                NvsEntry.blob("contract", "bytes", new byte[] {1, 2, 3, 0, (byte) 0xFF}),
                NvsEntry.integer("contract", "count", NvsType.U32, 4_000_000_000L),
                NvsEntry.string("contract", "fifteen_chars_k", "fifteen"),
                NvsEntry.namespace("other"),
                NvsEntry.string("other", "greeting", "other")), 0x6000, NvsVersion.V2));
        Process make = new ProcessBuilder("make", "-s", "-C", HOST.toString(), "contract", "OUT=" + dir.resolve("out"),
                "NVS_IMAGE=" + image).redirectErrorStream(true).start();
        String output = new String(make.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int exit = make.waitFor();
        Matcher m = SUMMARY.matcher(output);
        List<String> builds = new ArrayList<>();
        List<Integer> passed = new ArrayList<>();
        while (m.find()) {
            builds.add(m.group(1));
            passed.add(Integer.parseInt(m.group(2)));
            assertEquals("0", m.group(3), output);
        }
        System.out.printf("stand-in contract: %s%n", String.join("; ", m.reset().results().map(r -> r.group()).toList()));
        assertEquals(0, exit, output);
        assertEquals(List.of("fakes", "runtime"), builds, "both builds ran the contract:\n" + output);
        assertEquals(passed.get(0), passed.get(1), output);
        assertTrue(passed.get(0) >= 15, output);
    }
}
