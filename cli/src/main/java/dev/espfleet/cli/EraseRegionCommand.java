package dev.espfleet.cli;

import dev.espfleet.flasher.flash.FlashOptions;
import dev.espfleet.flasher.flash.FlashWriter;
import dev.espfleet.flasher.image.FlasherArgs;
import dev.espfleet.flasher.loader.RomLoader;
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
        connection.connectOptions();
        ProgressPrinter console = connection.console(spec.commandLine().getErr());
        try (RomLoader loader = connection.connect(console)) {
            new FlashWriter(loader, FlashOptions.defaults(), console).erase(offset, length);
            console.line(String.format("erased 0x%08x..0x%08x", offset, offset + length));
            loader.finish();
        } finally {
            console.finish();
        }
        return 0;
    }
}
