package dev.espfleet.flasher.flash;

/** Receives progress of a flash job; every method has a do-nothing default. */
public interface ProgressListener {
    ProgressListener NONE = new ProgressListener() {
    };

    /** A region starts: its name, where, how many bytes, and how many go over the wire. */
    default void regionStarted(String name, int offset, int size, int wireBytes, boolean compressed) {
    }

    default void bytesDone(long done, long total) {
    }

    default void regionDone(String name, String md5, boolean skipped) {
    }

    /** Something failed and is tried again. */
    default void retrying(String what) {
    }
}
