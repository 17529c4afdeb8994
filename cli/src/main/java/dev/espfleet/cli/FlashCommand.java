package dev.espfleet.cli;

import dev.espfleet.flasher.flash.FlashPlan;
import dev.espfleet.services.FlashBuildRequest;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code espfleet flash --build DIR}: every binary of an ESP-IDF build at its offset. */
@Command(name = "flash", mixinStandardHelpOptions = true,
        description = "Write an ESP-IDF build (its flasher_args.json) to the chip and verify every region.")
public final class FlashCommand extends ChipCommand {
    @Mixin
    WriteOptions write;

    @Option(names = "--build", required = true, paramLabel = "DIR",
            description = "ESP-IDF build directory holding flasher_args.json.")
    Path build;

    @Option(names = "--nvs", paramLabel = "IMAGE",
            description = "Also write this image (e.g. an NVS partition) into the partition named by --partition.")
    Path nvs;

    @Option(names = "--partition", defaultValue = "nvs", paramLabel = "NAME",
            description = "Partition (by name, from the build's partition table) that --nvs goes to. Default: ${DEFAULT-VALUE}.")
    String partition;

    @Option(names = "--config", paramLabel = "FILE",
            description = "Device config: the identity layout (partition, NVS namespace, keys) to check an --nvs image "
                    + "by (default: the default layout); an image for its identity partition must hold an identity.")
    Path config;

    @Option(names = "--ca", paramLabel = "DIR|FILE",
            description = "Also check that the --nvs image's certificate was issued by this CA (a CA folder, or its "
                    + "ca.pem/chain.pem).")
    Path ca;

    @Override
    int onChip(ProgressPrinter console) {
        FlashPlan.HeaderSettings header = write.header();
        FlashPlan plan = flash.planBuild(new FlashBuildRequest(build, Optional.ofNullable(nvs), partition,
                Optional.ofNullable(config), Optional.ofNullable(ca)), console);
        flash.write(connection.port(), plan.withHeader(header), write.flashOptions(), console);
        return 0;
    }
}
