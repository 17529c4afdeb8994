package dev.espfleet.host;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.model.Chip;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What ESP-IDF's build takes from a generated project for the app's description: the CMake project's name
 * ({@code project(NAME)} in CMakeLists.txt: esp_app_desc_t.project_name), its version ({@code set(PROJECT_VER
 * "...")}: esp_app_desc_t.version), and the chip ({@code CONFIG_IDF_TARGET} in sdkconfig.defaults). The host build
 * compiles the same into the runtime's esp_app_get_description(), and the app image carries the same.
 */
record HostProject(String name, String version, Chip target) {
    private static final Pattern PROJECT = Pattern.compile("(?m)^project\\(([A-Za-z0-9_.+-]+)\\)\\s*$");
    private static final Pattern VERSION = Pattern.compile("(?m)^set\\(PROJECT_VER \"([^\"\\\\]*)\"\\)\\s*$");
    private static final Pattern TARGET = Pattern.compile("(?m)^CONFIG_IDF_TARGET=\"([a-z0-9]+)\"\\s*$");

    static HostProject read(Path project) {
        String cmake = text(project.resolve("CMakeLists.txt"));
        String defaults = text(project.resolve("sdkconfig.defaults"));
        String name = group(PROJECT, cmake, project.resolve("CMakeLists.txt"), "project(NAME)");
        String version = group(VERSION, cmake, project.resolve("CMakeLists.txt"), "set(PROJECT_VER \"...\")");
        String target = group(TARGET, defaults, project.resolve("sdkconfig.defaults"), "CONFIG_IDF_TARGET=\"...\"");
        Chip chip = Chip.parse(target).orElseThrow(() -> EspfleetException.badInput(project.resolve("sdkconfig.defaults")
                + ": CONFIG_IDF_TARGET \"" + target + "\" is not a chip espfleet knows"));
        return new HostProject(name, version, chip);
    }

    private static String text(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw EspfleetException.badInput("cannot read " + file + " (is this a project made by espfleet generate?)");
        }
    }

    private static String group(Pattern pattern, String text, Path file, String what) {
        Matcher m = pattern.matcher(text);
        if (!m.find()) {
            throw EspfleetException.badInput(file + " has no " + what + " line (is this a project made by espfleet "
                    + "generate?)");
        }
        return m.group(1);
    }
}
