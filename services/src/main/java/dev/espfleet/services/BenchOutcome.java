package dev.espfleet.services;

import dev.espfleet.bench.UnitResult;
import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import java.util.List;

/** Every board's result of a bench run. */
public record BenchOutcome(List<UnitResult> results) {
    public BenchOutcome {
        results = List.copyOf(results);
    }

    public long failed() {
        return results.stream().filter(r -> !r.done()).count();
    }

    /** The job failed (exit 1) when any board did: it is not recorded as done and a rerun redoes it. */
    public void requireAllDone() {
        long failed = failed();
        if (failed > 0) {
            throw new EspfleetException(ExitStatus.JOB_FAILED, failed + " of " + results.size()
                    + " units failed; their boards are not recorded as done",
                    "fix the cause shown above and run the bench again: done units are kept, failed ones redone");
        }
    }
}
