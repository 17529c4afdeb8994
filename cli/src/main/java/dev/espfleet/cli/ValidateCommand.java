package dev.espfleet.cli;

import dev.espfleet.generator.config.DeviceConfig;
import dev.espfleet.services.DeviceProfile;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

@Command(name = "validate", mixinStandardHelpOptions = true,
        description = "Check a device config and report every problem at once as file:line:col: path: message.")
final class ValidateCommand extends BaseCommand {
    @Parameters(paramLabel = "CONFIG", description = "Device config (YAML).")
    Path config;

    /** The config is valid when its profile can be made: what provision and the bench take from it holds. */
    @Override
    int doCall() {
        DeviceConfig c = DeviceProfile.load(config).config();
        out().printf("%s: ok (%s %s for %s, %d desired and %d reported fields)%n",
                config, c.product().name(), c.product().firmwareVersion(), c.target().idfName(),
                c.shadow().desired().size(), c.shadow().reported().size());
        return 0;
    }
}
