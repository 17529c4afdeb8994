package dev.espfleet.host;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.model.Chip;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What ESP-IDF's build takes from a generated project for the app's description: the CMake project's name
 * ({@code project(NAME)} in CMakeLists.txt: esp_app_desc_t.project_name), its version ({@code set(PROJECT_VER
 * "...")}: esp_app_desc_t.version), the chip ({@code CONFIG_IDF_TARGET} in sdkconfig.defaults) and whether app rollback is on. The host build
 * compiles the same into the runtime's esp_app_get_description(), and the app image carries the same.
 */
record HostProject(String name, String version, Chip target, boolean appRollback, List<String> nvsEncryptionDefines) {
    /** The bootloader keeps a new app PENDING_VERIFY until it confirms itself (sdkconfig.defaults). */
    private static final Pattern ROLLBACK = Pattern.compile("(?m)^CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE=y\\s*$");

    /**
     * The NVS encryption options of sdkconfig.defaults, which the host runtime's NVS follows as ESP-IDF's does
     * (CONFIG_NVS_ENCRYPTION, CONFIG_NVS_SEC_KEY_PROTECT_USING_*, CONFIG_NVS_SEC_HMAC_EFUSE_KEY_ID).
     */
    private static final Pattern NVS_SECURITY = Pattern.compile("(?m)^(CONFIG_NVS_(?:ENCRYPTION|SEC_[A-Z0-9_]+))=(y|[0-9]+)\\s*$");

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
        List<String> defines = new ArrayList<>();
        Matcher nvs = NVS_SECURITY.matcher(defaults);
        while (nvs.find()) {
            defines.add("-D" + nvs.group(1) + "=" + (nvs.group(2).equals("y") ? "1" : nvs.group(2)));
        }
        return new HostProject(name, version, chip, ROLLBACK.matcher(defaults).find(), List.copyOf(defines));
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
