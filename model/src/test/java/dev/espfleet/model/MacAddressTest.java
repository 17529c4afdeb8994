package dev.espfleet.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MacAddressTest {
    @Test
    void writtenInLowerCaseWithColons() {
        MacAddress mac = MacAddress.of(new byte[] {0x24, 0x0a, (byte) 0xc4, (byte) 0xE5, 0x00, (byte) 0xff});
        assertEquals("24:0a:c4:e5:00:ff", mac.toString());
        assertEquals("240ac4e500ff", mac.hexDigits());
    }

    @Test
    void parsesEitherCaseToTheSameAddress() {
        MacAddress lower = MacAddress.parse("24:0a:c4:e5:00:ff");
        MacAddress upper = MacAddress.parse("24:0A:C4:E5:00:FF");
        assertEquals(lower, upper);
        assertEquals(lower.hashCode(), upper.hashCode());
        assertEquals("24:0a:c4:e5:00:ff", upper.toString());
        assertArrayEquals(new byte[] {0x24, 0x0a, (byte) 0xc4, (byte) 0xe5, 0x00, (byte) 0xff}, upper.bytes());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "24:0a:c4", "24:0a:c4:00:00:01:02", "24:0a:c4:00:00:", "240ac4000001",
        "24-0a-c4-00-00-01", " 24:0a:c4:00:00:01"})
    void refusesOtherThanSixBytesWithColons(String text) {
        EspfleetException e = assertThrows(EspfleetException.class, () -> MacAddress.parse(text));
        assertEquals(ExitStatus.BAD_INPUT, e.status());
        assertEquals(text.split(":", -1).length == 6 ? e.getMessage() : "invalid MAC address '" + text
                + "': expected six hex bytes separated by ':', like 24:0a:c4:00:00:01", e.getMessage());
    }

    @Test
    void refusesABytePartThatIsNotTwoHexDigits() {
        assertEquals("invalid MAC address '24:0a:c4:00:00:1': '1' is not a hex byte (two hex digits)",
                assertThrows(EspfleetException.class, () -> MacAddress.parse("24:0a:c4:00:00:1")).getMessage());
        assertEquals("invalid MAC address '24:0a:c4:00:0g:01': '0g' is not a hex byte (two hex digits)",
                assertThrows(EspfleetException.class, () -> MacAddress.parse("24:0a:c4:00:0g:01")).getMessage());
        assertEquals("invalid MAC address '24:0a:c4:00:+1:01': '+1' is not a hex byte (two hex digits)",
                assertThrows(EspfleetException.class, () -> MacAddress.parse("24:0a:c4:00:+1:01")).getMessage());
    }

    @Test
    void isSixBytes() {
        assertThrows(IllegalArgumentException.class, () -> MacAddress.of(new byte[5]));
    }

    @Test
    void copiesItsBytes() {
        byte[] b = {1, 2, 3, 4, 5, 6};
        MacAddress mac = MacAddress.of(b);
        b[0] = 9;
        mac.bytes()[1] = 9;
        assertEquals("01:02:03:04:05:06", mac.toString());
    }
}
