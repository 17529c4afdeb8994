package dev.espfleet.bench;

/**
 * What an operator can do with a port now, as the port's own thread decides it: one definition for every front
 * end (a button is offered exactly when the bench would take the action).
 *
 * @param paused    the port takes no new board until resumed (a board in flight finishes)
 * @param retryable the port's last board failed and the port would serve it again on a retry
 * @param serving   the port still takes boards; false once its thread has ended (its boards served, or stopped)
 */
public record PortControls(boolean paused, boolean retryable, boolean serving) {
}
