package dev.espfleet.bench.eol;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;

/** A unit that failed its end-of-line test: the board fails (exit 1), with the test's result. */
public final class EndOfLineFailure extends EspfleetException {
    private final transient EndOfLineResult result;

    public EndOfLineFailure(EndOfLineResult result) {
        super(ExitStatus.JOB_FAILED, "end-of-line: " + result.detail());
        this.result = result;
    }

    public EndOfLineResult result() {
        return result;
    }
}
