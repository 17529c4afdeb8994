package dev.espfleet.services;

import java.nio.file.Path;
import java.util.Optional;

/** The demo's steps, then its bench's events. */
public interface DemoEvents extends BenchEvents {
    /** Step 1: the project for {@code config} is generated into {@code dir}. */
    default void generatingFirmware(Path config, Path dir) {
    }

    /** Step 2: the local CA in {@code dir}, {@code reused} or created now. */
    default void localCa(Path dir, boolean reused) {
    }

    /**
     * Step 3: the bench on {@code boards} simulated ESP32s, with the firmware of {@code build} when the project
     * has an ESP-IDF build, else the identity alone.
     */
    default void benchStarting(int boards, Optional<Path> build) {
    }
}
