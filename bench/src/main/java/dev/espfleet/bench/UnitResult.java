package dev.espfleet.bench;

import dev.espfleet.bench.eol.EndOfLineResult;
import java.time.Duration;
import java.util.Optional;

/**
/**
 * How one board went: done (verified, end-of-line test passed if there was one, and recorded) or failed with the
 * reason. A board that is done may still be {@code registrationPending}: flashed and verified, but not registered
 * with AWS IoT (yet).
 *
 * @param endOfLine the unit's end-of-line test, when one ran (it passed for a unit done, or failed it)
 */
public record UnitResult(String port, Optional<String> mac, Optional<String> thingName, boolean done,
                         String detail, Duration took, long bytesWritten, Optional<EndOfLineResult> endOfLine,
                         boolean registrationPending) {
    /** A result that ended before any end-of-line test or registration. */
    public UnitResult(String port, Optional<String> mac, Optional<String> thingName, boolean done, String detail,
                      Duration took, long bytesWritten) {
        this(port, mac, thingName, done, detail, took, bytesWritten, Optional.empty(), false);
    }

    /** A result with its end-of-line test, nothing to register. */
    public UnitResult(String port, Optional<String> mac, Optional<String> thingName, boolean done, String detail,
                      Duration took, long bytesWritten, Optional<EndOfLineResult> endOfLine) {
        this(port, mac, thingName, done, detail, took, bytesWritten, endOfLine, false);
    }

    /** Done, and registered when registration was asked for: nothing left to do for this unit. */
    public boolean finished() {
        return done && !registrationPending;
    }
}
