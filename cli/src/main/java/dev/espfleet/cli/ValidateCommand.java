package dev.espfleet.cli;

import dev.espfleet.generator.config.ConfigLoader;
import dev.espfleet.generator.config.DeviceConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "validate", mixinStandardHelpOptions = true,
        description = "Check a device config and report every problem at once as file:line:col: path: message.")
final class ValidateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "CONFIG", description = "Device config (YAML).")
    Path config;

    @Override
    public Integer call() {
        DeviceConfig c = ConfigLoader.load(config);
        spec.commandLine().getOut().printf("%s: ok (%s %s for %s, %d desired and %d reported fields)%n",
                config, c.product().name(), c.product().firmwareVersion(), c.target().idfName(),
                c.shadow().desired().size(), c.shadow().reported().size());
        return 0;
    }
}
