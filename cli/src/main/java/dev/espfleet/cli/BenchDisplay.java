package dev.espfleet.cli;

import dev.espfleet.bench.BenchListener;
import dev.espfleet.bench.UnitResult;
import java.io.PrintWriter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the operator sees: a line per port whenever its state changes, progress every 25 %, and a
 * summary table at the end. Plain lines (no cursor tricks), so logs and CI output read the same.
 */
final class BenchDisplay implements BenchListener {
    private final PrintWriter out;
    private final Map<String, Integer> lastQuarter = new HashMap<>();

    BenchDisplay(PrintWriter out) {
        this.out = out;
    }

    @Override
    public synchronized void state(String port, String state) {
        out.printf("[%s] %s%n", port, state);
        out.flush();
        lastQuarter.put(port, -1);
    }

    @Override
    public synchronized void progress(String port, long done, long total, double bytesPerSecond) {
        int quarter = total == 0 ? 4 : (int) (done * 4 / total);
        if (quarter > lastQuarter.getOrDefault(port, -1)) {
            lastQuarter.put(port, quarter);
            out.printf("[%s] %3d%% of %d bytes, %.1f KB/s%n", port, quarter * 25, total, bytesPerSecond / 1024);
            out.flush();
        }
    }

    @Override
    public synchronized void finished(UnitResult r) {
        out.printf("[%s] %s %s: %s%n", r.port(), r.done() ? "DONE" : "FAILED", r.thingName().orElse("(no identity)"),
                r.detail());
        out.flush();
    }

    synchronized void summary(List<UnitResult> results) {
        out.println();
        out.printf("%-10s %-17s %-32s %-7s %8s  %s%n", "PORT", "MAC", "THING", "RESULT", "TIME", "DETAIL");
        for (UnitResult r : results) {
            out.printf("%-10s %-17s %-32s %-7s %7.1fs  %s%n", r.port(), r.mac().orElse("-"),
                    r.thingName().orElse("-"), r.done() ? "done" : "FAILED", r.took().toMillis() / 1000.0, r.detail());
        }
        long done = results.stream().filter(UnitResult::done).count();
        out.printf("%d of %d units done%n", done, results.size());
        out.flush();
    }
}
