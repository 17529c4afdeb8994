package dev.espfleet.services;

import java.nio.file.Path;
import java.util.Optional;

/**
 * The demo set up: what it wrote, the bench to run on its simulated boards, and the broker they reach (when
 * mosquitto is installed). Closing it stops the broker.
 */
public record DemoSession(Path firmware, Path ca, Path units, Path ledger, Path auditLog, BenchSession bench,
                          Optional<DemoBroker> broker) implements AutoCloseable {
    @Override
    public void close() {
        broker.ifPresent(DemoBroker::close);
    }
}
