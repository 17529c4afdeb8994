package dev.espfleet.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The one JSON reader: RFC 8259 to the letter, for files and console frames alike. */
class JsonReaderTest {
    private static String refusal(String text) {
        EspfleetException e = assertThrows(EspfleetException.class, () -> JsonReader.parse(text, "f.json"));
        assertEquals(ExitStatus.BAD_INPUT, e.status());
        return e.getMessage();
    }

    @Test
    void readsObjectsArraysNumbersStringsAndLiteralsInOrder() {
        Object v = JsonReader.parse("{\"b\": [1, -2.5e3, 0], \"a\": \"x\\u00e9\\n\\/\", \"t\": true, \"n\": null}", "f");
        Map<?, ?> m = (Map<?, ?>) v;
        assertEquals(List.of("b", "a", "t", "n"), List.copyOf(m.keySet()));
        assertEquals(List.of(new BigDecimal("1"), new BigDecimal("-2.5e3"), new BigDecimal("0")), m.get("b"));
        assertEquals("x\u00e9\n/", m.get("a"));
        assertEquals(Boolean.TRUE, m.get("t"));
        assertNull(m.get("n"));
        assertEquals(true, m.containsKey("n"), "a key set to null is told from a missing one");
    }

    /** What a lenient reader takes and RFC 8259 does not, each refused with its line and column. */
    @Test
    void refusesWhatTheRfcRefusesNamingLineAndColumn() {
        assertEquals("f.json:2:3: duplicate key \"a\"", refusal("{\"a\": 1,\n  \"a\": 2}"));
        assertEquals("f.json:1:9: control character in a string", refusal("{\"a\": \"x\ty\"}"));
        assertEquals("f.json:1:9: unknown escape \\q", refusal("{\"a\": \"x\\qy\"}"));
        assertEquals("f.json:1:7: bad \\u escape", refusal("[\"\\u12g4\"]"));
        for (String number : new String[] {"01", "+1", "1.", ".5", "1e", "-"}) {
            assertEquals(true, refusal("[" + number + "]").startsWith("f.json:1:"), number);
        }
        assertEquals("f.json:1:2: unexpected character '\u00a0'", refusal("[\u00a01]"), "only JSON's four spaces");
        assertEquals("f.json:1:4: unexpected text after the JSON value", refusal("{} {}"));
        assertEquals("f.json:1:2: unexpected end", refusal("["));
    }

    @Test
    void refusesNestingDeeperThanTheLimitInsteadOfExhaustingTheStack() {
        String deep = "[".repeat(100_000) + "]".repeat(100_000);
        assertEquals("f.json:1:" + (JsonReader.MAX_DEPTH + 1) + ": nested deeper than " + JsonReader.MAX_DEPTH + " levels",
                refusal(deep));
        String ok = "[".repeat(JsonReader.MAX_DEPTH) + "]".repeat(JsonReader.MAX_DEPTH);
        assertEquals(List.class.isInstance(JsonReader.parse(ok, "f")), true);
    }

    @Test
    void aConsoleFrameBodyIsOneObjectAndWhatJsonWritesReadsBack() throws JsonReader.Malformed {
        assertThrows(JsonReader.Malformed.class, () -> JsonReader.parseObject("[1]"));
        Map<String, Object> body = new java.util.LinkedHashMap<>();
        body.put("thing", "env-\"1\"");
        body.put("n", new BigDecimal("42"));
        body.put("list", List.of(true, "x"));
        body.put("none", null);
        assertEquals(body, JsonReader.parseObject(Json.write(body)));
    }
}
