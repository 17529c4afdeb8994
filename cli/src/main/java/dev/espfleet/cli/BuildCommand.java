package dev.espfleet.cli;

import dev.espfleet.generator.build.IdfBuild;
import dev.espfleet.generator.config.DeviceConfig;
import dev.espfleet.services.DeviceProfile;
import dev.espfleet.generator.config.FirmwareTargets;
import dev.espfleet.generator.render.ProjectRenderer;
import dev.espfleet.generator.render.ProjectWriter;
import dev.espfleet.model.Chip;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "build", mixinStandardHelpOptions = true,
        description = {"Build firmware with ESP-IDF's idf.py (set-target when needed, then build).",
            "Given a config, the project is generated first (into -o DIR, default build/<product>)."})
final class BuildCommand implements Callable<Integer> {
    /** Replaced in tests so that a fake idf.py can be put on PATH. */
    static Map<String, String> environment = System.getenv();

    @Spec
    CommandSpec spec;

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
    public Integer call() {
        Optional<Chip> chip = Optional.ofNullable(target).map(t -> FirmwareTargets.of(t, "--target"));
        java.io.PrintWriter err = spec.commandLine().getErr();
        IdfBuild idf = new IdfBuild(environment, line -> {
            err.println("note: " + line);
            err.flush();
        });
        idf.idfCommand(); // fail with "install ESP-IDF" before generating anything
        Path project = input;
        String buildTarget;
        if (Files.isDirectory(input)) {
            buildTarget = chip.map(Chip::idfName).orElseGet(() -> idf.targetOf(input));
        } else {
            DeviceConfig c = DeviceProfile.load(input).config();
            project = output != null ? output : Path.of("build", c.product().name());
            ProjectWriter.write(new ProjectRenderer().render(c), project);
            buildTarget = chip.orElse(c.target()).idfName();
        }
        idf.build(project, buildTarget);
        spec.commandLine().getOut().printf("Built %s for %s: binaries in %s%n", project, buildTarget,
                project.resolve("build"));
        return 0;
    }
}
