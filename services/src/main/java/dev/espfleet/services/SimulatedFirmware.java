package dev.espfleet.services;

import dev.espfleet.flasher.image.FlashRegion;
import dev.espfleet.generator.config.DeviceConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The application firmware a simulated ESP32 boots ({@code --ports sim:N} without {@code --build}): the config's
 * firmware built for the host and packed as the images an ESP32 would get (bootloader, partition table, otadata,
 * app), so that the simulated unit runs what was written and passes the end-of-line test as a board would.
 */
@FunctionalInterface
public interface SimulatedFirmware {
    /**
     * What a simulated chip gets written.
     *
     * @param regions the images and their offsets (the partition table among them)
     * @param version the firmware version the application reports
     */
    record Build(List<FlashRegion> regions, String version) {
        public Build {
            regions = List.copyOf(regions);
        }
    }

    /** Builds (or takes from {@code cacheDir}) the firmware of {@code config}. */
    Build build(DeviceConfig config, Path cacheDir);

    /**
     * This espfleet's simulated firmware: the host module's {@code SimFirmware}, the config's firmware built for
     * Linux with the host runtime and packed as an ESP32 image set.
     */
    static Optional<SimulatedFirmware> installed() {
        return Optional.of((config, cache) -> {
            dev.espfleet.host.SimFirmware fw = dev.espfleet.host.SimFirmware.build(config, cache);
            return new Build(fw.regions(), fw.version());
        });
    }
}
