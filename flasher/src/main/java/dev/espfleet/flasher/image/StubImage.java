package dev.espfleet.flasher.image;

import dev.espfleet.common.AtomicFiles;
import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.JsonReader;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;

/**
 * A flasher stub in esptool's JSON form ({@code --stub FILE}): {@code entry}, {@code text} and {@code data}
 * (base64) with their load addresses {@code text_start} and {@code data_start}. espfleet ships no stub; the
 * user supplies one (esptool's own, for their chip).
 */
public record StubImage(String source, int entry, byte[] text, int textStart, byte[] data, int dataStart) {

    public static StubImage load(Path file) {
        String json;
        try {
            json = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw EspfleetException.badInput("cannot read stub " + file + ": " + AtomicFiles.describe(e));
        }
        if (!(JsonReader.parse(json, file.toString()) instanceof Map<?, ?> m)) {
            throw EspfleetException.badInput(file + ": expected a JSON object (esptool stub format)");
        }
        return new StubImage(file.toString(), number(m, "entry", file), bytes(m, "text", file), number(m, "text_start", file),
                m.containsKey("data") ? bytes(m, "data", file) : new byte[0],
                m.containsKey("data_start") ? number(m, "data_start", file) : 0);
    }

    private static int number(Map<?, ?> m, String key, Path file) {
        if (!(m.get(key) instanceof BigDecimal d)) {
            throw EspfleetException.badInput(file + ": \"" + key + "\" must be a number (esptool stub format)");
        }
        try {
            long address = d.longValueExact();
            if (address >= 0 && address <= 0xFFFF_FFFFL) {
                return (int) address;
            }
        } catch (ArithmeticException e) {
            // a fraction or a number beyond long: refused below
        }
        throw EspfleetException.badInput(file + ": \"" + key + "\" must be a 32-bit address, got " + d
                + " (esptool stub format)");
    }

    private static byte[] bytes(Map<?, ?> m, String key, Path file) {
        if (!(m.get(key) instanceof String s)) {
            throw EspfleetException.badInput(file + ": \"" + key + "\" must be base64 text (esptool stub format)");
        }
        try {
            return Base64.getDecoder().decode(s);
        } catch (IllegalArgumentException e) {
            throw EspfleetException.badInput(file + ": \"" + key + "\" is not valid base64: " + e.getMessage());
        }
    }
}
