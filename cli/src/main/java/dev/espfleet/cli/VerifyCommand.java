package dev.espfleet.cli;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.flasher.flash.FlashOptions;
import dev.espfleet.flasher.flash.FlashWriter;
import dev.espfleet.flasher.image.FlashRegion;
import dev.espfleet.flasher.image.FlasherArgs;
import dev.espfleet.flasher.loader.RomLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code espfleet verify ADDR FILE [ADDR FILE...]}: exit 1 if any region differs. */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Compare files with flash by the chip's MD5; exit 1 if any differs.")
public final class VerifyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ConnectionOptions connection;

    @Parameters(arity = "2..*", paramLabel = "ADDR FILE")
    List<String> pairs;

    @Override
    public Integer call() {
        if (pairs.size() % 2 != 0) {
            throw EspfleetException.badInput("verify takes pairs of ADDR FILE; got " + pairs.size() + " arguments");
        }
        List<FlashRegion> regions = new ArrayList<>();
        for (int i = 0; i < pairs.size(); i += 2) {
            byte[] data = WriteFlashCommand.readFile(Path.of(pairs.get(i + 1)));
            if (data.length == 0) {
                // the MD5 of nothing matches any flash: "verified" would prove nothing
                throw EspfleetException.badInput(pairs.get(i + 1) + " is empty: there is nothing to compare with flash");
            }
            regions.add(new FlashRegion(pairs.get(i + 1), FlasherArgs.parseOffset(pairs.get(i), "ADDR"), data));
        }
        connection.connectOptions();
        ProgressPrinter console = connection.console(spec.commandLine().getErr());
        try (RomLoader loader = connection.connect(console)) {
            List<String> mismatches = new FlashWriter(loader, FlashOptions.defaults(), dev.espfleet.flasher.flash.ProgressListener.NONE)
                    .verify(regions);
            loader.finish();
            if (!mismatches.isEmpty()) {
                throw new EspfleetException(ExitStatus.JOB_FAILED, "verify failed: " + String.join("; ", mismatches),
                        "write the file again with write-flash");
            }
            spec.commandLine().getOut().printf("verified %d region(s)%n", regions.size());
            spec.commandLine().getOut().flush();
        } finally {
            console.finish();
        }
        return 0;
    }
}
