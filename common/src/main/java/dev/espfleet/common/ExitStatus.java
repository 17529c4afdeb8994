package dev.espfleet.common;

/** Process exit codes of the {@code espfleet} CLI; every failure maps to exactly one of them. */
public enum ExitStatus {
    OK(0),
    /** The job ran and failed (verify mismatch, a device that did not flash, a build that failed). */
    JOB_FAILED(1),
    /** Bad input or usage: config, CSV, arguments. Nothing was written. */
    BAD_INPUT(2),
    /** A device, port or external tool (idf.py, a serial port) is not reachable. */
    UNAVAILABLE(3),
    /** A bug in espfleet itself. */
    INTERNAL(4);

    private final int code;

    ExitStatus(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }
}
