package dev.espfleet.board;

import dev.espfleet.bench.PortControls;
import dev.espfleet.bench.UnitResult;
import dev.espfleet.services.BenchEvents;
import dev.espfleet.services.BenchOutcome;
import dev.espfleet.services.Operator;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the board shows, kept from a bench run's events (heard on the ports' own threads) and written as one JSON
 * snapshot for the page. Each change counts up {@link #version}, which the live stream waits on.
 */
public final class BoardModel implements BenchEvents {
    /** The latest audit records shown, newest first. */
    static final int AUDIT_SHOWN = 12;
    /** Failures listed, newest first (a long shift has more: the audit log holds them all). */
    static final int FAILURES_SHOWN = 50;
    /** The latest results, newest first, numbered from 1: what the page reads out as they come. */
    static final int RECENT_SHOWN = 10;

    private final String station;
    private final Clock clock;
    private final Map<String, Tile> tiles = new LinkedHashMap<>();
    private final List<UnitResult> results = new ArrayList<>();
    private final List<Instant> resultTimes = new ArrayList<>();
    private final Map<String, UnitResult> doneUnits = new LinkedHashMap<>();
    private final Deque<String> audit = new ArrayDeque<>();
    private Instant startedAt;
    private Instant finishedAt;
    private boolean stopping;
    private boolean noWifi;
    private long version;

    /** One port's tile. */
    private static final class Tile {
        final String port;
        String state = "waiting to start";
        Optional<String> mac = Optional.empty();
        Optional<String> thing = Optional.empty();
        boolean working;
        Instant boardStart;
        long bytesDone;
        long bytesTotal;
        double rate;
        UnitResult last;
        PortControls controls = new PortControls(false, false, true);

        Tile(String port) {
            this.port = port;
        }
    }

    /** What a tile says in large type, in words (never by colour alone), and what to do next. */
    record Status(String key, String word, String note) {
    }

    public BoardModel(String station, List<String> ports, Clock clock) {
        this.station = station;
        this.clock = clock;
        ports.forEach(p -> tiles.put(p, new Tile(p)));
    }

    // --- the bench's events

    @Override
    public synchronized void noWifiCredentials() {
        noWifi = true;
        changed();
    }

    @Override
    public synchronized void started(int ports, String ledger, Path units, boolean firmware) {
        startedAt = clock.instant();
        changed();
    }

    @Override
    public synchronized void state(String port, String state) {
        tile(port).state = state;
        changed();
    }

    @Override
    public synchronized void progress(String port, long done, long total, double bytesPerSecond) {
        Tile t = tile(port);
        t.bytesDone = done;
        t.bytesTotal = total;
        t.rate = bytesPerSecond;
        changed();
    }

    @Override
    public synchronized void identified(String port, String mac, String thingName) {
        Tile t = tile(port);
        t.mac = Optional.of(mac);
        t.thing = Optional.of(thingName);
        t.working = true;
        t.boardStart = clock.instant();
        t.bytesDone = 0;
        t.bytesTotal = 0;
        changed();
    }

    @Override
    public synchronized void finished(UnitResult result) {
        Tile t = tile(result.port());
        t.working = false;
        t.state = ""; // the result says it; the port's next state comes with its next step
        t.last = result;
        result.mac().ifPresent(m -> t.mac = Optional.of(m));
        t.thing = result.thingName().or(() -> t.thing);
        results.add(result);
        resultTimes.add(clock.instant());
        if (result.done()) {
            result.thingName().ifPresent(thing -> doneUnits.put(thing, result));
        }
        changed();
    }

    @Override
    public synchronized void controls(String port, PortControls controls) {
        tile(port).controls = controls;
        changed();
    }

    @Override
    public synchronized void stopping(Duration grace) {
        stopping = true;
        changed();
    }

    @Override
    public synchronized void operatorAction(String action, Optional<String> port, Operator by) {
        if (action.equals("stop")) {
            stopping = true;
            changed();
        }
    }

    @Override
    public synchronized void benchFinished(List<UnitResult> all) {
        finishedAt = clock.instant();
        changed();
    }

    @Override
    public synchronized void audited(Instant time, String event, Map<String, ?> fields) {
        List<String> detail = new ArrayList<>();
        for (String key : List.of("thing", "mac", "reason")) {
            Object v = fields.get(key);
            if (v != null && !v.toString().isEmpty()) {
                detail.add(v.toString());
            }
        }
        if (fields.containsKey("from")) {
            Object name = fields.get("operator");
            detail.add((name == null || name.toString().isEmpty() ? "" : "by " + name + " ") + "from " + fields.get("from"));
        }
        JsonText entry = new JsonText().beginObject().field("time", time.toString()).field("event", event)
                .field("port", fields.containsKey("port") ? String.valueOf(fields.get("port")) : "").field("detail", String.join(" · ", detail))
                .endObject();
        audit.addFirst(entry.toString());
        while (audit.size() > AUDIT_SHOWN) {
            audit.removeLast();
        }
        changed();
    }

    // --- what the server asks

    /** Counts up at every change. */
    public synchronized long version() {
        return version;
    }

    /** Waits up to {@code millis} for a version other than {@code seen}; returns the version then. */
    public synchronized long awaitChange(long seen, long millis) throws InterruptedException {
        long end = System.nanoTime() + millis * 1_000_000;
        while (version == seen) {
            long left = (end - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                break;
            }
            wait(left);
        }
        return version;
    }

    /** A board is in flight somewhere (its elapsed time goes on even when nothing else changes). */
    public synchronized boolean busy() {
        return tiles.values().stream().anyMatch(t -> t.working);
    }

    /** The unit of this run done under {@code thing}, for its label. */
    public synchronized Optional<UnitResult> doneUnit(String thing) {
        return Optional.ofNullable(doneUnits.get(thing));
    }

    public List<String> ports() {
        return List.copyOf(tiles.keySet());
    }

    /** The whole board as the page renders it. */
    public synchronized String json() {
        Instant now = clock.instant();
        BenchOutcome outcome = new BenchOutcome(results);
        JsonText j = new JsonText().beginObject().field("version", version).field("station", station)
                .field("phase", startedAt == null ? "starting" : finishedAt != null ? "finished"
                        : stopping ? "stopping" : "running");
        j.name("notice").string(noWifi ? "No Wi-Fi credentials were given: the firmware halts at boot without them"
                : null);
        j.name("totals").beginObject().field("done", outcome.done()).field("failed", outcome.failed());
        double hours = startedAt == null ? 0 : Duration.between(startedAt, finishedAt != null ? finishedAt : now)
                .toMillis() / 3_600_000.0;
        j.name("perHour");
        if (outcome.done() > 0 && hours > 0) {
            j.number(Math.round(outcome.done() / hours));
        } else {
            j.string(null);
        }
        j.endObject();
        j.field("results", results.size());
        j.name("recent").beginArray();
        for (int i = results.size() - 1; i >= Math.max(0, results.size() - RECENT_SHOWN); i--) {
            UnitResult r = results.get(i);
            j.beginObject().field("n", i + 1).field("port", r.port()).field("pass", r.done())
                    .field("thing", r.thingName().orElse("")).field("detail", r.detail()).endObject();
        }
        j.endArray();
        j.name("ports").beginArray();
        for (Tile t : tiles.values()) {
            tile(j, t, now);
        }
        j.endArray();
        j.name("failures").beginArray();
        for (int i = results.size() - 1, shown = 0; i >= 0 && shown < FAILURES_SHOWN; i--) {
            UnitResult r = results.get(i);
            if (!r.done()) {
                shown++;
                j.beginObject().field("time", resultTimes.get(i).toString()).field("port", r.port())
                        .field("mac", r.mac().orElse("")).field("thing", r.thingName().orElse(""))
                        .field("reason", r.detail()).field("retried", outcome.passedOnRetry(i)).endObject();
            }
        }
        j.endArray();
        j.name("audit").beginArray();
        audit.forEach(j::raw);
        j.endArray();
        return j.endObject().toString();
    }

    private void tile(JsonText j, Tile t, Instant now) {
        Status s = status(t);
        j.beginObject().field("port", t.port).field("status", s.key()).field("word", s.word()).field("note", s.note())
                .field("state", t.state).field("mac", t.mac.orElse("")).field("thing", t.thing.orElse(""));
        j.field("percent", t.working && t.bytesTotal > 0 ? t.bytesDone * 100 / t.bytesTotal : -1);
        j.name("rate").decimal(t.working && t.bytesTotal > 0 ? t.rate / 1024 : Double.NaN);
        j.name("elapsed").decimal(t.working ? Duration.between(t.boardStart, now).toMillis() / 1000.0
                : t.last != null ? t.last.took().toMillis() / 1000.0 : Double.NaN);
        j.name("last");
        if (t.last == null) {
            j.string(null);
        } else {
            j.beginObject().field("pass", t.last.done()).field("thing", t.last.thingName().orElse(""))
                    .field("mac", t.last.mac().orElse("")).field("detail", t.last.detail()).endObject();
        }
        j.field("paused", t.controls.paused()).field("retryable", t.controls.retryable())
                .field("serving", t.controls.serving());
        j.name("label").string(t.last != null && t.last.done() ? t.last.thingName().orElse(null) : null);
        j.endObject();
    }

    /** The tile's big word: what the port is doing, else how its last board went. */
    static Status status(Tile t) {
        if (t.working) {
            return new Status("working", "WORKING", t.controls.paused() ? "Pausing after this board" : "");
        }
        if (t.controls.paused() && t.controls.serving()) {
            return new Status("paused", "PAUSED", "Resume to take the next board");
        }
        if (t.last != null) {
            return t.last.done() ? new Status("pass", "PASS", t.controls.serving() ? "Take the board off" : "")
                    : new Status("fail", "FAIL", t.controls.retryable() ? "" : "Set the board aside");
        }
        return t.controls.serving() ? new Status("waiting", "WAITING", "") : new Status("ended", "ENDED", "");
    }

    private Tile tile(String port) {
        return tiles.computeIfAbsent(port, Tile::new);
    }

    private void changed() {
        version++;
        notifyAll();
    }
}
