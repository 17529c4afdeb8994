package dev.espfleet.services;

import dev.espfleet.bench.UnitResult;
import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import java.util.List;

/** Every board's result of a bench run: every attempt, in port order. */
public record BenchOutcome(List<UnitResult> results) {
    public BenchOutcome {
        results = List.copyOf(results);
    }

    /** Units done (verified and recorded). */
    public long done() {
        return results.stream().filter(UnitResult::done).count();
    }

    /**
     * Units whose last attempt failed: a failure followed on its port by a pass of the same board (an operator's
     * retry) no longer counts, since that board is recorded as done.
     */
    public long failed() {
        long failed = 0;
        for (int i = 0; i < results.size(); i++) {
            if (!results.get(i).done() && !passedOnRetry(i)) {
                failed++;
            }
        }
        return failed;
    }

    /** Units the run ended with, done or failed (attempts that a retry passed are not counted twice). */
    public long units() {
        return done() + failed();
    }

    /** The failed attempt {@code failure} (an index into results) was followed on its port by a pass of its board. */
    public boolean passedOnRetry(int failure) {
        UnitResult failed = results.get(failure);
        return results.subList(failure + 1, results.size()).stream().anyMatch(r -> r.done()
                && r.port().equals(failed.port()) && (failed.mac().isEmpty() || failed.mac().equals(r.mac())));
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
            throw new EspfleetException(ExitStatus.JOB_FAILED, failed + " of " + units()
                    + " units failed; their boards are not recorded as done" + (pending > 0 ? ", and " + pending
                    + " more are flashed but their registration with AWS IoT is pending" : ""),
                    "fix the cause shown above and run the bench again: done units are kept, failed ones redone"
                            + (pending > 0 ? "; 'espfleet aws sync' registers the pending ones" : ""));
        }
        if (pending > 0) {
            throw new EspfleetException(ExitStatus.JOB_FAILED, pending + " of " + units() + " units are flashed "
                    + "and verified but not registered with AWS IoT (registration pending in the ledger)",
                    "when AWS is reachable, run 'espfleet aws sync --config ...' to register them");
        }
    }
}
