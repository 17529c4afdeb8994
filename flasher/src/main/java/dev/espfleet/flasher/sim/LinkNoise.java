package dev.espfleet.flasher.sim;

import java.util.Random;

/**
 * Random frame loss on a simulated link, from a fixed seed so that a run can be repeated: each SLIP frame,
 * host to chip and chip to host, is lost with probability {@code frameLoss}, independently of the others
 * (a frame with a byte lost or damaged on a real wire is dropped whole by the SLIP decoder or the checksum).
 */
public final class LinkNoise {
    public static final LinkNoise NONE = new LinkNoise(0, 0);

    private final double frameLoss;
    private final Random random;
    private long framesLost;

    private LinkNoise(double frameLoss, long seed) {
        if (frameLoss < 0 || frameLoss >= 1) {
            throw new IllegalArgumentException("frame loss must be in [0, 1), got " + frameLoss);
        }
        this.frameLoss = frameLoss;
        this.random = new Random(seed);
    }

    /** Each frame lost with probability {@code frameLoss}, drawn from {@code seed}. */
    public static LinkNoise frameLoss(double frameLoss, long seed) {
        return new LinkNoise(frameLoss, seed);
    }

    public double frameLossRate() {
        return frameLoss;
    }

    /** Draws whether the next frame is lost. */
    synchronized boolean loseFrame() {
        if (frameLoss == 0 || random.nextDouble() >= frameLoss) {
            return false;
        }
        framesLost++;
        return true;
    }

    /** How many frames were lost so far. */
    public synchronized long framesLost() {
        return framesLost;
    }

    @Override
    public String toString() {
        return frameLoss == 0 ? "no loss" : String.format("%.2f %% frame loss", frameLoss * 100);
    }
}
