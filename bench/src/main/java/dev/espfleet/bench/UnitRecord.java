package dev.espfleet.bench;

import java.time.Instant;
import java.util.Optional;

/**
 * One device in the ledger. A unit is {@code ALLOCATED} from the moment its MAC gets a thing name and
 * {@code DONE} only after its flash was verified.
 *
 * @param identityFingerprint SHA-256 of the identity image written to the board and verified
 */
public record UnitRecord(String mac, String thingName, long sequence, Optional<String> certificateFingerprint,
                         State state, String station, Instant allocatedAt, Optional<Instant> doneAt,
                         Optional<String> identityFingerprint) {
    public enum State {
        ALLOCATED, DONE
    }
}
