package dev.espfleet.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.common.EspfleetException;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class ChipTest {
    @Test
    void readsTheIdfNameAndTheDisplayNameInAnyCase() {
        assertEquals(Optional.of(Chip.ESP32S3), Chip.parse("esp32s3"));
        assertEquals(Optional.of(Chip.ESP32S3), Chip.parse("ESP32-S3"));
        assertEquals(Optional.of(Chip.ESP32S3), Chip.parse("esp32-s3"));
        assertEquals(Optional.of(Chip.ESP32S3), Chip.parse("ESP32S3"));
        assertEquals(Optional.of(Chip.ESP32), Chip.parse("ESP32"));
        assertEquals(Optional.of(Chip.ESP32H2), Chip.parse("esp32h2"));
    }

    @ParameterizedTest
    @EnumSource(Chip.class)
    void parsesItsOwnNames(Chip chip) {
        assertEquals(Optional.of(chip), Chip.parse(chip.idfName()));
        assertEquals(Optional.of(chip), Chip.parse(chip.displayName()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "esp8266", "esp32s9", "esp32 s3", "esp32_s3", "s3"})
    void unknownSpellingsAreNoChip(String text) {
        assertEquals(Optional.empty(), Chip.parse(text));
    }

    @Test
    void namesOfTheEsp32S3() {
        assertEquals("esp32s3", Chip.ESP32S3.idfName());
        assertEquals("ESP32-S3", Chip.ESP32S3.displayName());
        assertEquals("ESP32", Chip.ESP32.displayName());
    }

    @Test
    void onlyTheH2HasNoWifi() {
        assertFalse(Chip.ESP32H2.hasWifi());
        for (Chip c : Chip.values()) {
            assertEquals(c != Chip.ESP32H2, c.hasWifi(), c.displayName());
        }
        assertEquals("esp32, esp32s2, esp32s3, esp32c3, esp32c6", Chip.choices(Chip::hasWifi));
    }

    @Test
    void ofRefusesAnUnknownChipNamingTheKnownOnes() {
        EspfleetException e = assertThrows(EspfleetException.class, () -> Chip.of("esp8266", "--chip"));
        assertEquals("--chip: unknown chip 'esp8266'; expected one of esp32, esp32s2, esp32s3, esp32c3, esp32c6, "
                + "esp32h2", e.getMessage());
        assertTrue(Chip.of("ESP32-C6", "--chip") == Chip.ESP32C6);
    }
}
