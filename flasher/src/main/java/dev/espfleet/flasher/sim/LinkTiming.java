package dev.espfleet.flasher.sim;

import java.time.Duration;

/**
 * A timed link for benchmarks: each byte takes 10 bit times (8N1) at the current baud rate, and each reply
 * comes {@code turnaround} after its request was fully received (USB latency plus ROM processing). Untimed
 * (the default for tests) delivers everything at once.
 */
public record LinkTiming(boolean timed, Duration turnaround) {
    public static final LinkTiming UNTIMED = new LinkTiming(false, Duration.ZERO);

    public static LinkTiming timed(Duration turnaround) {
        return new LinkTiming(true, turnaround);
    }

    /** Nanoseconds on the wire for {@code bytes} bytes at {@code baud}. */
    public long wireNanos(int bytes, int baud) {
        return timed ? bytes * 10L * 1_000_000_000L / baud : 0;
    }
}
