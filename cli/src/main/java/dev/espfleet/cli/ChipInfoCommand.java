package dev.espfleet.cli;

import dev.espfleet.flasher.loader.ChipInfo;
import dev.espfleet.flasher.loader.RomLoader;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code espfleet chip-info}: which chip, its MAC, revision and flash. */
@Command(name = "chip-info", mixinStandardHelpOptions = true,
        description = "Connect to a chip in download mode and print its type, MAC, revision and flash.")
public final class ChipInfoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ConnectionOptions connection;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        ProgressPrinter console = connection.console(spec.commandLine().getErr());
        try (RomLoader loader = connection.connect(console)) {
            ChipInfo info = loader.chipInfo();
            out.printf("Chip:     %s (revision %s)%n", info.chip().displayName(), info.revision());
            out.printf("MAC:      %s%n", info.mac());
            out.printf("Flash:    %s (JEDEC id %s)%n", ChipInfo.sizeText(info.flashSize()), info.jedecText());
            out.flush();
            loader.finish();
        } finally {
            console.finish();
        }
        return 0;
    }
}
