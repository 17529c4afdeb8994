package dev.espfleet.bench;

import dev.espfleet.bench.eol.EndOfLineRecord;
import java.time.Instant;
import java.util.Optional;

/**
 * One device in the ledger. A unit is {@code ALLOCATED} from the moment its MAC gets a thing name and
 * {@code DONE} only after its flash was verified (and, with an end-of-line test, after the test passed); with AWS
 * registration, it is finished only once its {@link #registration()} is REGISTERED too.
 *
 * @param identityFingerprint SHA-256 of the identity image written to the board and verified
 * @param endOfLine           the unit's last end-of-line test; empty when none ran ({@code --eol none}, older benches)
 */
public record UnitRecord(String mac, String thingName, long sequence, Optional<String> certificateFingerprint,
                         State state, String station, Instant allocatedAt, Optional<Instant> doneAt,
                         Optional<String> identityFingerprint, Optional<EndOfLineRecord> endOfLine,
                         Registration registration) {
    public enum State {
        ALLOCATED, DONE
    }

    /** A unit's registration with AWS IoT: pending (to do, or failed and to retry) or registered. */
    public enum RegistrationState {
        PENDING, REGISTERED
    }

    /**
     * The AWS side of a unit; {@link #NOT_ASKED} when no bench run registered it ({@code state} is then null).
     *
     * @param detail why it is pending (the last failure), when it is
     */
    public record Registration(RegistrationState state, Optional<String> detail, Optional<String> thingArn,
                               Optional<String> certificateArn, Optional<String> certificateId,
                               Optional<Instant> registeredAt) {
        public static final Registration NOT_ASKED = new Registration(null, Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty());

        /** "registered", "pending" or "-" (not asked), as {@code ledger list} shows it. */
        public String describe() {
            return state == null ? "-" : state.name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** A unit whose registration was never asked for (ledgers and benches without AWS registration). */
    public UnitRecord(String mac, String thingName, long sequence, Optional<String> certificateFingerprint, State state,
                      String station, Instant allocatedAt, Optional<Instant> doneAt,
                      Optional<String> identityFingerprint) {
        this(mac, thingName, sequence, certificateFingerprint, state, station, allocatedAt, doneAt, identityFingerprint,
                Optional.empty(), Registration.NOT_ASKED);
    }
}
