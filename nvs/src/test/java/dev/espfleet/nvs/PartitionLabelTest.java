package dev.espfleet.nvs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.common.EspfleetException;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The one rule for partition names, and that partitions.csv carries every name it accepts unchanged. */
class PartitionLabelTest {
    @ParameterizedTest
    @ValueSource(strings = {"nvs", "certs", "phy_init", "ota_0", "nvs-keys", "my part", "sixteen_bytes_xx", "a.b",
        "x#"})
    void acceptsOneToSixteenBytesThatALineOfPartitionsCsvCarries(String name) {
        assertEquals(Optional.empty(), PartitionLabel.problem(name));
        PartitionTable table = PartitionTable.fromCsv(name + ", data, nvs, 0x9000, 0x6000,\n", "partitions.csv",
                PartitionTable.DEFAULT_OFFSET);
        assertEquals(name, table.entries().get(0).name());
        assertEquals(name, PartitionTable.fromBinary(table.toBinary()).entries().get(0).name());
    }

    @Test
    void refusesSeventeenBytes() {
        assertEquals(Optional.of("'seventeen_bytes_x' is 17 bytes; partition names are at most 16 bytes"),
                PartitionLabel.problem("seventeen_bytes_x"));
        assertEquals("partition name 'seventeen_bytes_x' is 17 bytes; partition names are at most 16 bytes",
                assertThrows(EspfleetException.class, () -> PartitionLabel.of("seventeen_bytes_x")).getMessage());
    }

    @Test
    void refusesWhatPartitionsCsvCannotCarry() {
        assertEquals(Optional.of("'a,b' has ',' at position 2, which partitions.csv cannot carry (gen_esp32part.py"
                + " reads ',' as the end of the name)"), PartitionLabel.problem("a,b"));
        assertEquals(Optional.of("'$HOME' has '$' at position 1, which partitions.csv cannot carry (gen_esp32part.py"
                + " reads '$' as the start of an environment variable)"), PartitionLabel.problem("$HOME"));
        assertEquals(Optional.of("'#x' starts with '#', which makes its line in partitions.csv a comment"),
                PartitionLabel.problem("#x"));
        assertEquals(Optional.of("' x' starts or ends with a space, which gen_esp32part.py strips from partitions.csv"),
                PartitionLabel.problem(" x"));
        assertTrue(PartitionLabel.problem("x ").isPresent());
    }

    @Test
    void refusesEmptyNonAsciiAndControlCharacters() {
        assertEquals(Optional.of("'' is empty; partition names are 1 to 16 bytes of printable ASCII"),
                PartitionLabel.problem(""));
        assertEquals(Optional.of("'zertifikät' has the non-ASCII or control character U+00E4 at position 9; partition"
                + " names are printable ASCII"), PartitionLabel.problem("zertifikät"));
        assertTrue(PartitionLabel.problem("a\u0000b").isPresent());
    }

    @Test
    void aTableIsHeldToTheRule() {
        EspfleetException e = assertThrows(EspfleetException.class, () -> PartitionTable.fromCsv(
                "nvs, data, nvs, 0x9000, 0x6000,\nidentity_partition, data, nvs, 0xf000, 0x6000,\n", "partitions.csv",
                PartitionTable.DEFAULT_OFFSET));
        assertEquals("partitions.csv:2: partition 'identity_partition' is 18 bytes; partition names are at most 16 bytes",
                e.getMessage());
    }
}
