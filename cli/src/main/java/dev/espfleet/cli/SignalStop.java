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
    private static volatile boolean signalled;

    private SignalStop() {
    }

    /**
     * Blocks until Ctrl-C (SIGINT) or SIGTERM ends the JVM (130 or 143): what keeps the bench's board up once the
     * run has ended.
     */
    static void awaitCtrlC() throws InterruptedException {
        new java.util.concurrent.CountDownLatch(1).await();
    }

    /** Ctrl-C or SIGTERM came during the run: the JVM is ending. */
    static boolean signalled() {
        return signalled;
    }

    static BenchOutcome run(BenchSession session, BenchEvents events) {
        Thread hook = new Thread(() -> {
            signalled = true;
            session.stop();
        }, "bench-stop");
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
