package dev.espfleet.cli;

import dev.espfleet.flasher.FlashOptions;
import dev.espfleet.flasher.FlashWriter;
import dev.espfleet.flasher.RomLoader;
import dev.espfleet.flasher.job.FlasherArgs;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code espfleet erase-region ADDR SIZE}. */
@Command(name = "erase-region", mixinStandardHelpOptions = true,
        description = "Erase whole 4 KB sectors and prove with the chip's MD5 that they read as 0xFF.")
public final class EraseRegionCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ConnectionOptions connection;

    @Parameters(index = "0", paramLabel = "ADDR")
    String address;

    @Parameters(index = "1", paramLabel = "SIZE")
    String size;

    @Override
    public Integer call() {
        int offset = FlasherArgs.parseOffset(address, "ADDR");
        int length = FlasherArgs.parseOffset(size, "SIZE");
        PrintWriter err = spec.commandLine().getErr();
        try (RomLoader loader = connection.connect(err)) {
            new FlashWriter(loader, FlashOptions.defaults(), new ProgressPrinter(err)).erase(offset, length);
            err.printf("erased 0x%08x..0x%08x%n", offset, offset + length);
            loader.finish();
            err.flush();
        }
        return 0;
    }
}
