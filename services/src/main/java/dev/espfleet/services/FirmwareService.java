package dev.espfleet.services;

import dev.espfleet.generator.build.IdfBuild;
import dev.espfleet.generator.config.DeviceConfig;
import dev.espfleet.generator.render.ProjectRenderer;
import dev.espfleet.generator.render.ProjectWriter;
import dev.espfleet.model.Chip;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/** The firmware of a config: its ESP-IDF project generated, and built with ESP-IDF's idf.py. */
public final class FirmwareService {

    /** A project generated: the config it came from and what was written. */
    public record Generated(DeviceConfig config, Path project, ProjectWriter.Result files) {
    }

    /** A project built for {@code target}: its binaries are in {@code project/build}. */
    public record Built(Path project, String target) {
    }

    /**
     * Writes the project for {@code config} into {@code out}: only files whose content changed, removing the ones
     * it generated before and no longer does, keeping the user's own.
     */
    public Generated generate(Path config, Path out) {
        DeviceConfig c = DeviceProfile.load(config).config();
        return new Generated(c, out, ProjectWriter.write(new ProjectRenderer().render(c), out));
    }

    /**
     * Builds {@code input}: a generated project folder (for {@code target}, else the chip it was generated for),
     * or a config, whose project is generated first into {@code output} (default {@code build/<product>}).
     * Fails with "install ESP-IDF" (exit 3) before anything is generated when idf.py is not there.
     *
     * @param environment where idf.py is looked for (PATH, IDF_PATH)
     * @param notes       hears what ESP-IDF does
     */
    public Built build(Path input, Optional<Chip> target, Optional<Path> output, Map<String, String> environment,
                       Consumer<String> notes) {
        IdfBuild idf = new IdfBuild(environment, notes);
        idf.idfCommand();
        Path project = input;
        String buildTarget;
        if (Files.isDirectory(input)) {
            buildTarget = target.map(Chip::idfName).orElseGet(() -> idf.targetOf(input));
        } else {
            DeviceConfig c = DeviceProfile.load(input).config();
            project = output.orElse(Path.of("build", c.product().name()));
            ProjectWriter.write(new ProjectRenderer().render(c), project);
            buildTarget = target.orElse(c.target()).idfName();
        }
        idf.build(project, buildTarget);
        return new Built(project, buildTarget);
    }
}
