package dev.espfleet.cli;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.flasher.image.FlasherArgs;
import dev.espfleet.nvs.PartitionLabel;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code espfleet flash --build DIR}: every binary of an ESP-IDF build at its offset. */
@Command(name = "flash", mixinStandardHelpOptions = true,
        description = "Write an ESP-IDF build (its flasher_args.json) to the chip and verify every region.")
public final class FlashCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ConnectionOptions connection;

    @Mixin
    WriteFlashCommand.WriteOptions write;

    @Mixin
    IdentityImageOptions identity;

    @Option(names = "--build", required = true, paramLabel = "DIR",
            description = "ESP-IDF build directory holding flasher_args.json.")
    Path build;

    @Option(names = "--nvs", paramLabel = "IMAGE",
            description = "Also write this image (e.g. an NVS partition) into the partition named by --partition.")
    Path nvs;

    @Option(names = "--partition", defaultValue = "nvs", paramLabel = "NAME",
            description = "Partition (by name, from the build's partition table) that --nvs goes to. Default: ${DEFAULT-VALUE}.")
    String partition;

    @Override
    public Integer call() {
        write.check();
        FlasherArgs args = FlasherArgs.load(build);
        java.util.List<dev.espfleet.flasher.image.FlashRegion> regions = new java.util.ArrayList<>(args.regions());
        if (nvs != null) {
            PartitionLabel.problem(partition).ifPresent(p -> {
                throw EspfleetException.badInput("--partition: " + p);
            });
            PartitionLabel label = PartitionLabel.of(partition);
            // the identity image, checked before it is written; its private key is never shown by --trace
            regions.add(args.regionForPartition(label, nvs.toString(),
                    identity.checkedImage(nvs, label, spec.commandLine().getErr())).asSecret());
        }
        spec.commandLine().getErr().printf("%s: %d file(s)%n", args.file(), regions.size());
        return write.run(connection, regions, spec.commandLine().getErr(), args.chip());
    }
}
