package dev.espfleet.generator;

import dev.espfleet.generator.config.ConfigLoader;
import dev.espfleet.generator.config.DeviceConfig;
import dev.espfleet.generator.render.GeneratedProject;
import dev.espfleet.generator.render.ProjectRenderer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The configs in the repository's examples/ folder, which every generator test runs over. */
public final class Examples {
    public static final Path DIR = Path.of("..", "examples");

    private Examples() {
    }

    public static List<String> names() {
        try (Stream<Path> s = Files.list(DIR)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yaml"))
                    .map(n -> n.substring(0, n.length() - ".yaml".length())).sorted().toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    public static DeviceConfig config(String name) {
        return ConfigLoader.load(DIR.resolve(name + ".yaml"));
    }

    public static GeneratedProject render(String name) {
        return new ProjectRenderer().render(config(name));
    }
}
