package dev.espfleet.bench.eol;

import dev.espfleet.bench.console.Hello;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * How a unit's end-of-line test went.
 *
 * @param detail        what passed, or why it failed (what the bench shows after "end-of-line: ")
 * @param hello         the unit's report, when one came
 * @param damagedFrames console lines that held a damaged frame
 */
public record EndOfLineResult(EndOfLineOutcome outcome, String detail, Duration took, Optional<Hello> hello,
                              long damagedFrames) {
    public boolean passed() {
        return outcome != EndOfLineOutcome.FAILED;
    }

    public EndOfLineRecord record(Instant at) {
        return new EndOfLineRecord(outcome, detail, at);
    }
}
