package dev.espfleet.bench.eol;

import java.time.Instant;

/** A unit's last end-of-line test, as the ledger keeps it. */
public record EndOfLineRecord(EndOfLineOutcome outcome, String detail, Instant at) {
}
