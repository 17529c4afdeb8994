package dev.espfleet.services;

import java.nio.file.Path;

/** The demo set up: what it wrote, and the bench to run on its simulated boards. */
public record DemoSession(Path firmware, Path ca, Path units, Path ledger, Path auditLog, BenchSession bench) {
}
