package dev.espfleet.bench;

/** What the display hears from the ports, from their own threads. */
public interface BenchListener {
    BenchListener NONE = new BenchListener() {
    };

    /** A port's state changed ("connecting", "flashing identity", ...). */
    default void state(String port, String state) {
    }

    default void progress(String port, long done, long total, double bytesPerSecond) {
    }

    default void finished(UnitResult result) {
    }
}
