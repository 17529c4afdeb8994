package dev.espfleet.flasher.image;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AppDescriptionTest {
    /**
     * An app image's first bytes as ESP-IDF v5 lays them out: esp_image_header_t (magic 0xE9, segment count,
     * ..., 24 bytes), the first segment's header (load address, length), then esp_app_desc_t.
     */
    static byte[] appImage(String version, String project) {
        ByteBuffer b = ByteBuffer.allocate(0x400).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0, (byte) 0xE9).put(1, (byte) 4).put(2, (byte) 2).put(3, (byte) 0x20);
        b.putInt(4, 0x40081234); // entry
        b.putInt(24, 0x3f400020).putInt(28, 0x100); // DROM segment: load address, length
        b.putInt(32, 0xABCD5432);
        b.put(32 + 16, version.getBytes(StandardCharsets.US_ASCII));
        b.put(32 + 48, project.getBytes(StandardCharsets.US_ASCII));
        b.put(32 + 112, "v5.2.1".getBytes(StandardCharsets.US_ASCII));
        return b.array();
    }

    @Test
    void readsTheVersionTheFirmwareReports() {
        AppDescription d = AppDescription.of(appImage("1.2.3", "env-sensor")).orElseThrow();
        assertEquals(List.of("1.2.3", "env-sensor", "v5.2.1"), List.of(d.version(), d.projectName(), d.idfVersion()));
    }

    @Test
    void aVersionOfThirtyTwoCharactersHasNoTerminator() {
        String v = "v".repeat(32);
        assertEquals(v, AppDescription.of(appImage(v, "p")).orElseThrow().version());
    }

    @Test
    void aBootloaderOrAnNvsImageHasNone() {
        byte[] bootloader = appImage("1.2.3", "p");
        ByteBuffer.wrap(bootloader).order(ByteOrder.LITTLE_ENDIAN).putInt(32, 0x50); // not the app's magic word
        assertEquals(Optional.empty(), AppDescription.of(bootloader));
        assertEquals(Optional.empty(), AppDescription.of(new byte[0x3000]));
        assertEquals(Optional.of("2.0.0"), AppDescription.firstIn(List.of(new FlashRegion("b", 0x1000, bootloader),
                new FlashRegion("ota_1", 0x210000, appImage("1.0.0", "p")),
                new FlashRegion("ota_0", 0x20000, appImage("2.0.0", "p"))))
                .map(AppDescription::version));
    }
}
