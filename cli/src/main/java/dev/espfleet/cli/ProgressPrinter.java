package dev.espfleet.cli;

import dev.espfleet.flasher.ProgressListener;
import java.io.PrintWriter;

/** A progress line with bytes/s and ETA on stderr, redrawn at most 5 times a second. */
final class ProgressPrinter implements ProgressListener {
    private static final long REDRAW_NANOS = 200_000_000L;
    private final PrintWriter err;
    private final long start = System.nanoTime();
    private long lastDraw;
    private boolean drawn;

    ProgressPrinter(PrintWriter err) {
        this.err = err;
    }

    @Override
    public void regionStarted(String name, int offset, int size, int wireBytes, boolean compressed) {
        endLine();
        err.printf("writing %s at 0x%08x: %d bytes%s%n", name, offset, size,
                compressed ? " (" + wireBytes + " compressed)" : "");
        err.flush();
    }

    @Override
    public void bytesDone(long done, long total) {
        long now = System.nanoTime();
        if (done < total && now - lastDraw < REDRAW_NANOS) {
            return;
        }
        lastDraw = now;
        double seconds = Math.max(1e-3, (now - start) / 1e9);
        double rate = done / seconds;
        long eta = rate > 0 ? (long) ((total - done) / rate) : 0;
        int width = 30;
        int filled = total == 0 ? width : (int) (width * done / total);
        err.printf("\r[%s%s] %3d%% %d/%d bytes %.1f KB/s ETA %ds", "#".repeat(filled), " ".repeat(width - filled),
                total == 0 ? 100 : done * 100 / total, done, total, rate / 1024, eta);
        err.flush();
        drawn = true;
    }

    @Override
    public void regionDone(String name, String md5, boolean skipped) {
        endLine();
        err.printf(skipped ? "%s: already on the chip (MD5 %s), skipped%n" : "%s: verified, MD5 %s%n", name, md5);
        err.flush();
    }

    @Override
    public void retrying(String what) {
        endLine();
        err.println("retry: " + what);
        err.flush();
    }

    private void endLine() {
        if (drawn) {
            err.println();
            drawn = false;
        }
    }
}
