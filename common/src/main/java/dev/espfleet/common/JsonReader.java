package dev.espfleet.common;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The one JSON reader of espfleet, strict by RFC 8259, for files (ESP-IDF's flasher_args.json, esptool's stub
 * JSON, unit bindings) and for the device's console frames: what a lenient reader would accept and a strict
 * one refuse is damage, not data. Objects become insertion-ordered maps (JSON {@code null} a {@code null}
 * value, so a key set to null is told from a missing one), arrays lists (both unmodifiable), numbers
 * {@link BigDecimal}s, strings and booleans themselves. Refused: a duplicate key (which value would count?),
 * a control character in a string, a malformed escape or number, whitespace other than JSON's four, more than
 * {@value #MAX_DEPTH} levels (a hostile file cannot exhaust the stack), and anything after the value.
 */
public final class JsonReader {
    static final int MAX_DEPTH = 32;

    private final String text;
    private int pos;

    private JsonReader(String text) {
        this.text = text;
    }

    /** Why a text is not JSON, and where ({@link #at()}: the character's index). */
    public static final class Malformed extends Exception {
        private final int at;

        Malformed(String message, int at) {
            super(message, null, false, false);
            this.at = at;
        }

        public int at() {
            return at;
        }
    }

    /**
     * The value of a file's text; refused as bad input with one line naming {@code source}, the line and the
     * column ({@code flasher_args.json:3:14: duplicate key "offset"}).
     */
    public static Object parse(String text, String source) {
        JsonReader j = new JsonReader(text);
        try {
            j.space();
            Object v = j.value(1);
            j.space();
            if (j.pos != text.length()) {
                throw new Malformed("unexpected text after the JSON value", j.pos);
            }
            return v;
        } catch (Malformed e) {
            throw EspfleetException.badInput(source + ":" + lineAndColumn(text, e.at()) + ": " + e.getMessage());
        }
    }

    /** {@code text} as one JSON object (a console frame's body). */
    public static Map<String, Object> parseObject(String text) throws Malformed {
        JsonReader j = new JsonReader(text);
        j.space();
        if (j.peek() != '{') {
            throw new Malformed("expected a JSON object", j.pos);
        }
        Map<String, Object> object = j.object(1);
        j.space();
        if (j.pos != text.length()) {
            throw new Malformed("unexpected text after the object", j.pos);
        }
        return object;
    }

    private static String lineAndColumn(String text, int at) {
        int line = 1;
        int column = 1;
        for (int i = 0; i < Math.min(at, text.length()); i++) {
            if (text.charAt(i) == '\n') {
                line++;
                column = 1;
            } else {
                column++;
            }
        }
        return line + ":" + column;
    }

    private Object value(int depth) throws Malformed {
        if (depth > MAX_DEPTH) {
            throw new Malformed("nested deeper than " + MAX_DEPTH + " levels", pos);
        }
        char c = peek();
        switch (c) {
            case '{':
                return object(depth);
            case '[':
                return array(depth);
            case '"':
                return string();
            case 't':
                return literal("true", Boolean.TRUE);
            case 'f':
                return literal("false", Boolean.FALSE);
            case 'n':
                return literal("null", null);
            default:
                if (c == '-' || c >= '0' && c <= '9') {
                    return number();
                }
                throw new Malformed(pos >= text.length() ? "unexpected end" : "unexpected character '" + c + "'", pos);
        }
    }

    private Map<String, Object> object(int depth) throws Malformed {
        Map<String, Object> m = new LinkedHashMap<>();
        pos++;
        space();
        if (peek() == '}') {
            pos++;
            return Collections.unmodifiableMap(m);
        }
        while (true) {
            space();
            if (peek() != '"') {
                throw new Malformed("expected a quoted key", pos);
            }
            int keyAt = pos;
            String key = string();
            space();
            expect(':');
            space();
            Object v = value(depth + 1);
            if (m.containsKey(key)) {
                throw new Malformed("duplicate key \"" + key + "\"", keyAt);
            }
            m.put(key, v);
            space();
            if (peek() == '}') {
                pos++;
                return Collections.unmodifiableMap(m);
            }
            expect(',');
        }
    }

    private List<Object> array(int depth) throws Malformed {
        List<Object> l = new ArrayList<>();
        pos++;
        space();
        if (peek() == ']') {
            pos++;
            return Collections.unmodifiableList(l);
        }
        while (true) {
            space();
            l.add(value(depth + 1));
            space();
            if (peek() == ']') {
                pos++;
                return Collections.unmodifiableList(l);
            }
            expect(',');
        }
    }

    private String string() throws Malformed {
        pos++; // the opening quote
        StringBuilder sb = new StringBuilder();
        while (true) {
            if (pos >= text.length()) {
                throw new Malformed("unterminated string", pos);
            }
            char c = text.charAt(pos++);
            if (c == '"') {
                return sb.toString();
            }
            if (c < 0x20) {
                throw new Malformed("control character in a string", pos - 1);
            }
            if (c != '\\') {
                sb.append(c);
                continue;
            }
            if (pos >= text.length()) {
                throw new Malformed("unterminated escape", pos);
            }
            char e = text.charAt(pos++);
            switch (e) {
                case '"', '\\', '/' -> sb.append(e);
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> sb.append(hex4());
                default -> throw new Malformed("unknown escape \\" + e, pos - 2);
            }
        }
    }

    private char hex4() throws Malformed {
        if (pos + 4 > text.length()) {
            throw new Malformed("short \\u escape", pos);
        }
        int v = 0;
        for (int i = 0; i < 4; i++) {
            int d = Character.digit(text.charAt(pos + i), 16);
            if (d < 0) {
                throw new Malformed("bad \\u escape", pos + i);
            }
            v = v << 4 | d;
        }
        pos += 4;
        return (char) v;
    }

    /** RFC 8259 section 6: {@code -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?}. */
    private BigDecimal number() throws Malformed {
        int start = pos;
        if (peek() == '-') {
            pos++;
        }
        if (peek() == '0') {
            pos++;
        } else if (!digits()) {
            throw new Malformed("bad number", start);
        }
        if (peek() == '.') {
            pos++;
            if (!digits()) {
                throw new Malformed("bad number", start);
            }
        }
        if (peek() == 'e' || peek() == 'E') {
            pos++;
            if (peek() == '+' || peek() == '-') {
                pos++;
            }
            if (!digits()) {
                throw new Malformed("bad number", start);
            }
        }
        try {
            return new BigDecimal(text.substring(start, pos));
        } catch (NumberFormatException | ArithmeticException e) {
            throw new Malformed("number out of range", start);
        }
    }

    private boolean digits() {
        int start = pos;
        while (pos < text.length() && text.charAt(pos) >= '0' && text.charAt(pos) <= '9') {
            pos++;
        }
        return pos > start;
    }

    private Object literal(String word, Object v) throws Malformed {
        if (!text.startsWith(word, pos)) {
            throw new Malformed("unexpected text", pos);
        }
        pos += word.length();
        return v;
    }

    /** JSON's four whitespace characters only. */
    private void space() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
                return;
            }
            pos++;
        }
    }

    private char peek() {
        return pos < text.length() ? text.charAt(pos) : '\0';
    }

    private void expect(char c) throws Malformed {
        if (peek() != c) {
            throw new Malformed("expected '" + c + "'", pos);
        }
        pos++;
    }
}
