package dev.espfleet.host;

import dev.espfleet.generator.config.ConfigLoader;
import dev.espfleet.generator.config.DeviceConfig;
import dev.espfleet.generator.render.ProjectRenderer;
import dev.espfleet.generator.render.ProjectWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One device's firmware ready to run on this machine: the config generated into {@code workDir/project},
 * built with the host runtime into {@code workDir/app}, and the unit's NVS images beside it.
 */
public record HostRun(DeviceConfig config, Path project, Path app, Map<String, Path> nvsImages) {

    /**
     * Generates, builds ({@code sanitized}: under ASan and UBSan) and prepares the images; throws
     * {@code EspfleetException} on any refusal.
     */
    public static HostRun prepare(Path configFile, Path unit, Path workDir, boolean sanitized) {
        DeviceConfig config = ConfigLoader.load(configFile);
        Path project = workDir.resolve("project");
        ProjectWriter.write(new ProjectRenderer().render(config), project);
        Path app = HostAppBuild.build(project, workDir, sanitized);
        Map<String, Path> images = HostNvsImages.prepare(config, unit, workDir.resolve("nvs"));
        return new HostRun(config, project, app, images);
    }

    /** The same build for another unit: only the NVS images differ (they go to {@code workDir}). */
    public HostRun forUnit(Path unit, Path workDir) {
        return new HostRun(config, project, app, HostNvsImages.prepare(config, unit, workDir));
    }

    /** The command line: the app, its images and, when given, the broker that replaces the AWS endpoint. */
    public List<String> command(Optional<String> brokerUri) {
        List<String> command = new ArrayList<>(List.of(app.toString()));
        nvsImages.forEach((label, image) -> command.addAll(List.of("--nvs", label + "=" + image)));
        brokerUri.ifPresent(uri -> command.addAll(List.of("--broker", uri)));
        return command;
    }
}
