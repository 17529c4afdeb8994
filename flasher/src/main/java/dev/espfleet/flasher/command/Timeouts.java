package dev.espfleet.flasher.command;

import java.time.Duration;

/** Reply timeouts, named and sized as esptool's (loader.py): some scale with the megabytes involved. */
public final class Timeouts {
    /** Most commands answer at once. */
    public static final Duration DEFAULT = Duration.ofSeconds(3);
    /** A SYNC that gets no answer this fast is sent again. */
    public static final Duration SYNC = Duration.ofMillis(100);
    /** MEM_END jumps away; the reply may never come. */
    public static final Duration MEM_END = Duration.ofMillis(50);
    /**
     * The line counts as empty once it has been quiet this long: the ROM sends its 8 copies of a SYNC reply
     * (or of an answer to an unsupported command) within about 10 ms (unsupported-reply-repeats.log).
     */
    public static final Duration DRAIN_QUIET = Duration.ofMillis(50);
    /**
     * Draining gives up after this: a ROM loader falls quiet at once, so a port that keeps sending is an
     * application logging, or line noise, and waiting longer would not help.
     */
    public static final Duration DRAIN_LIMIT = Duration.ofSeconds(2);
    /** The ROM hashes flash at roughly this pace. */
    public static final Duration MD5_PER_MB = Duration.ofSeconds(8);
    /** FLASH_BEGIN erases the whole region before it answers. */
    public static final Duration ERASE_REGION_PER_MB = Duration.ofSeconds(30);
    /** A FLASH_DATA block may erase and write. */
    public static final Duration ERASE_WRITE_PER_MB = Duration.ofSeconds(40);

    private Timeouts() {
    }

    /** {@code perMb} times the size in MB, but never less than {@link #DEFAULT}. */
    public static Duration perMb(Duration perMb, long bytes) {
        long millis = (long) (perMb.toMillis() * (bytes / 1_048_576.0));
        return Duration.ofMillis(Math.max(DEFAULT.toMillis(), millis));
    }
}
