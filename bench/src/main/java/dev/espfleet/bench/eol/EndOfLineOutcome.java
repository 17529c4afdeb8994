package dev.espfleet.bench.eol;

import java.util.Locale;
import java.util.Optional;

/** How a unit's end-of-line test ended, as the ledger records it. */
public enum EndOfLineOutcome {
    /** Its report matched what was recorded. */
    REPORTED,
    /** Its report matched, and it reached its broker as its thing. */
    CONNECTED,
    FAILED;

    /** As the ledger and {@code ledger list} write it. */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<EndOfLineOutcome> ofWord(String word) {
        for (EndOfLineOutcome o : values()) {
            if (o.word().equals(word)) {
                return Optional.of(o);
            }
        }
        return Optional.empty();
    }
}
