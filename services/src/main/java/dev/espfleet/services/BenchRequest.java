package dev.espfleet.services;

import dev.espfleet.bench.ThingNamePattern;
import dev.espfleet.model.AwsEndpoint;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A bench to run ({@code espfleet bench}, and the demo's).
 *
 * @param build         an ESP-IDF project or build folder whose flasher_args.json images are written too
 * @param units         where unit folders, the audit log and the default ledger go
 * @param ledger        a JDBC URL; empty for {@code jdbc:sqlite:<units>/ledger.db}
 * @param endpoint      overrides {@code aws.endpoint}
 * @param boardsPerPort boards a serial port serves before the bench ends; 0: until stopped
 * @param station       this station's name in the ledger; empty for the host name
 */
public record BenchRequest(Path config, Path ca, Optional<Path> serverCa, Optional<Path> build, Path units,
                           Optional<String> ledger, ThingNamePattern namePattern, Optional<AwsEndpoint> endpoint,
                           Optional<WifiSettings> wifi, PortSpec ports, int baud, int boardsPerPort,
                           Optional<String> station) {
}
