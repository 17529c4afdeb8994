package dev.espfleet.bench;

import java.time.Duration;
import java.util.Optional;

/** How one board went: done (verified and recorded) or failed with the reason. */
public record UnitResult(String port, Optional<String> mac, Optional<String> thingName, boolean done,
                         String detail, Duration took, long bytesWritten) {
}
