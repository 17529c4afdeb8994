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

    /** A board answered and has its identity: its MAC and the thing name the ledger gives it. */
    default void identified(String port, String mac, String thingName) {
    }

    /** What an operator can do with the port changed (paused, a failed board to retry, the port ended). */
    default void controls(String port, PortControls controls) {
    }
}
