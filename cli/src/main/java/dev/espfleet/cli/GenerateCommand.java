package dev.espfleet.cli;

import dev.espfleet.generator.config.DeviceConfig;
import dev.espfleet.services.DeviceProfile;
import dev.espfleet.generator.render.GeneratedProject;
import dev.espfleet.generator.render.ProjectRenderer;
import dev.espfleet.generator.render.ProjectWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "generate", mixinStandardHelpOptions = true,
        description = {"Generate an ESP-IDF v5.x project (firmware, partition table, AWS policy and rule) "
                + "from a device config.",
            "Re-running rewrites only what changed and keeps files you added."})
final class GenerateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "CONFIG", description = "Device config (YAML).")
    Path config;

    @Option(names = {"-o", "--output"}, paramLabel = "DIR", required = true,
            description = "Project directory to write (created when missing).")
    Path output;

    @Override
    public Integer call() {
        DeviceConfig c = DeviceProfile.load(config).config();
        GeneratedProject project = new ProjectRenderer().render(c);
        ProjectWriter.Result r = ProjectWriter.write(project, output);
        spec.commandLine().getOut().printf("Generated %s %s for %s in %s (%d files written, %d unchanged, %d removed)%n",
                c.product().name(), c.product().firmwareVersion(), c.target().idfName(), output,
                r.written(), r.unchanged(), r.removed());
        return 0;
    }
}
