package dev.espfleet.flasher.image;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FlasherArgsTest {
    @TempDir
    Path dir;

    @Test
    void readsFlashFilesAndChip() throws Exception {
        Files.write(dir.resolve("app.bin"), new byte[] {1, 2, 3});
        Files.writeString(dir.resolve("flasher_args.json"),
                "{\"flash_files\": {\"0x10000\": \"app.bin\"}, \"extra_esptool_args\": {\"chip\": \"esp32c3\"}}");
        FlasherArgs a = FlasherArgs.load(dir);
        assertEquals(1, a.regions().size());
        assertEquals(0x10000, a.regions().get(0).offset());
        assertEquals("esp32c3", a.chip().orElseThrow());
    }

    @Test
    void pointsAtTheLineAndColumnOfBadJson() throws Exception {
        Files.writeString(dir.resolve("flasher_args.json"), "{\n  \"flash_files\": {\n    \"0x1000\" \"b.bin\"\n  }\n}");
        EspfleetException e = assertThrows(EspfleetException.class, () -> FlasherArgs.load(dir));
        assertEquals(ExitStatus.BAD_INPUT, e.status());
        assertTrue(e.getMessage().contains("flasher_args.json:3:14: expected ':'"), e.getMessage());
    }

    @Test
    void namesAMissingBinary() throws Exception {
        Files.writeString(dir.resolve("flasher_args.json"), "{\"flash_files\": {\"0x1000\": \"bootloader/bootloader.bin\"}}");
        EspfleetException e = assertThrows(EspfleetException.class, () -> FlasherArgs.load(dir));
        assertTrue(e.getMessage().contains("flash_files[\"0x1000\"]: cannot read"), e.getMessage());
        assertTrue(e.getMessage().contains("no such file or directory"), e.getMessage());
    }

    @Test
    void rejectsAnOffsetThatIsNotANumber() {
        EspfleetException e = assertThrows(EspfleetException.class, () -> FlasherArgs.parseOffset("0x1g000", "ADDR"));
        assertTrue(e.getMessage().contains("'0x1g000' is not an offset (expected e.g. 0x10000)"), e.getMessage());
    }
}
