package dev.espfleet.cli;

import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code espfleet verify ADDR FILE [ADDR FILE...]}: exit 1 if any region differs. */
@Command(name = "verify", mixinStandardHelpOptions = true,
        description = "Compare files with flash by the chip's MD5; exit 1 if any differs.")
public final class VerifyCommand extends ChipCommand {
    @Parameters(arity = "2..*", paramLabel = "ADDR FILE")
    List<String> pairs;

    @Override
    int onChip(ProgressPrinter console) {
        var regions = WriteFlashCommand.regions("verify", pairs);
        flash.verify(connection.port(), regions, console);
        out().printf("verified %d region(s)%n", regions.size());
        return 0;
    }
}
