package dev.espfleet.cli;

import dev.espfleet.flasher.flash.ProgressListener;
import java.io.PrintWriter;

/**
 * What a flasher command tells the user on stderr while it runs. On a terminal, a progress bar with bytes/s and
 * ETA, redrawn in place at most 5 times a second; elsewhere (a log file, a pipe, CI) no carriage returns: a
 * plain progress line at most every {@link #PLAIN_LINE_NANOS}. Every other line (loader messages, retries,
 * results) goes through {@link #line}, which first ends a half-drawn bar, and {@link #finish} ends it before
 * anything else is printed (an {@code error:} line included).
 */
final class ProgressPrinter implements ProgressListener {
    private static final long REDRAW_NANOS = 200_000_000L;
    private static final long PLAIN_LINE_NANOS = 5_000_000_000L;
    private final PrintWriter err;
    private final boolean terminal;
    private final long start = System.nanoTime();
    private long lastDraw;
    private boolean drawn;

    /** For stderr as it is: a bar on a terminal, plain lines elsewhere. */
    ProgressPrinter(PrintWriter err) {
        this(err, Terminal.stderrIsTerminal());
    }

    ProgressPrinter(PrintWriter err, boolean terminal) {
        this.err = err;
        this.terminal = terminal;
    }

    /** A whole line of its own, after ending a half-drawn bar. */
    synchronized void line(String text) {
        endBar();
        err.println(text);
        err.flush();
    }

    /** Ends a half-drawn bar, so that whatever comes next starts on a fresh line. */
    synchronized void finish() {
        endBar();
        err.flush();
    }

    @Override
    public void regionStarted(String name, int offset, int size, int wireBytes, boolean compressed) {
        line(String.format("writing %s at 0x%08x: %d bytes%s", name, offset, size,
                compressed ? " (" + wireBytes + " compressed)" : ""));
    }

    @Override
    public synchronized void bytesDone(long done, long total) {
        long now = System.nanoTime();
        double seconds = Math.max(1e-3, (now - start) / 1e9);
        double rate = done / seconds;
        long eta = rate > 0 ? (long) ((total - done) / rate) : 0;
        long percent = total == 0 ? 100 : done * 100 / total;
        if (!terminal) {
            // the first plain line only after a while: a quick job needs none
            if (done < total && now - Math.max(lastDraw, start) >= PLAIN_LINE_NANOS) {
                lastDraw = now;
                err.printf("%3d%% %d/%d bytes %.1f KB/s ETA %ds%n", percent, done, total, rate / 1024, eta);
                err.flush();
            }
            return;
        }
        if (done < total && now - lastDraw < REDRAW_NANOS) {
            return;
        }
        lastDraw = now;
        int width = 30;
        int filled = total == 0 ? width : (int) (width * done / total);
        err.printf("\r[%s%s] %3d%% %d/%d bytes %.1f KB/s ETA %ds", "#".repeat(filled), " ".repeat(width - filled),
                percent, done, total, rate / 1024, eta);
        err.flush();
        drawn = true;
    }

    @Override
    public void regionDone(String name, String md5, boolean skipped) {
        line(String.format(skipped ? "%s: already on the chip (MD5 %s), skipped" : "%s: verified, MD5 %s", name, md5));
    }

    @Override
    public void retrying(String what) {
        line("retry: " + what);
    }

    private void endBar() {
        if (drawn) {
            err.println();
            drawn = false;
        }
    }
}
