package dev.espfleet.cli;

import dev.espfleet.services.BenchEvents;
import dev.espfleet.services.BenchOutcome;
import dev.espfleet.services.BenchSession;

/**
 * Ctrl-C (SIGINT) or SIGTERM during a bench stops it as {@link BenchSession#stop} does: no new board, the
 * boards in flight get their grace, then their ports are closed; the JVM exits once the run has ended and its
 * summary is shown (130 or 143).
 */
final class SignalStop {
    private SignalStop() {
    }

    static BenchOutcome run(BenchSession session, BenchEvents events) {
        Thread hook = new Thread(session::stop, "bench-stop");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            return session.run(events);
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // Ctrl-C: the hook is already running
            }
        }
    }
}
