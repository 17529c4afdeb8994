package dev.espfleet.host;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Compiles a generated project's firmware with the host runtime ({@code host/runtime}: libmosquitto,
 * OpenSSL, NVS images, pthreads; and {@code host/shared}, the ESP-IDF behaviour the unit-test fakes share)
 * into a Linux executable. The runtime's sources and the ESP-IDF-shaped
 * headers travel inside this jar, so the CLI can build without the source tree.
 */
public final class HostAppBuild {
    /** Every file of host/include, host/shared and host/runtime, as packaged (a test keeps this list complete). */
    static final List<String> SOURCES = List.of(
            "include/bootloader_random.h", "include/driver/uart.h", "include/driver/usb_serial_jtag.h",
            "include/esp_app_desc.h",
            "include/esp_bit_defs.h", "include/esp_chip_info.h", "include/esp_err.h", "include/esp_event.h",
            "include/esp_log.h", "include/esp_http_client.h", "include/esp_https_ota.h", "include/esp_mac.h", "include/esp_netif.h",
            "include/esp_ota_ops.h", "include/esp_partition.h", "include/esp_random.h",
            "include/esp_rom_crc.h", "include/esp_system.h", "include/esp_timer.h", "include/esp_tls_errors.h",
            "include/esp_wifi.h", "include/freertos/FreeRTOS.h", "include/freertos/event_groups.h",
            "include/freertos/queue.h", "include/freertos/task.h", "include/mbedtls/asn1.h",
            "include/mbedtls/base64.h", "include/mbedtls/ctr_drbg.h", "include/mbedtls/ecp.h", "include/mbedtls/md.h",
            "include/mbedtls/oid.h", "include/mbedtls/pk.h", "include/mbedtls/platform_util.h",
            "include/mbedtls/private_access.h", "include/mbedtls/sha256.h", "include/mbedtls/x509.h",
            "include/mbedtls/x509_crt.h", "include/mbedtls/x509_csr.h", "include/mqtt_client.h", "include/nvs.h", "include/nvs_flash.h", "include/nvs_sec_provider.h",
            "include/sdkconfig.h",
            "shared/esp_err.c", "shared/esp_rom_crc.c", "shared/event_loop.c", "shared/event_loop.h",
            "shared/mbedtls_pk_shim.c", "shared/mbedtls_shim.c", "shared/mqtt_events.c",
            "shared/mqtt_events.h", "shared/nvs_image.c", "shared/nvs_image.h", "shared/nvs_sec.c", "shared/nvs_sec.h", "shared/nvs_store.c",
            "shared/nvs_store.h", "shared/wifi_driver.c", "shared/wifi_driver.h",
            "runtime/console_posix.c", "runtime/https_ota.c", "runtime/mqtt_mosquitto.c", "runtime/nvs_runtime.c",
            "runtime/ota_flash.c",
            "runtime/rtos_posix.c", "runtime/runtime.h", "runtime/runtime_main.c", "runtime/system_posix.c");
    /** The ESP-IDF version the host runtime stands for: esp_app_get_description()'s idf_ver, and the image's. */
    public static final String IDF_VERSION = "v5.5-espfleet-host";
    static final String RESOURCE_ROOT = "/dev/espfleet/host/sources/";
    /** Debian packages the build needs: the compiler and the libraries' headers. */
    public static final String PACKAGES = "gcc libmosquitto-dev libssl-dev libcjson-dev";
    private static final List<Path> REQUIRED_HEADERS = List.of(Path.of("/usr/include/mosquitto.h"),
            Path.of("/usr/include/openssl/ssl.h"), Path.of("/usr/include/cjson/cJSON.h"));

    private HostAppBuild() {
    }

    /** The compiler flags every host build takes (part of SimFirmware's cache key). */
    static List<String> flags() {
        return List.of("-std=gnu17", "-Wall", "-Wextra", "-Werror", "-O1", "-g", "-pthread");
    }

    /** Compiler flags of a build under AddressSanitizer and UndefinedBehaviorSanitizer: any finding aborts. */
    static final List<String> SANITIZERS = List.of("-fsanitize=address,undefined", "-fno-sanitize-recover=all",
            "-fno-omit-frame-pointer");

    /**
     * Builds {@code project} (a folder written by {@code espfleet generate}) into {@code out/app} and
     * returns its path; {@code sanitized} adds ASan and UBSan. gcc's diagnostics go into the exception when
     * the build fails.
     */
    public static Path build(Path project, Path out, boolean sanitized) {
        for (Path header : REQUIRED_HEADERS) {
            if (!Files.isRegularFile(header)) {
                throw new EspfleetException(ExitStatus.UNAVAILABLE, header + " is missing: the host build needs "
                        + PACKAGES, "apt-get install " + PACKAGES);
            }
        }
        Path main = project.resolve("main");
        if (!Files.isRegularFile(main.resolve("app_main.c"))) {
            throw EspfleetException.badInput(project + " is not a generated project (no main/app_main.c)");
        }
        try {
            Path sources = out.resolve("runtime-sources");
            extractSources(sources);
            HostProject described = HostProject.read(project);
            List<String> command = new ArrayList<>(List.of("gcc"));
            command.addAll(flags());
            // the same sources give the same executable wherever they were built (debug info, __FILE__)
            command.add("-ffile-prefix-map=" + main.toAbsolutePath().getParent() + "=project");
            command.add("-ffile-prefix-map=" + sources.toAbsolutePath() + "=runtime");
            command.addAll(List.of("-DCONFIG_IDF_TARGET=\"" + described.target().idfName() + "\"",
                    "-DCONFIG_IDF_TARGET_" + described.target().idfName().toUpperCase(java.util.Locale.ROOT) + "=1",
                    "-DESPFLEET_HOST_PROJECT_NAME=\"" + described.name() + "\"",
                    "-DESPFLEET_HOST_APP_VERSION=\"" + described.version() + "\"",
                    "-DESPFLEET_HOST_IDF_VERSION=\"" + IDF_VERSION + "\"",
                    "-I", sources.resolve("include").toString(),
                    "-I", sources.resolve("shared").toString(), "-I", sources.resolve("runtime").toString(), "-I", "/usr/include/cjson", "-I", main.toString()));
            if (described.appRollback()) {
                command.add("-DCONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE=1");
            }
            command.addAll(described.nvsEncryptionDefines());
            if (sanitized) {
                command.addAll(SANITIZERS);
            }
            try (Stream<Path> files = Files.list(main)) {
                files.filter(f -> f.toString().endsWith(".c")).sorted().forEach(f -> command.add(f.toString()));
            }
            SOURCES.stream().filter(s -> s.endsWith(".c")).forEach(s -> command.add(sources.resolve(s).toString()));
            Path app = out.resolve("app");
            command.addAll(List.of("-lmosquitto", "-lssl", "-lcrypto", "-lcjson", "-lm", "-o", app.toString()));
            Process gcc;
            try {
                gcc = new ProcessBuilder(command).redirectErrorStream(true).start();
            } catch (IOException e) {
                throw new EspfleetException(ExitStatus.UNAVAILABLE, "cannot run gcc: " + e.getMessage(),
                        "apt-get install " + PACKAGES);
            }
            String output = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (gcc.waitFor() != 0) {
                throw new EspfleetException(ExitStatus.JOB_FAILED, "the host build of " + project + " failed:\n"
                        + output.strip());
            }
            return app;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EspfleetException(ExitStatus.JOB_FAILED, "interrupted while building " + project);
        }
    }

    private static void extractSources(Path dir) throws IOException {
        for (String name : SOURCES) {
            Path target = dir.resolve(name);
            Files.createDirectories(target.getParent());
            try (InputStream in = HostAppBuild.class.getResourceAsStream(RESOURCE_ROOT + name)) {
                if (in == null) {
                    throw new EspfleetException(ExitStatus.INTERNAL, "host runtime source " + name
                            + " is missing from the espfleet jar");
                }
                Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }
}
