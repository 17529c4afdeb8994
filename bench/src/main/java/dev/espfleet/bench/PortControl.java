package dev.espfleet.bench;

import dev.espfleet.common.EspfleetException;
import java.util.function.BooleanSupplier;

/**
 * The operator's hold on one port (pause, retry), shared by the port's thread, which waits on it between boards,
 * and a front end, which asks. Every change is told to the listener as {@link PortControls}.
 */
final class PortControl {
    /** How often a waiting port looks at the stop flag, besides being woken by {@link #wake}. */
    private static final long POLL_MILLIS = 500;

    private final String port;
    private final BenchListener listener;
    private final boolean holdFailed;
    private boolean paused;
    private boolean lastFailed;
    private boolean retryAsked;
    private boolean serving = true;

    PortControl(String port, BenchListener listener, boolean holdFailed) {
        this.port = port;
        this.listener = listener;
        this.holdFailed = holdFailed;
    }

    synchronized void announce() {
        listener.controls(port, controls());
    }

    synchronized void pause() {
        requireServing();
        if (paused) {
            throw EspfleetException.badInput(port + " is already paused");
        }
        paused = true;
        changed();
    }

    synchronized void resume() {
        requireServing();
        if (!paused) {
            throw EspfleetException.badInput(port + " is not paused");
        }
        paused = false;
        changed();
    }

    synchronized void retry() {
        requireServing();
        if (!retryable()) {
            throw EspfleetException.badInput(retryAsked ? "a retry of " + port + " is already asked for"
                    : port + " has no failed board to retry");
        }
        retryAsked = true;
        changed();
    }

    /** The port's thread: a board's result. */
    synchronized void finished(UnitResult result) {
        lastFailed = !result.done();
        retryAsked = false;
        changed();
    }

    /** The port's thread: true once when a retry was asked for since the last board (then the board is served again). */
    synchronized boolean takeRetry() {
        boolean asked = retryAsked;
        if (asked) {
            retryAsked = false;
            lastFailed = false;
            changed();
        }
        return asked;
    }

    /** The port holds a failed board for a retry (or, on a serial port, a swap). */
    synchronized boolean holdingFailed() {
        return holdFailed && lastFailed;
    }

    /**
     * The port's thread, its boards served: waits for a retry of its failed board when failed boards are held;
     * false when there is none to wait for or the bench stops.
     */
    synchronized boolean awaitRetry(BooleanSupplier stopping) {
        if (!holdingFailed()) {
            return false;
        }
        listener.state(port, "failed: retry the board, or stop the bench");
        while (!retryAsked && !stopped(stopping)) {
            waitSlice();
        }
        return retryAsked && !stopped(stopping);
    }

    /** The port's thread, before a board: waits while paused; false when the bench stops meanwhile. */
    synchronized boolean awaitResumed(BooleanSupplier stopping) {
        if (paused && !stopped(stopping)) {
            listener.state(port, "paused: resume to take the next board");
        }
        while (paused && !stopped(stopping)) {
            waitSlice();
        }
        return !stopped(stopping);
    }

    /** The port's thread has ended: no more boards. */
    synchronized void end() {
        serving = false;
        changed();
    }

    /** The bench stops: a waiting port looks at once. */
    synchronized void wake() {
        notifyAll();
    }

    private boolean retryable() {
        return serving && holdFailed && lastFailed && !retryAsked;
    }

    private PortControls controls() {
        return new PortControls(paused, retryable(), serving);
    }

    private void changed() {
        notifyAll();
        listener.controls(port, controls());
    }

    private void requireServing() {
        if (!serving) {
            throw EspfleetException.badInput(port + " has ended: it takes no more boards");
        }
    }

    /** The bench stops, or the port's thread is interrupted (taken as a stop). */
    private static boolean stopped(BooleanSupplier stopping) {
        return stopping.getAsBoolean() || Thread.currentThread().isInterrupted();
    }

    private void waitSlice() {
        try {
            wait(POLL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
