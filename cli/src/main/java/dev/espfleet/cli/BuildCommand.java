package dev.espfleet.cli;

import dev.espfleet.generator.config.FirmwareTargets;
import dev.espfleet.model.Chip;
import dev.espfleet.services.FirmwareService;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "build", mixinStandardHelpOptions = true,
        description = {"Build firmware with ESP-IDF's idf.py (set-target when needed, then build).",
            "Given a config, the project is generated first (into -o DIR, default build/<product>)."})
final class BuildCommand extends BaseCommand {
    /** Replaced in tests so that a fake idf.py can be put on PATH. */
    static Map<String, String> environment = System.getenv();

    @Parameters(paramLabel = "CONFIG|DIR", description = "Device config (YAML) or a generated project directory.")
    Path input;

    @Option(names = "--target", paramLabel = "CHIP",
            description = "Chip to build for (default: the config's target, or for a directory the chip it was "
                    + "generated for: CONFIG_IDF_TARGET in its sdkconfig.defaults).")
    String target;

    @Option(names = {"-o", "--output"}, paramLabel = "DIR",
            description = "Where to generate the project when CONFIG is a config file.")
    Path output;

    @Override
    int doCall() {
        Optional<Chip> chip = Optional.ofNullable(target).map(t -> FirmwareTargets.of(t, "--target"));
        java.io.PrintWriter err = err();
        FirmwareService.Built built = new FirmwareService().build(input, chip, Optional.ofNullable(output), environment,
                line -> {
                    err.println("note: " + line);
                    err.flush();
                });
        out().printf("Built %s for %s: binaries in %s%n", built.project(), built.target(),
                built.project().resolve("build"));
        return 0;
    }
}
