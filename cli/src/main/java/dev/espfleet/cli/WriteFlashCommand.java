package dev.espfleet.cli;

import dev.espfleet.common.AtomicFiles;
import dev.espfleet.common.EspfleetException;
import dev.espfleet.flasher.image.FlashRegion;
import dev.espfleet.flasher.flash.FlashPlan;
import dev.espfleet.flasher.image.FlasherArgs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code espfleet write-flash ADDR FILE [ADDR FILE...]}, as esptool. */
@Command(name = "write-flash", mixinStandardHelpOptions = true,
        description = "Write files to flash at the given offsets, then prove each region with the chip's MD5.")
public final class WriteFlashCommand extends ChipCommand {
    @Mixin
    WriteOptions write;

    @Parameters(arity = "2..*", paramLabel = "ADDR FILE",
            description = "Pairs of flash offset (0x10000) and file.")
    List<String> pairs;

    @Override
    int onChip(ProgressPrinter console) {
        requirePairs("write-flash", pairs);
        FlashPlan.HeaderSettings header = write.header();
        FlashPlan plan = FlashPlan.of(regions("write-flash", pairs)).withHeader(header);
        flash.write(connection.port(), plan, write.flashOptions(), console);
        return 0;
    }

    static void requirePairs(String command, List<String> pairs) {
        if (pairs.size() % 2 != 0) {
            throw EspfleetException.badInput(command + " takes pairs of ADDR FILE; got " + pairs.size() + " arguments");
        }
    }

    /** {@code ADDR FILE} pairs as regions, each file read whole. */
    static List<FlashRegion> regions(String command, List<String> pairs) {
        requirePairs(command, pairs);
        List<FlashRegion> regions = new ArrayList<>();
        for (int i = 0; i < pairs.size(); i += 2) {
            int offset = FlasherArgs.parseOffset(pairs.get(i), command.equals("verify") ? "ADDR"
                    : command + " argument " + (i + 1));
            regions.add(new FlashRegion(pairs.get(i + 1), offset, readFile(Path.of(pairs.get(i + 1)))));
        }
        return regions;
    }

    static byte[] readFile(Path file) {
        if (Files.isDirectory(file)) {
            throw EspfleetException.badInput("cannot read " + file + ": it is a directory, expected an image file");
        }
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw EspfleetException.badInput("cannot read " + file + ": " + AtomicFiles.describe(e));
        }
    }
}
