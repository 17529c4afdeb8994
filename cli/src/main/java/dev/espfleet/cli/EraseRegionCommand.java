package dev.espfleet.cli;

import dev.espfleet.flasher.image.FlasherArgs;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code espfleet erase-region ADDR SIZE}. */
@Command(name = "erase-region", mixinStandardHelpOptions = true,
        description = "Erase whole 4 KB sectors and prove with the chip's MD5 that they read as 0xFF.")
public final class EraseRegionCommand extends ChipCommand {
    @Parameters(index = "0", paramLabel = "ADDR")
    String address;

    @Parameters(index = "1", paramLabel = "SIZE")
    String size;

    @Override
    int onChip(ProgressPrinter console) {
        int offset = FlasherArgs.parseOffset(address, "ADDR");
        int length = FlasherArgs.parseOffset(size, "SIZE");
        flash.erase(connection.port(), offset, length, console);
        console.line(String.format("erased 0x%08x..0x%08x", offset, offset + length));
        return 0;
    }
}
