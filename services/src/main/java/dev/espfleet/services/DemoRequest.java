package dev.espfleet.services;

import java.nio.file.Path;

/**
 * The demo: the example firmware generated into {@code dir/firmware}, a local CA in {@code dir/ca}, and a bench
 * of {@code boards} simulated ESP32s writing units into {@code dir/units}.
 */
public record DemoRequest(Path config, Path dir, int boards) {
}
