package dev.espfleet.bench;

import dev.espfleet.bench.eol.EndOfLineResult;
import java.time.Duration;
import java.util.Optional;

/**
 * How one board went: done (verified, end-of-line test passed if there was one, and recorded) or failed with the
 * reason.
 *
 * @param endOfLine the unit's end-of-line test, when one ran (it passed for a unit done, or failed it)
 */
public record UnitResult(String port, Optional<String> mac, Optional<String> thingName, boolean done,
                         String detail, Duration took, long bytesWritten, Optional<EndOfLineResult> endOfLine) {
}
