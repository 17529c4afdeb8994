package dev.espfleet.cli;

import dev.espfleet.bench.UnitResult;
import dev.espfleet.bench.eol.EndOfLineMode;
import dev.espfleet.bench.eol.EndOfLineOutcome;
import dev.espfleet.bench.eol.EndOfLinePlan;
import dev.espfleet.services.BenchEvents;
import dev.espfleet.services.BenchOutcome;
import dev.espfleet.services.Operator;
import java.util.Optional;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the operator sees. On a terminal: one live line per port (state, progress, rate), redrawn in
 * place. Otherwise (a log, CI): a plain line whenever a port's state changes and at every 25 % of a
 * write. Then a summary table.
 */
class BenchDisplay implements BenchEvents {
    private static final long REDRAW_NANOS = 200_000_000L;

    final PrintWriter out;
    private final boolean live;
    private final Map<String, String> lines = new LinkedHashMap<>();
    private final Map<String, Integer> lastQuarter = new HashMap<>();
    private int drawn;
    private long lastDraw;

    BenchDisplay(PrintWriter out, boolean live) {
        this.out = out;
        this.live = live;
    }

    /** Live lines only on an interactive terminal that understands cursor movement. */
    static boolean terminal() {
        String term = System.getenv("TERM");
        return System.console() != null && term != null && !term.equals("dumb");
    }

    @Override
    public synchronized void noWifiCredentials() {
        out.printf("warning: no --wifi-ssid: the identity images hold no Wi-Fi credentials, and the firmware "
                + "halts without them%n");
        out.flush();
    }

    @Override
    public synchronized void started(int ports, String ledger, Path units, boolean firmware) {
        out.printf("bench: %d port(s), ledger %s, units in %s%s%n", ports, ledger, units,
                firmware ? ", firmware + identity" : ", identity only (no --build)");
        out.flush();
    }

    @Override
    public synchronized void buildingSimulatedFirmware(Path cache) {
        out.printf("bench: building the simulated boards' firmware (kept in %s)%n", cache);
        out.flush();
    }

    @Override
    public synchronized void endOfLine(EndOfLinePlan plan, String endpoint) {
        if (plan.mode() == EndOfLineMode.NONE) {
            return;
        }
        out.printf("end-of-line: %s: each unit is reset into its application; its report (due within %d s) must "
                + "match the ledger (thing, certificate, MAC, endpoint, firmware %s)%s%n", plan.mode().cliName(),
                plan.reportTimeout().toSeconds(), plan.firmwareVersion(), plan.mode() == EndOfLineMode.CONNECTED
                        ? ", and it must reach " + endpoint + " as its thing within " + plan.connectTimeout().toSeconds()
                        + " s" : "");
        out.flush();
    }

    @Override
    public void stopping(Duration grace) {
        // not synchronized: a port thread may hold the display while the JVM shuts down
        out.printf("stopping: no new board; the boards in flight get %d s to finish, then their ports are "
                + "closed (a board cut off is not recorded as done; run the bench again for it)%n", grace.toSeconds());
        out.flush();
    }

    @Override
    public void closingPorts() {
        out.println("stopping: closing the ports of the boards still in flight");
        out.flush();
    }

    @Override
    public synchronized void operatorAction(String action, Optional<String> port, Operator by) {
        String what = switch (action) {
            case "pause" -> "paused: no new board until resumed";
            case "resume" -> "resumed";
            case "retry" -> "the failed board is served again";
            case "stop" -> "stopping: no new board; the boards in flight finish";
            default -> action;
        };
        show(port.orElse("bench"), what + " (" + by + ")", true);
    }

    @Override
    public synchronized void state(String port, String state) {
        show(port, state, true);
        lastQuarter.put(port, -1);
    }

    @Override
    public synchronized void progress(String port, long done, long total, double bytesPerSecond) {
        int percent = total == 0 ? 100 : (int) (done * 100 / total);
        String state = lines.getOrDefault(port, "").replaceAll(" +\\d+% .*$", "");
        String text = String.format("%s %3d%% of %d bytes, %.1f KB/s", state, percent, total, bytesPerSecond / 1024);
        if (live) {
            show(port, text, false);
        } else if (percent / 25 > lastQuarter.getOrDefault(port, -1)) {
            lastQuarter.put(port, percent / 25);
            show(port, text, true);
        }
    }

    @Override
    public synchronized void finished(UnitResult r) {
        show(r.port(), (r.finished() ? "DONE " : r.done() ? "DONE, REGISTRATION PENDING " : "FAILED ")
                + r.thingName().orElse("(no identity)") + ": " + r.detail(), true);
    }

    private void show(String port, String text, boolean important) {
        lines.put(port, text);
        if (!live) {
            out.printf("[%s] %s%n", port, text);
            out.flush();
            return;
        }
        long now = System.nanoTime();
        if (!important && now - lastDraw < REDRAW_NANOS) {
            return;
        }
        lastDraw = now;
        if (drawn > 0) {
            out.printf("\033[%dA", drawn); // back to the first port's line
        }
        for (Map.Entry<String, String> e : lines.entrySet()) {
            out.printf("\033[2K[%s] %s%n", e.getKey(), e.getValue());
        }
        drawn = lines.size();
        out.flush();
    }

    /** A unit's end-of-line result as the summary and {@code ledger list} show it: {@code -} when none ran. */
    static String eol(UnitResult r) {
        return r.endOfLine().map(e -> e.outcome() == EndOfLineOutcome.FAILED ? "FAILED" : e.outcome().word())
                .orElse("-");
    }

    /** The summary table. */
    @Override
    public synchronized void benchFinished(List<UnitResult> results) {
        out.println();
        out.printf("%-10s %-17s %-32s %-7s %-9s %8s  %s%n", "PORT", "MAC", "THING", "RESULT", "EOL", "TIME",
                "DETAIL");
        for (UnitResult r : results) {
            out.printf("%-10s %-17s %-32s %-7s %-9s %7.1fs  %s%n", r.port(), r.mac().orElse("-"),
                    r.thingName().orElse("-"), r.finished() ? "done" : r.done() ? "pending" : "FAILED", eol(r),
                    r.took().toMillis() / 1000.0, r.detail());
        }
        BenchOutcome outcome = new BenchOutcome(results);
        long pending = outcome.registrationPending();
        out.printf("%d of %d units done%s%n", outcome.done() - pending, outcome.units(), pending == 0 ? ""
                : ", " + pending + " flashed and verified but registration pending (espfleet aws sync)");
        out.flush();
    }
}
