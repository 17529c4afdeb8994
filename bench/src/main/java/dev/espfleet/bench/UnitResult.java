package dev.espfleet.bench;

import java.time.Duration;
import java.util.Optional;

/**
 * How one board went: done (verified and recorded) or failed with the reason. A board that is done may still
 * be {@code registrationPending}: flashed and verified, but not registered with AWS IoT (yet).
 */
public record UnitResult(String port, Optional<String> mac, Optional<String> thingName, boolean done,
                         String detail, Duration took, long bytesWritten, boolean registrationPending) {
    public UnitResult(String port, Optional<String> mac, Optional<String> thingName, boolean done, String detail,
                      Duration took, long bytesWritten) {
        this(port, mac, thingName, done, detail, took, bytesWritten, false);
    }

    /** Done, and registered when registration was asked for: nothing left to do for this unit. */
    public boolean finished() {
        return done && !registrationPending;
    }
}
