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

    /** Units flashed and verified whose registration with AWS IoT is pending. */
    public long registrationPending() {
        return results.stream().filter(r -> r.done() && r.registrationPending()).count();
    }

    /**
     * The job failed (exit 1) when any board did: it is not recorded as done and a rerun redoes it. A unit whose
     * registration is pending is not finished either (exit 1 too): it is flashed and recorded, and
     * {@code espfleet aws sync} registers it.
     */
    public void requireAllDone() {
        long failed = failed();
        long pending = registrationPending();
        if (failed > 0) {
            throw new EspfleetException(ExitStatus.JOB_FAILED, failed + " of " + results.size()
                    + " units failed; their boards are not recorded as done" + (pending > 0 ? ", and " + pending
                    + " more are flashed but their registration with AWS IoT is pending" : ""),
                    "fix the cause shown above and run the bench again: done units are kept, failed ones redone"
                            + (pending > 0 ? "; 'espfleet aws sync' registers the pending ones" : ""));
        }
        if (pending > 0) {
            throw new EspfleetException(ExitStatus.JOB_FAILED, pending + " of " + results.size() + " units are flashed "
                    + "and verified but not registered with AWS IoT (registration pending in the ledger)",
                    "when AWS is reachable, run 'espfleet aws sync --config ...' to register them");
        }
    }
}
