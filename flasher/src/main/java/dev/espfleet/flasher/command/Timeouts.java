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
