package dev.espfleet.services;

import dev.espfleet.model.AwsEndpoint;
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

    /** Step 3: the units will reach the demo broker at {@code endpoint} (its config, key and log in {@code dir}). */
    default void brokerStarted(AwsEndpoint endpoint, Path dir) {
    }

    /** Step 3: no broker, and why: the units' end-of-line test stops at their report. */
    default void brokerSkipped(String why) {
    }

    /** Step 3: no end-of-line test, and why. */
    default void endOfLineSkipped(String why) {
    }

    /**
     * Step 4: the bench on {@code boards} simulated ESP32s: with their simulated firmware when this espfleet has
     * it; otherwise with the firmware of {@code build} when the project has an ESP-IDF build, else the identity
     * alone.
     */
    default void benchStarting(int boards, Optional<Path> build) {
    }
}
