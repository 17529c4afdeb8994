package dev.espfleet.cli;

import dev.espfleet.services.FirmwareService;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {"Generate an ESP-IDF v5.x project (firmware, partition table, AWS policy and rule) "
                + "from a device config.",
            "Re-running rewrites only what changed and keeps files you added."})
final class GenerateCommand extends BaseCommand {
    @Parameters(paramLabel = "CONFIG", description = "Device config (YAML).")
    Path config;

    @Option(names = {"-o", "--output"}, paramLabel = "DIR", required = true,
            description = "Project directory to write (created when missing).")
    Path output;

    @Override
    int doCall() {
        FirmwareService.Generated g = new FirmwareService().generate(config, output);
        out().printf("Generated %s %s for %s in %s (%d files written, %d unchanged, %d removed)%n",
                g.config().product().name(), g.config().product().firmwareVersion(), g.config().target().idfName(),
                output, g.files().written(), g.files().unchanged(), g.files().removed());
        return 0;
    }
}
