package dev.espfleet.cli;

import dev.espfleet.flasher.flash.FlashOptions;
import dev.espfleet.flasher.flash.FlashPlan;
import picocli.CommandLine.Option;

/** Write-job options shared by write-flash and flash. */
public final class WriteOptions {
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

    /** The header settings, checked: a wrong one is bad input before anything is read or opened. */
    FlashPlan.HeaderSettings header() {
        return new FlashPlan.HeaderSettings(flashMode, flashFreq, flashSize);
    }

    FlashOptions flashOptions() {
        return FlashOptions.defaults()
                .withCompression(noCompress ? FlashOptions.Compression.NEVER : FlashOptions.Compression.AUTO)
                .withSkipUnchanged(!noSkip);
    }
}
