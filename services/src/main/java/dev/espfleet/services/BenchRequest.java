package dev.espfleet.services;

import dev.espfleet.bench.ThingNamePattern;
import dev.espfleet.bench.eol.EndOfLineMode;
import dev.espfleet.model.AwsEndpoint;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * A bench to run ({@code espfleet bench}, and the demo's).
 *
 * @param build         an ESP-IDF project or build folder whose flasher_args.json images are written too
 * @param units         where unit folders, the audit log and the default ledger go
 * @param ledger        a JDBC URL; empty for {@code jdbc:sqlite:<units>/ledger.db}
 * @param endpoint      overrides {@code aws.endpoint}: the identity's endpoint, {@code host} or {@code host:port}
 * @param boardsPerPort boards a serial port serves before the bench ends; 0: until stopped
 * @param station       this station's name in the ledger; empty for the host name
 * @param eol           the end-of-line test ({@code --eol}); empty for the default: {@code report} when firmware is
 *                      written ({@code --build}, or the simulated firmware on simulated ports), else {@code none}
 * @param eolTimeout    its deadline ({@code --eol-timeout}); empty for the mode's default
 */
public record BenchRequest(Path config, Path ca, Optional<Path> serverCa, Optional<Path> build, Path units,
                           Optional<String> ledger, ThingNamePattern namePattern, Optional<AwsEndpoint> endpoint,
                           Optional<WifiSettings> wifi, PortSpec ports, int baud, int boardsPerPort,
                           Optional<String> station, Optional<EndOfLineMode> eol, Optional<Duration> eolTimeout) {

    /** The same request with the end-of-line test {@code mode}. */
    public BenchRequest withEndOfLine(EndOfLineMode mode) {
        return new BenchRequest(config, ca, serverCa, build, units, ledger, namePattern, endpoint, wifi, ports, baud,
                boardsPerPort, station, Optional.of(mode), eolTimeout);
    }
}
