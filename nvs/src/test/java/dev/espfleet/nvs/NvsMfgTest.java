package dev.espfleet.nvs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.common.EspfleetException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NvsMfgTest {
    @TempDir
    Path tmp;

    @Test
    void writesOneImagePerDeviceIdenticalToMfgGen() throws IOException {
        Path dir = Vectors.dir("mfg_small");
        List<Path> written = NvsMfg.generate(dir.resolve("config.csv"), dir.resolve("values.csv"), "dev", "thing_name",
                tmp, 0x6000, NvsVersion.V2, null);
        List<String> expected;
        try (Stream<Path> s = Files.list(dir.resolve("expected"))) {
            expected = s.map(p -> p.getFileName().toString()).sorted().toList();
        }
        assertEquals(expected, written.stream().map(p -> p.getFileName().toString()).sorted().toList());
        for (String name : expected) {
            Vectors.assertSameBytes(Vectors.bytes(dir.resolve("expected").resolve(name)),
                    Vectors.bytes(tmp.resolve(name)), "mfg_small/expected/" + name);
        }
    }

    @Test
    void expectedImagesReadBackAsTheirDeviceRows() {
        Path dir = Vectors.dir("mfg_small");
        for (NvsMfg.Device d : NvsMfg.read(dir.resolve("config.csv"), dir.resolve("values.csv"), "thing_name")) {
            NvsImage image = NvsPartitionReader.read(Vectors.bytes(dir.resolve("expected/dev-" + d.fileId() + ".bin")));
            assertEquals(d.rows().stream().map(NvsCsv.Row::entry).toList(), image.entries(), d.fileId());
        }
    }

    @Test
    void repeatTakesTheFirstDevicesValue() {
        Path dir = Vectors.dir("mfg_small");
        List<NvsMfg.Device> devices = NvsMfg.read(dir.resolve("config.csv"), dir.resolve("values.csv"), null);
        assertEquals(List.of("1", "2", "3"), devices.stream().map(NvsMfg.Device::fileId).toList());
        for (NvsMfg.Device d : devices) {
            NvsEntry endpoint = d.rows().stream().map(NvsCsv.Row::entry)
                    .filter(e -> "endpoint".equals(e.key())).findFirst().orElseThrow();
            assertEquals("a1b2c3-ats.iot.us-east-1.amazonaws.com", endpoint.stringValue());
        }
    }

    @Test
    void refusesValueRowWithMissingCellNamingItsLine() throws IOException {
        Files.writeString(tmp.resolve("config.csv"), "app,namespace,\nserial,data,string\nslot,data,u8\n");
        Files.writeString(tmp.resolve("values.csv"), "id,serial,slot\n1,SN1,300\n");
        EspfleetException e = assertThrows(EspfleetException.class, () -> NvsMfg.generate(tmp.resolve("config.csv"),
                tmp.resolve("values.csv"), "dev", null, tmp.resolve("out"), 0x3000, NvsVersion.V2, null));
        assertTrue(e.getMessage().endsWith("values.csv:2 (column slot): key 'slot': u8 value 300 is out of range 0..255"),
                e.getMessage());
        assertTrue(Files.notExists(tmp.resolve("out")) || Files.list(tmp.resolve("out")).findAny().isEmpty());
    }
}
