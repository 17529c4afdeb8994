package dev.espfleet.cli;

import dev.espfleet.common.AtomicFiles;
import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.common.InputFiles;
import dev.espfleet.nvs.PartitionEntry;
import dev.espfleet.nvs.PartitionSize;
import dev.espfleet.nvs.PartitionTable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code espfleet partitions INPUT [OUTPUT]}: as gen_esp32part.py, converts partitions.csv to the binary
 * table and back (the input kind is told by the 0xAA50 magic), checking it; without OUTPUT prints the table.
 */
@Command(name = "partitions", description = {
    "Check an ESP-IDF partition table and convert it (CSV <-> binary).",
    "partitions.csv -> binary table (for 0x8000) with its MD5 entry, binary -> CSV.",
    "Without OUTPUT, print it as CSV; with --find NAME, print that partition's offset and size."})
public final class PartitionsCommand implements Callable<Integer> {
    /** A binary table is one 4 KiB sector and a partitions.csv a few KiB; anything beyond 1 MiB is refused unread. */
    private static final long MAX_INPUT_BYTES = 1 << 20;

    @Spec
    CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help.")
    boolean help;

    @Parameters(index = "0", paramLabel = "INPUT", description = "partitions.csv or a binary partition table.")
    Path input;

    @Parameters(index = "1", arity = "0..1", paramLabel = "OUTPUT", description = "Converted output file.")
    Path output;

    @Option(names = "--offset", paramLabel = "OFFSET",
            description = "Partition table offset (default: ESP-IDF's CONFIG_PARTITION_TABLE_OFFSET, 0x8000).")
    String offset;

    @Option(names = "--flash-size", paramLabel = "SIZE", description = "Check the partitions fit, e.g. 4M or 0x400000.")
    String flashSize;

    @Option(names = "--find", paramLabel = "NAME", description = "Print the partition named NAME.")
    String find;

    /** UTF-8 without control characters other than tab and line ends: what a partitions.csv is. */
    static boolean isText(byte[] data) {
        try {
            String text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(data)).toString();
            return text.chars().noneMatch(c -> c < 0x20 && c != '\t' && c != '\n' && c != '\r');
        } catch (java.nio.charset.CharacterCodingException e) {
            return false;
        }
    }

    @Override
    public Integer call() {
        byte[] data = InputFiles.read(input, MAX_INPUT_BYTES, "partition table");
        long tableOffset = offset == null ? PartitionTable.DEFAULT_OFFSET : PartitionSize.parse(offset, "--offset");
        boolean binary = data.length >= 2 && data[0] == (byte) 0xAA && data[1] == (byte) 0x50;
        PartitionTable table;
        if (binary) {
            table = PartitionTable.fromBinary(data);
            table.verify(input.toString(), tableOffset);
        } else if (!isText(data)) {
            throw new EspfleetException(ExitStatus.BAD_INPUT, input + " is neither a partition table binary (it would "
                    + "start with aa 50) nor a CSV (it is not UTF-8 text)");
        } else {
            table = PartitionTable.fromCsv(new String(data, StandardCharsets.UTF_8), input.toString(), tableOffset);
        }
        if (flashSize != null) {
            table.checkFits(PartitionSize.parse(flashSize, "--flash-size"), input.toString());
        }
        if (find != null) {
            PartitionEntry e = table.find(find).orElseThrow(() -> new EspfleetException(ExitStatus.BAD_INPUT,
                    input + ": no partition named '" + find + "'; partitions: "
                            + String.join(", ", table.entries().stream().map(PartitionEntry::name).toList())));
            spec.commandLine().getOut().printf("%s offset=0x%x size=0x%x type=0x%02x subtype=0x%02x%n",
                    e.name(), e.offset(), e.size(), e.type(), e.subtype());
            return 0;
        }
        if (output == null) {
            spec.commandLine().getOut().print(table.toCsv());
        } else if (binary) {
            AtomicFiles.write(output, table.toCsv().getBytes(StandardCharsets.UTF_8));
            spec.commandLine().getOut().printf("wrote %s: %d partitions as CSV%n", output, table.entries().size());
        } else {
            AtomicFiles.write(output, table.toBinary());
            spec.commandLine().getOut().printf("wrote %s: %d partitions, 0x%x bytes with MD5%n", output,
                    table.entries().size(), PartitionTable.MAX_TABLE_LENGTH);
        }
        spec.commandLine().getOut().flush();
        return 0;
    }
}
