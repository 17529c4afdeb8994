package dev.espfleet.nvs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The one rule for NVS keys and namespace names, and that the writer holds every entry to it. */
class NvsKeyTest {
    @ParameterizedTest
    @ValueSource(strings = {"k", "thing_name", "thing-name", "fifteen_bytes_x", "sta.ssid", "a b", " ", "a,b", "\"q\"",
        "#c", "back\\slash", "~!@$%^&*()+={}?"})
    void acceptsOneToFifteenBytesOfPrintableAscii(String key) {
        assertEquals(Optional.empty(), NvsKey.problem(key));
        assertEquals(key, NvsKey.of(key).toString());
    }

    @Test
    void refusesSixteenBytes() {
        assertEquals(Optional.of("'sixteen_chars_xx' is 16 bytes; NVS keys and namespaces are at most 15 bytes"),
                NvsKey.problem("sixteen_chars_xx"));
        EspfleetException e = assertThrows(EspfleetException.class, () -> NvsKey.of("sixteen_chars_xx"));
        assertEquals(ExitStatus.BAD_INPUT, e.status());
        assertEquals("NVS key or namespace 'sixteen_chars_xx' is 16 bytes; NVS keys and namespaces are at most 15 bytes",
                e.getMessage());
    }

    @Test
    void refusesEmpty() {
        assertEquals(Optional.of("'' is empty; NVS keys and namespaces are 1 to 15 bytes of printable ASCII"),
                NvsKey.problem(""));
        assertEquals(NvsKey.problem(""), NvsKey.problem(null));
    }

    @Test
    void refusesNonAsciiAndControlCharacters() {
        assertEquals(Optional.of("'schlüssel' has the non-ASCII or control character U+00FC at position 5; NVS keys and"
                + " namespaces are printable ASCII"), NvsKey.problem("schlüssel"));
        assertEquals(Optional.of("'a\tb' has the non-ASCII or control character U+0009 at position 2; NVS keys and"
                + " namespaces are printable ASCII"), NvsKey.problem("a\tb"));
        assertEquals(Optional.of("'del\u007f' has the non-ASCII or control character U+007F at position 4; NVS keys and"
                + " namespaces are printable ASCII"), NvsKey.problem("del\u007f"));
    }

    @Test
    void theWriterStoresAValidKeyAsItsBytes() {
        byte[] image = NvsPartitionWriter.write(List.of(NvsEntry.namespace("ns 1"),
                NvsEntry.string("ns 1", "thing-name", "dev-1"), NvsEntry.string("ns 1", "a,\"b\"#", "x")),
                0x3000, NvsVersion.V2);
        List<NvsEntry> items = NvsPartitionReader.read(image).items();
        assertEquals(List.of(NvsEntry.string("ns 1", "thing-name", "dev-1"), NvsEntry.string("ns 1", "a,\"b\"#", "x")),
                items);
        assertEquals("thing-name", new String(image, 32 * 2 + 8 + 32, 10, StandardCharsets.US_ASCII));
    }

    @Test
    void theWriterRefusesWhatTheRuleRefuses() {
        NvsEntryException key = assertThrows(NvsEntryException.class, () -> NvsPartitionWriter.write(List.of(
                NvsEntry.namespace("ns"), NvsEntry.string("ns", "k\u00e9y", "v")), 0x3000, NvsVersion.V2));
        assertEquals("key " + NvsKey.problem("k\u00e9y").orElseThrow(), key.detail());
        NvsEntryException namespace = assertThrows(NvsEntryException.class, () -> NvsPartitionWriter.write(List.of(
                NvsEntry.namespace("namespace_16char")), 0x3000, NvsVersion.V2));
        assertEquals("namespace " + NvsKey.problem("namespace_16char").orElseThrow(), namespace.detail());
    }
}
