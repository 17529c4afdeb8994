package dev.espfleet.flasher.sim;

import java.time.Duration;

/**
 * A timed link for benchmarks: each byte takes 10 bit times (8N1) at the current baud rate, and each reply
 * comes {@code turnaround} after its request was fully received (USB latency plus ROM processing). Untimed
 * (the default for tests) delivers everything at once. A {@code virtual} timed link keeps its own clock
 * instead of sleeping: it measures the protocol alone, free of host CPU time and machine load.
 */
public record LinkTiming(boolean timed, Duration turnaround, boolean virtual) {
    public static final LinkTiming UNTIMED = new LinkTiming(false, Duration.ZERO, false);

    public static LinkTiming timed(Duration turnaround) {
        return new LinkTiming(true, turnaround, false);
    }

    public static LinkTiming virtualClock(Duration turnaround) {
        return new LinkTiming(true, turnaround, true);
    }

    /** Nanoseconds on the wire for {@code bytes} bytes at {@code baud}. */
    public long wireNanos(int bytes, int baud) {
        return timed ? bytes * 10L * 1_000_000_000L / baud : 0;
    }
}
