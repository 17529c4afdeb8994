package dev.espfleet.services;

import dev.espfleet.flasher.flash.ProgressListener;

/** What a front end hears from a flash job: progress, lines to show (loader messages, notes), the result. */
public interface FlashListener extends ProgressListener {
    /** A line to show as it is: a loader message, a note about a patched header, what a job found. */
    void line(String text);

    /** The regions are written and verified (heard before the chip is reset into its application). */
    default void written(WriteReport report) {
    }
}
