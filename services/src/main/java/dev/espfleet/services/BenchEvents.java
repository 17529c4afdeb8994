package dev.espfleet.services;

import dev.espfleet.bench.BenchListener;
import dev.espfleet.bench.eol.EndOfLinePlan;
import dev.espfleet.bench.UnitResult;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * What a front end hears from a bench run, besides each port's state and progress ({@link BenchListener}, from
 * the ports' own threads). The CLI prints these; a browser board renders them.
 */
public interface BenchEvents extends BenchListener {
    /** No Wi-Fi credentials were given, and the firmware reads them from the identity image: it halts at boot. */
    default void noWifiCredentials() {
    }

    /**
     * The run starts.
     *
     * @param ledger the ledger as it may be shown (no password)
     * @param firmware a build's images are written too, not just the identity
     */
    default void started(int ports, String ledger, Path units, boolean firmware) {
    }

    /** Simulated ports: their firmware is being built (or taken from {@code cache}) before the run. */
    default void buildingSimulatedFirmware(Path cache) {
    }

    /**
     * The end-of-line test every unit passes before it is done ({@link dev.espfleet.bench.eol.EndOfLineMode#NONE}:
     * none); {@code endpoint} is the broker the identities name.
     */
    default void endOfLine(EndOfLinePlan plan, String endpoint) {
    }

    /** Asked to stop: no new board is taken; the boards in flight get {@code grace} to finish. */
    default void stopping(Duration grace) {
    }

    /** The grace ran out: the ports of the boards still in flight are closed. */
    default void closingPorts() {
    }

    /** Every port is done: the result of every board, in port order. */
    default void benchFinished(List<UnitResult> results) {
    }
}
