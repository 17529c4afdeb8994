package dev.espfleet.flasher.image;

import dev.espfleet.common.AtomicFiles;
import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.common.JsonReader;
import dev.espfleet.nvs.PartitionEntry;
import dev.espfleet.nvs.PartitionLabel;
import dev.espfleet.nvs.PartitionTable;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * ESP-IDF's {@code build/flasher_args.json}: {@code flash_files} maps offsets ("0x1000") to binaries relative
 * to the build directory; {@code extra_esptool_args.chip} names the target chip.
 */
public record FlasherArgs(Path file, List<FlashRegion> regions, Optional<String> chip,
        Optional<Integer> partitionTableOffset) {
    /** Reads {@code DIR/flasher_args.json} (or {@code DIR/build/flasher_args.json}) and every binary it names. */
    public static FlasherArgs load(Path buildDir) {
        Path file = buildDir.resolve("flasher_args.json");
        if (!Files.exists(file) && Files.exists(buildDir.resolve("build/flasher_args.json"))) {
            file = buildDir.resolve("build/flasher_args.json");
        }
        Path dir = file.getParent();
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new EspfleetException(ExitStatus.BAD_INPUT, "cannot read " + file + ": " + AtomicFiles.describe(e),
                    "run 'idf.py build' first; --build takes the build directory");
        }
        if (!(JsonReader.parse(text, file.toString()) instanceof Map<?, ?> root)) {
            throw EspfleetException.badInput(file + ": expected a JSON object");
        }
        if (!(root.get("flash_files") instanceof Map<?, ?> files) || files.isEmpty()) {
            throw EspfleetException.badInput(file + ": no \"flash_files\" object");
        }
        List<FlashRegion> regions = new ArrayList<>();
        for (Map.Entry<?, ?> e : files.entrySet()) {
            int offset = parseOffset(e.getKey().toString(), file + ": flash_files");
            Path bin = dir.resolve(e.getValue().toString());
            try {
                regions.add(new FlashRegion(e.getValue().toString(), offset, Files.readAllBytes(bin)));
            } catch (IOException ex) {
                throw EspfleetException.badInput(file + ": flash_files[\"" + e.getKey() + "\"]: cannot read " + bin
                        + ": " + AtomicFiles.describe(ex));
            }
        }
        Optional<String> chip = Optional.empty();
        Optional<Integer> tableOffset = Optional.empty();
        if (root.get("partition-table") instanceof Map<?, ?> pt && pt.get("offset") instanceof String o) {
            tableOffset = Optional.of(parseOffset(o, file + ": partition-table.offset"));
        }
        if (root.get("extra_esptool_args") instanceof Map<?, ?> extra && extra.get("chip") instanceof String c) {
            chip = Optional.of(c);
        }
        return new FlasherArgs(file, regions, chip, tableOffset);
    }

    /** The partition table among the regions: at the offset flasher_args.json names, else at ESP-IDF's default. */
    public PartitionTable partitionTable() {
        int at = partitionTableOffset.orElse(PartitionTable.DEFAULT_OFFSET);
        FlashRegion table = regions.stream().filter(r -> r.offset() == at).findFirst()
                .orElseThrow(() -> EspfleetException.badInput(String.format(
                        "%s: no partition table among the files (expected one at 0x%x)", file, at)));
        try {
            return PartitionTable.fromBinary(table.data());
        } catch (EspfleetException e) {
            throw EspfleetException.badInput(table.name() + ": " + e.getMessage());
        }
    }

    /**
     * The region that puts {@code image} into the partition called {@code label}; refuses an image larger
     * than the partition.
     */
    public FlashRegion regionForPartition(PartitionLabel label, String imageName, byte[] image) {
        PartitionTable table = partitionTable();
        PartitionEntry p = table.find(label.value()).orElseThrow(() -> EspfleetException.badInput(
                "no partition named '" + label + "' in the partition table (it has: "
                        + String.join(", ", table.entries().stream().map(PartitionEntry::name).toList()) + ")"));
        if (image.length > p.size()) {
            throw EspfleetException.badInput(String.format("%s is %d bytes, larger than partition '%s' (%d bytes at 0x%x)",
                    imageName, image.length, label, p.size(), p.offset()));
        }
        return new FlashRegion(imageName + " -> " + label, (int) p.offset(), image);
    }

    /** {@code 0x10000}, {@code 65536} or {@code 64K}-free plain numbers as esptool accepts them. */
    public static int parseOffset(String text, String where) {
        String t = text.strip().toLowerCase(java.util.Locale.ROOT);
        try {
            long v = t.startsWith("0x") ? Long.parseLong(t.substring(2), 16) : Long.parseLong(t);
            if (v < 0 || v > Integer.MAX_VALUE) {
                throw new NumberFormatException();
            }
            return (int) v;
        } catch (NumberFormatException e) {
            throw EspfleetException.badInput(where + ": '" + text + "' is not an offset (expected e.g. 0x10000)");
        }
    }
}
