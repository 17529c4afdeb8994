package dev.espfleet.services;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class FirmwareVersionTest {
    private static void older(String a, String b) {
        assertEquals(-1, Integer.signum(FirmwareVersion.compare(a, b)), a + " < " + b);
        assertEquals(1, Integer.signum(FirmwareVersion.compare(b, a)), b + " > " + a);
    }

    @Test
    void numbersCompareAsNumbersAndAShorterVersionIsOlder() {
        older("1.9.2", "1.10.0");
        older("1.2", "1.2.1");
        older("1.2.3", "1.3.0");
        older("2.0.0-rc1", "2.0.0-rc2");
        older("0.9", "1.0");
        assertEquals(0, FirmwareVersion.compare("1.2.3", "1.2.3"));
        assertEquals(0, FirmwareVersion.compare("1.02", "1.2"));
    }
}
