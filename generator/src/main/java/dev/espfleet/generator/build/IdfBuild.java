package dev.espfleet.generator.build;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Builds a generated project with ESP-IDF's own {@code idf.py}: {@code set-target} (only when the
 * project's sdkconfig is for another chip, since it wipes the build) then {@code build}. idf.py is
 * found on PATH, or as {@code $IDF_PATH/tools/idf.py}.
 */
public final class IdfBuild {
    static final String INSTALL_HINT = "install ESP-IDF v5.x (https://docs.espressif.com/projects/esp-idf/en/stable/"
            + "esp32/get-started/) and run '. $IDF_PATH/export.sh' in this shell, or set IDF_PATH";

    /** The Kconfig symbol ESP-IDF records the chip in (sdkconfig), and takes a project's default from (sdkconfig.defaults). */
    public static final String TARGET_KEY = "CONFIG_IDF_TARGET";
    /** What ESP-IDF builds for when nothing names a chip. */
    static final String DEFAULT_TARGET = "esp32";

    private final Map<String, String> environment;
    private final java.util.function.Consumer<String> log;

    /**
     * @param environment the environment idf.py is looked up in and run with (System.getenv() normally)
     * @param log where notes for the user go (one line each)
     */
    public IdfBuild(Map<String, String> environment, java.util.function.Consumer<String> log) {
        this.environment = Map.copyOf(environment);
        this.log = log;
    }

    /** The idf.py command to run, or exit status 3 with how to install ESP-IDF. */
    public List<String> idfCommand() {
        String path = environment.getOrDefault("PATH", "");
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty()) {
                Path candidate = Path.of(dir, "idf.py");
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return List.of(candidate.toString());
                }
            }
        }
        String idfPath = environment.get("IDF_PATH");
        if (idfPath != null && !idfPath.isBlank()) {
            Path script = Path.of(idfPath, "tools", "idf.py");
            if (Files.isRegularFile(script)) {
                return List.of(python(), script.toString());
            }
            throw new EspfleetException(ExitStatus.UNAVAILABLE,
                    "IDF_PATH is " + idfPath + " but " + script + " does not exist", INSTALL_HINT);
        }
        throw new EspfleetException(ExitStatus.UNAVAILABLE,
                "ESP-IDF not found: idf.py is not on PATH and IDF_PATH is not set", INSTALL_HINT);
    }

    private String python() {
        String env = environment.get("IDF_PYTHON_ENV_PATH");
        if (env != null && Files.isExecutable(Path.of(env, "bin", "python"))) {
            return Path.of(env, "bin", "python").toString();
        }
        return "python3";
    }

    /** Runs set-target (when needed) and build in {@code project}, streaming idf.py's output. */
    public void build(Path project, String target) {
        if (!Files.isRegularFile(project.resolve("CMakeLists.txt"))) {
            throw new EspfleetException(ExitStatus.BAD_INPUT,
                    project + " is not an ESP-IDF project (no CMakeLists.txt)",
                    "pass a device config or a directory made by 'espfleet generate'");
        }
        List<String> idf = idfCommand();
        refreshStaleSdkconfig(project);
        if (!configuredTarget(project).equals(Optional.of(target))) {
            run(idf, project, "set-target", target);
        }
        run(idf, project, "build");
    }

    /**
     * ESP-IDF reads sdkconfig.defaults only when it creates sdkconfig, so a regenerated project whose
     * defaults changed (another flash size, say) would keep building with the old settings. The old
     * sdkconfig is kept as sdkconfig.old, as menuconfig does, and a new one is made from the defaults.
     */
    void refreshStaleSdkconfig(Path project) {
        Path sdkconfig = project.resolve("sdkconfig");
        Path defaults = project.resolve("sdkconfig.defaults");
        try {
            if (Files.isRegularFile(sdkconfig) && Files.isRegularFile(defaults)
                    && Files.getLastModifiedTime(defaults).compareTo(Files.getLastModifiedTime(sdkconfig)) > 0) {
                Files.move(sdkconfig, project.resolve("sdkconfig.old"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                log.accept("sdkconfig.defaults changed since sdkconfig was made: sdkconfig is made again from it "
                        + "(the previous one is sdkconfig.old)");
            }
        } catch (IOException e) {
            throw new EspfleetException(ExitStatus.JOB_FAILED, "cannot replace " + sdkconfig + ": " + e.getMessage());
        }
    }

    /**
     * The chip a project directory is for, where ESP-IDF itself looks when no target is given: the
     * project's default, {@code CONFIG_IDF_TARGET} in sdkconfig.defaults (the generator writes it), then
     * the chip its sdkconfig was made for; ESP-IDF's own default, esp32, when neither says.
     */
    public String targetOf(Path project) {
        Optional<String> target = targetValue(project.resolve("sdkconfig.defaults")).or(() -> configuredTarget(project));
        if (target.isEmpty()) {
            log.accept(project + " names no chip (no CONFIG_IDF_TARGET in sdkconfig.defaults or sdkconfig): "
                    + "building for esp32, as ESP-IDF does; pass --target to choose");
        }
        return target.orElse(DEFAULT_TARGET);
    }

    /** CONFIG_IDF_TARGET from the project's sdkconfig, when it has one. */
    static Optional<String> configuredTarget(Path project) {
        return targetValue(project.resolve("sdkconfig"));
    }

    /** CONFIG_IDF_TARGET="..." in a sdkconfig-format file, when the file exists and sets it. */
    private static Optional<String> targetValue(Path file) {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return Files.readAllLines(file, StandardCharsets.UTF_8).stream()
                    .map(String::strip)
                    .filter(l -> l.startsWith(TARGET_KEY + "=\"") && l.endsWith("\"") && l.length() > TARGET_KEY.length() + 3)
                    .map(l -> l.substring(TARGET_KEY.length() + 2, l.length() - 1))
                    .findFirst();
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private void run(List<String> idf, Path project, String... args) {
        List<String> command = new ArrayList<>(idf);
        command.add("-C");
        command.add(project.toString());
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command).inheritIO();
        pb.environment().clear();
        pb.environment().putAll(environment);
        int exit;
        try {
            exit = pb.start().waitFor();
        } catch (IOException e) {
            throw new EspfleetException(ExitStatus.UNAVAILABLE, "cannot run " + String.join(" ", idf) + ": "
                    + e.getMessage(), INSTALL_HINT);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EspfleetException(ExitStatus.JOB_FAILED, "interrupted while running idf.py " + args[0]);
        }
        if (exit != 0) {
            throw new EspfleetException(ExitStatus.JOB_FAILED,
                    "idf.py " + String.join(" ", args) + " failed with exit code " + exit + " in " + project,
                    "the lines above are ESP-IDF's own output");
        }
    }
}
