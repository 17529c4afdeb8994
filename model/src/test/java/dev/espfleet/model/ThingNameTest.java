package dev.espfleet.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ThingNameTest {
    @Test
    void acceptsLettersDigitsColonUnderscoreAndHyphenUpTo128() {
        assertEquals("dev:001_a-B", ThingName.of("dev:001_a-B").toString());
        assertEquals("x".repeat(128), ThingName.of("x".repeat(128)).value());
        assertEquals(Optional.empty(), ThingName.problem("arn:thing:1"));
    }

    @Test
    void rejectsEmptyName() {
        assertRejected("", "invalid thing name '': expected 1-128 characters of [a-zA-Z0-9:_-], but it is empty");
        assertRejected(null, "invalid thing name (none): expected 1-128 characters of [a-zA-Z0-9:_-], but it is empty");
    }

    @Test
    void rejectsNameLongerThan128() {
        assertRejected("x".repeat(129), "invalid thing name '" + "x".repeat(129)
                + "': expected 1-128 characters of [a-zA-Z0-9:_-], but it is 129 characters long");
    }

    @Test
    void rejectsDotSlashSpaceAndNonAsciiLetters() {
        assertRejected("../etc", "invalid thing name '../etc': expected 1-128 characters of [a-zA-Z0-9:_-], "
                + "but it contains '.'");
        assertRejected("dev/1", "invalid thing name 'dev/1': expected 1-128 characters of [a-zA-Z0-9:_-], "
                + "but it contains '/'");
        assertRejected("dev 1", "invalid thing name 'dev 1': expected 1-128 characters of [a-zA-Z0-9:_-], "
                + "but it contains ' '");
        assertRejected("gerät", "invalid thing name 'gerät': expected 1-128 characters of [a-zA-Z0-9:_-], "
                + "but it contains 'ä'");
    }

    @Test
    void problemIsTheMessageOfTheRefusal() {
        assertEquals(Optional.of("invalid thing name 'a.b': expected 1-128 characters of [a-zA-Z0-9:_-], but it "
                + "contains '.'"), ThingName.problem("a.b"));
    }

    @Test
    void equalNamesAreEqual() {
        assertEquals(ThingName.of("dev-1"), ThingName.of("dev-1"));
    }

    private static void assertRejected(String name, String message) {
        EspfleetException e = assertThrows(EspfleetException.class, () -> ThingName.of(name));
        assertEquals(ExitStatus.BAD_INPUT, e.status());
        assertEquals(message, e.getMessage());
        assertEquals(Optional.of(message), ThingName.problem(name));
    }
}
