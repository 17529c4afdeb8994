package dev.espfleet.cli;

import dev.espfleet.flasher.loader.ChipInfo;
import picocli.CommandLine.Command;

/** {@code espfleet chip-info}: which chip, its MAC, revision and flash. */
@Command(name = "chip-info", mixinStandardHelpOptions = true,
        description = "Connect to a chip in download mode and print its type, MAC, revision and flash.")
public final class ChipInfoCommand extends ChipCommand {
    @Override
    int onChip(ProgressPrinter console) {
        ChipInfo info = flash.chipInfo(connection.port(), console);
        out().printf("Chip:     %s (revision %s)%n", info.chip().displayName(), info.revision());
        out().printf("MAC:      %s%n", info.mac());
        out().printf("Flash:    %s (JEDEC id %s)%n", ChipInfo.sizeText(info.flashSize()), info.jedecText());
        return 0;
    }
}
