package dev.espfleet.cli;

import dev.espfleet.services.FlashService;
import picocli.CommandLine.Mixin;

/**
 * A command that talks to one chip: the shared connection options ({@code --port --baud --before --after
 * --trace --stub --connect-attempts}) and the console the job reports on (progress, loader lines, the write
 * summary), ended before anything else is printed, an {@code error:} line included. The service connects,
 * does the job and resets the chip as {@code --after} says.
 */
abstract class ChipCommand extends BaseCommand {
    @Mixin
    ConnectionOptions connection;

    final FlashService flash = new FlashService();

    @Override
    final int doCall() throws Exception {
        ProgressPrinter console = connection.console(err());
        try {
            return onChip(console);
        } finally {
            console.finish();
        }
    }

    abstract int onChip(ProgressPrinter console) throws Exception;
}
