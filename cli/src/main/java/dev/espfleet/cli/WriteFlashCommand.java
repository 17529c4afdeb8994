package dev.espfleet.cli;

import dev.espfleet.common.AtomicFiles;
import dev.espfleet.common.EspfleetException;
import dev.espfleet.flasher.flash.FlashOptions;
import dev.espfleet.flasher.flash.FlashWriter;
import dev.espfleet.flasher.image.FlashRegion;
import dev.espfleet.flasher.image.FlasherArgs;
import dev.espfleet.flasher.image.ImageCheck;
import dev.espfleet.flasher.image.ImageHeaderPatch;
import dev.espfleet.flasher.image.SecretData;
import dev.espfleet.flasher.loader.RomLoader;
import dev.espfleet.model.Chip;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code espfleet write-flash ADDR FILE [ADDR FILE...]}, as esptool. */
@Command(name = "write-flash", mixinStandardHelpOptions = true,
        description = "Write files to flash at the given offsets, then prove each region with the chip's MD5.")
public final class WriteFlashCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ConnectionOptions connection;

    @Mixin
    WriteOptions write;

    @Parameters(arity = "2..*", paramLabel = "ADDR FILE",
            description = "Pairs of flash offset (0x10000) and file.")
    List<String> pairs;

    @Override
    public Integer call() {
        if (pairs.size() % 2 != 0) {
            throw EspfleetException.badInput("write-flash takes pairs of ADDR FILE; got " + pairs.size() + " arguments");
        }
        write.check();
        List<FlashRegion> regions = new ArrayList<>();
        for (int i = 0; i < pairs.size(); i += 2) {
            int offset = FlasherArgs.parseOffset(pairs.get(i), "write-flash argument " + (i + 1));
            regions.add(new FlashRegion(pairs.get(i + 1), offset, readFile(Path.of(pairs.get(i + 1)))));
        }
        return write.run(connection, regions, spec.commandLine().getErr(), java.util.Optional.empty());
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

    /** Write-job options shared by write-flash and flash. */
    public static final class WriteOptions {
        @Option(names = "--no-compress", description = "Never send compressed data (default: compress where safe).")
        boolean noCompress;

        @Option(names = "--no-skip", description = "Write regions even if the chip already holds them.")
        boolean noSkip;

        @Option(names = "--flash-mode", defaultValue = "keep", paramLabel = "MODE",
                description = "keep, qio, qout, dio or dout: set in the bootloader image header. Default: ${DEFAULT-VALUE}.")
        String flashMode;

        @Option(names = "--flash-freq", defaultValue = "keep", paramLabel = "FREQ",
                description = "keep or e.g. 40m, 80m: set in the bootloader image header. Default: ${DEFAULT-VALUE}.")
        String flashFreq;

        @Option(names = "--flash-size", defaultValue = "keep", paramLabel = "SIZE",
                description = "keep, detect or 1MB..128MB: set in the bootloader image header. Default: ${DEFAULT-VALUE}.")
        String flashSize;

        /** Checks what can be checked before a port is opened: nothing is written when an option is wrong. */
        void check() {
            ImageHeaderPatch.checkOptions(flashMode, flashFreq, flashSize);
        }

        int run(ConnectionOptions connection, List<FlashRegion> regions, PrintWriter err,
                java.util.Optional<String> expectedChip) {
            check();
            connection.connectOptions();
            FlashOptions options = FlashOptions.defaults()
                    .withCompression(noCompress ? FlashOptions.Compression.NEVER : FlashOptions.Compression.AUTO)
                    .withSkipUnchanged(!noSkip);
            List<FlashRegion> marked = new ArrayList<>();
            for (FlashRegion r : regions) {
                // an identity image (or anything holding a private key) is never shown by --trace
                marked.add(r.secret() || SecretData.holdsSecrets(r.data()) ? r.asSecret() : r);
            }
            regions = marked;
            ProgressPrinter console = connection.console(err);
            try (RomLoader loader = connection.connect(console)) {
                expectedChip.ifPresent(chip -> {
                    if (Chip.parse(chip).orElse(null) != loader.chip()) {
                        throw new EspfleetException(dev.espfleet.common.ExitStatus.BAD_INPUT, "the build is for " + chip
                                + ", but the connected chip is " + loader.chip().displayName(), "connect the right board");
                    }
                });
                List<FlashRegion> patched = new ArrayList<>();
                for (FlashRegion r : regions) {
                    ImageCheck.requireChip(r, loader.chip());
                    ImageHeaderPatch.Result p = ImageHeaderPatch.apply(r, loader.spec(), flashMode, flashFreq, flashSize,
                            loader.flashSize());
                    p.note().ifPresent(console::line);
                    patched.add(p.region());
                }
                regions = patched;
                connection.redactInTrace(regions);
                long start = System.nanoTime();
                List<FlashWriter.RegionResult> results = new FlashWriter(loader, options, console).write(regions);
                console.line(summary(results, (System.nanoTime() - start) / 1e9));
                loader.finish();
            } finally {
                console.finish();
            }
            return 0;
        }

        /** What happened, in one line: how much was written, or that nothing needed to be. */
        static String summary(List<FlashWriter.RegionResult> results, double seconds) {
            long skipped = results.stream().filter(FlashWriter.RegionResult::skipped).count();
            if (skipped == results.size()) {
                return String.format("all %d region(s) already on the chip (MD5 match), nothing written", skipped);
            }
            long bytes = results.stream().filter(r -> !r.skipped()).mapToLong(r -> r.region().data().length).sum();
            return String.format("wrote and verified %d bytes in %d region(s) in %.1f s%s", bytes,
                    results.size() - skipped, seconds,
                    skipped == 0 ? "" : String.format("; %d region(s) already on the chip (MD5 match)", skipped));
        }
    }
}
