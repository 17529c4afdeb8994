package dev.espfleet.cli;

import dev.espfleet.flasher.job.FlasherArgs;
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

    @Option(names = "--build", required = true, paramLabel = "DIR",
            description = "ESP-IDF build directory holding flasher_args.json.")
    Path build;

    @Override
    public Integer call() {
        FlasherArgs args = FlasherArgs.load(build);
        spec.commandLine().getErr().printf("%s: %d file(s)%n", args.file(), args.regions().size());
        return write.run(connection, args.regions(), spec.commandLine().getErr(), args.chip());
    }
}
