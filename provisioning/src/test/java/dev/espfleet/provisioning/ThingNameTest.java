package dev.espfleet.provisioning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import org.junit.jupiter.api.Test;

class ThingNameTest {
    @Test
    void acceptsLettersDigitsColonUnderscoreAndHyphenUpTo128() {
        assertEquals("dev:001_a-B", ThingName.require("dev:001_a-B"));
        assertEquals("x".repeat(128), ThingName.require("x".repeat(128)));
    }

    @Test
    void rejectsEmptyName() {
        assertRejected("", "invalid thing name '': expected 1-128 characters of [a-zA-Z0-9:_-], but it is empty");
    }

    @Test
    void rejectsNameLongerThan128() {
        assertRejected("x".repeat(129), "invalid thing name '" + "x".repeat(129)
                + "': expected 1-128 characters of [a-zA-Z0-9:_-], but it is 129 characters long");
    }

    @Test
    void rejectsSlashAndNonAsciiLetters() {
        assertRejected("dev/1", "invalid thing name 'dev/1': expected 1-128 characters of [a-zA-Z0-9:_-], "
                + "but it contains '/'");
        assertRejected("gerät", "invalid thing name 'gerät': expected 1-128 characters of [a-zA-Z0-9:_-], "
                + "but it contains 'ä'");
    }

    private static void assertRejected(String name, String message) {
        EspfleetException e = assertThrows(EspfleetException.class, () -> ThingName.require(name));
        assertEquals(ExitStatus.BAD_INPUT, e.status());
        assertEquals(message, e.getMessage());
    }
}
