package dev.espfleet.bench;

import dev.espfleet.bench.eol.EndOfLineRecord;
import java.time.Instant;
import java.util.Optional;

/**
 * One device in the ledger. A unit is {@code ALLOCATED} from the moment its MAC gets a thing name and
 * {@code DONE} only after its flash was verified (and, with an end-of-line test, after the test passed).
 *
 * @param identityFingerprint SHA-256 of the identity image written to the board and verified
 * @param endOfLine           the unit's last end-of-line test; empty when none ran ({@code --eol none}, older benches)
 */
public record UnitRecord(String mac, String thingName, long sequence, Optional<String> certificateFingerprint,
                         State state, String station, Instant allocatedAt, Optional<Instant> doneAt,
                         Optional<String> identityFingerprint, Optional<EndOfLineRecord> endOfLine) {
    public enum State {
        ALLOCATED, DONE
    }
}
