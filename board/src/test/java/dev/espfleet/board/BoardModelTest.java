package dev.espfleet.board;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.espfleet.bench.PortControls;
import dev.espfleet.bench.UnitResult;
import dev.espfleet.services.Operator;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.json.Json;

/** What the board makes of a run's events: each tile's word, the totals, the failures, the audit lines. */
class BoardModelTest {
    static final Instant T0 = Instant.parse("2026-01-05T10:00:00Z");

    /** A clock the test moves. */
    static final class TestClock extends Clock {
        Instant now = T0;

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }

    final TestClock clock = new TestClock();
    final BoardModel model = new BoardModel("line-1", List.of("sim-1", "sim-2"), clock);

    @SuppressWarnings("unchecked")
    private Map<String, Object> state() {
        return new Json().toType(model.json(), Map.class);
    }

    @SuppressWarnings("unchecked")
    private Map<String, Object> tile(String port) {
        return ((List<Map<String, Object>>) state().get("ports")).stream().filter(p -> p.get("port").equals(port))
                .findFirst().orElseThrow();
    }

    private String word(String port) {
        Map<String, Object> t = tile(port);
        return t.get("word") + (t.get("note").toString().isEmpty() ? "" : " / " + t.get("note"));
    }

    private static UnitResult result(String port, int board, boolean done, String detail) {
        return new UnitResult(port, Optional.of("24:0a:c4:e5:00:0" + board), Optional.of("sensor-" + board), done,
                detail, Duration.ofSeconds(3), done ? 24576 : 0);
    }

    @Test
    void eachTileSaysInWordsWhatItsPortIsDoingOrHowItsLastBoardWent() {
        assertEquals("WAITING", word("sim-1"));
        model.identified("sim-1", "24:0a:c4:e5:00:01", "sensor-1");
        assertEquals("WORKING", word("sim-1"));
        model.controls("sim-1", new PortControls(true, false, true));
        assertEquals("WORKING / Pausing after this board", word("sim-1"));
        model.finished(result("sim-1", 1, true, "verified 1 region(s)"));
        assertEquals("PAUSED / Resume to take the next board", word("sim-1"));
        model.controls("sim-1", new PortControls(false, false, true));
        assertEquals("PASS / Take the board off", word("sim-1"));
        model.controls("sim-1", new PortControls(false, false, false));
        assertEquals("PASS", word("sim-1"));

        model.identified("sim-2", "24:0a:c4:e5:00:02", "sensor-2");
        model.finished(result("sim-2", 2, false, "cable pulled"));
        model.controls("sim-2", new PortControls(false, true, true));
        assertEquals("FAIL", word("sim-2"), "the port's own state says retry or stop");
        model.controls("sim-2", new PortControls(false, false, false));
        assertEquals("FAIL / Set the board aside", word("sim-2"));
        assertEquals(Map.of("pass", false, "thing", "sensor-2", "mac", "24:0a:c4:e5:00:02", "detail", "cable pulled"),
                tile("sim-2").get("last"));
    }

    @Test
    void progressAndElapsedTimeBelongToTheBoardInFlight() {
        model.identified("sim-1", "24:0a:c4:e5:00:01", "sensor-1");
        model.progress("sim-1", 6144, 24576, 10240);
        clock.now = T0.plusMillis(2500);
        Map<String, Object> t = tile("sim-1");
        assertEquals(25L, t.get("percent"));
        assertEquals(10.0, ((Number) t.get("rate")).doubleValue());
        assertEquals(2.5, ((Number) t.get("elapsed")).doubleValue());
        assertEquals("\"rate\":10.0,\"elapsed\":2.5",
                model.json().replaceAll("^.*?(\"rate\":[^,]+,\"elapsed\":[^,]+).*", "$1"), "one decimal in the JSON");
        model.finished(result("sim-1", 1, true, "verified"));
        t = tile("sim-1");
        assertEquals(-1L, t.get("percent"));
        assertEquals(3.0, ((Number) t.get("elapsed")).doubleValue(), "the board's own time once done");
        assertEquals("sensor-1", t.get("label"));
    }

    @Test
    void totalsCountUnitsAndTheirRateAndARetriedFailureIsListedButNoLongerCounted() {
        model.started(2, "jdbc:sqlite:ledger.db", Path.of("units"), false);
        clock.now = T0.plusSeconds(10);
        model.finished(result("sim-2", 2, false, "cable pulled"));
        clock.now = T0.plusSeconds(30);
        model.finished(result("sim-1", 1, true, "verified"));
        clock.now = T0.plusSeconds(60);
        model.finished(result("sim-2", 2, true, "verified"));

        Map<String, Object> s = state();
        assertEquals(Map.of("done", 2L, "failed", 0L, "perHour", 120L), s.get("totals"));
        assertEquals(List.of(Map.of("time", "2026-01-05T10:00:10Z", "port", "sim-2", "mac", "24:0a:c4:e5:00:02",
                "thing", "sensor-2", "reason", "cable pulled", "retried", true)), s.get("failures"));
        assertEquals(3L, s.get("results"));
        assertEquals(List.of(3L, 2L, 1L), ((List<?>) s.get("recent")).stream().map(r -> ((Map<?, ?>) r).get("n")).toList());
    }

    @Test
    void theLatestAuditRecordsComeFirstWithWhoAndWhere() {
        model.audited(T0, "unit-allocated", Map.of("port", "sim-1", "mac", "24:0a:c4:e5:00:01", "thing", "sensor-1",
                "station", "line-1", "chip", "ESP32"));
        model.audited(T0.plusSeconds(1), "operator-pause", Map.of("port", "sim-1", "operator", "kb-7", "from",
                "board 127.0.0.1", "station", "line-1"));
        model.audited(T0.plusSeconds(2), "operator-stop", Map.of("operator", "", "from", "board 10.0.0.9"));
        for (int i = 0; i < BoardModel.AUDIT_SHOWN; i++) {
            model.audited(T0.plusSeconds(3 + i), "unit-done", Map.of("port", "sim-2"));
        }
        List<?> audit = (List<?>) state().get("audit");
        assertEquals(BoardModel.AUDIT_SHOWN, audit.size());
        model.audited(T0, "operator-resume", Map.of("port", "sim-1", "operator", "kb-7", "from", "board 127.0.0.1"));
        assertEquals(Map.of("time", "2026-01-05T10:00:00Z", "event", "operator-resume", "port", "sim-1",
                "detail", "by kb-7 from board 127.0.0.1"), ((List<?>) state().get("audit")).get(0));

        BoardModel fresh = new BoardModel("line-1", List.of("sim-1"), clock);
        fresh.audited(T0, "unit-allocated", Map.of("port", "sim-1", "mac", "m", "thing", "sensor-1", "chip", "ESP32"));
        fresh.audited(T0, "operator-stop", Map.of("operator", "", "from", "board 10.0.0.9"));
        Map<?, ?> freshState = new Json().toType(fresh.json(), Map.class);
        List<?> both = (List<?>) freshState.get("audit");
        assertEquals(Map.of("time", "2026-01-05T10:00:00Z", "event", "operator-stop", "port", "",
                "detail", "from board 10.0.0.9"), both.get(0));
        assertEquals("sensor-1 · m", ((Map<?, ?>) both.get(1)).get("detail"));
    }

    @Test
    void theRunsPhaseIsStartingRunningStoppingThenFinished() {
        assertEquals("starting", state().get("phase"));
        model.started(2, "ledger", Path.of("units"), false);
        assertEquals("running", state().get("phase"));
        model.operatorAction("pause", Optional.of("sim-1"), new Operator("", "board"));
        assertEquals("running", state().get("phase"));
        model.operatorAction("stop", Optional.empty(), new Operator("", "board"));
        assertEquals("stopping", state().get("phase"));
        model.benchFinished(List.of());
        assertEquals("finished", state().get("phase"));
    }

    @Test
    void theVersionCountsEveryChangeForTheLiveStream() throws Exception {
        long before = model.version();
        model.state("sim-1", "connecting");
        assertEquals(before + 1, model.awaitChange(before, 10));
        assertEquals(before + 1, model.awaitChange(before + 1, 10), "no change: the wait ends at its deadline");
    }
}
