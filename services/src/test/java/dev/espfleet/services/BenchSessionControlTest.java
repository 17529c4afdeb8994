package dev.espfleet.services;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.bench.PortControls;
import dev.espfleet.bench.ThingNamePattern;
import dev.espfleet.bench.eol.EndOfLineMode;
import dev.espfleet.bench.UnitResult;
import dev.espfleet.common.EspfleetException;
import dev.espfleet.flasher.command.Opcode;
import dev.espfleet.flasher.sim.Fault;
import dev.espfleet.flasher.sim.LinkTiming;
import dev.espfleet.provisioning.CertificateAuthority;
import dev.espfleet.provisioning.KeyType;
import dev.espfleet.provisioning.ValidityPeriod;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Operator actions through the service, the API every front end uses: taken, refused, audited with who and where. */
class BenchSessionControlTest {
    static final Operator ALICE = new Operator("alice", "board 127.0.0.1");
    static final Fault CABLE_PULLED = Fault.at(Fault.Kind.DISCONNECT, Opcode.FLASH_DATA, 3);

    @TempDir
    Path tmp;
    Path ca;
    Path config;
    final List<String> heard = new CopyOnWriteArrayList<>();

    @BeforeEach
    void makeCaAndConfig() throws Exception {
        ca = tmp.resolve("ca");
        CertificateAuthority.createRoot("test CA", Optional.empty(), KeyType.EC_P256,
                ValidityPeriod.days(Instant.now(), 30), new SecureRandom()).saveNew(ca);
        config = tmp.resolve("device.yaml");
        Files.writeString(config, DeviceProfileTest.BASE);
    }

    /** {@code sim:N}, the boards in {@code faulty} failing their first connection. */
    private BenchSession session(int boards, Map<Integer, List<Fault>> faulty) {
        return new BenchService().prepare(new BenchRequest(config, ca, Optional.of(ca.resolve("ca.pem")),
                Optional.empty(), tmp.resolve("units"), Optional.empty(), ThingNamePattern.defaultPattern(),
                Optional.empty(), Optional.empty(), new PortSpec("sim:" + boards, 1, LinkTiming.UNTIMED, faulty),
                460800, 1, Optional.of("station-7"),
                // the operator's controls, not the end-of-line test (tested in services and bench): no firmware build
                Optional.of(EndOfLineMode.NONE), Optional.empty()));
    }

    /** Runs the session; {@code operator} hears each port's controls and acts from another thread, as a browser does. */
    private BenchOutcome run(BenchSession session, BiConsumer<String, PortControls> operator) {
        return assertTimeoutPreemptively(Duration.ofSeconds(60), () -> session.run(new BenchEvents() {
            @Override
            public void controls(String port, PortControls controls) {
                CompletableFuture.runAsync(() -> operator.accept(port, controls));
            }

            @Override
            public void operatorAction(String action, Optional<String> port, Operator by) {
                heard.add(action + " " + port.orElse("-") + " by " + by);
            }

            @Override
            public void audited(Instant time, String event, Map<String, ?> fields) {
                heard.add(event);
            }
        }));
    }

    private List<String> auditLines(String event) throws Exception {
        return Files.readAllLines(tmp.resolve("units/audit.jsonl")).stream()
                .filter(l -> l.contains("\"event\":\"" + event + "\"")).map(l -> l.replaceAll("\"time\":\"[^\"]+\",", ""))
                .toList();
    }

    @Test
    void aHeldBoardPausedRetriedAndResumedPassesAndEveryActionIsAuditedWithWhoAndWhere() throws Exception {
        BenchSession session = session(2, Map.of(2, List.of(CABLE_PULLED)));
        session.holdFailedBoardsForRetry();
        List<String> steps = new CopyOnWriteArrayList<>();

        java.util.concurrent.atomic.AtomicBoolean once = new java.util.concurrent.atomic.AtomicBoolean();
        BenchOutcome outcome = run(session, (port, c) -> {
            if (port.equals("sim-2") && c.retryable() && !c.paused() && once.compareAndSet(false, true)) {
                steps.add("pause");
                session.pause("sim-2", ALICE);
                steps.add("retry");
                session.retry("sim-2", ALICE); // held for the operator and paused: served once resumed
                steps.add("resume");
                session.resume("sim-2", new Operator("", "board 10.0.0.9"));
            }
        });

        assertEquals(List.of("pause", "retry", "resume"), steps);
        assertEquals(List.of("sim-1 true", "sim-2 false", "sim-2 true"),
                outcome.results().stream().map(r -> r.port() + " " + r.done()).toList());
        assertEquals(0, outcome.failed(), "the retried board is done");
        outcome.requireAllDone();
        assertEquals(List.of("{\"event\":\"operator-pause\",\"from\":\"board 127.0.0.1\",\"operator\":\"alice\","
                + "\"port\":\"sim-2\",\"station\":\"station-7\"}"), auditLines("operator-pause"));
        assertEquals(List.of("{\"event\":\"operator-resume\",\"from\":\"board 10.0.0.9\",\"operator\":\"\","
                + "\"port\":\"sim-2\",\"station\":\"station-7\"}"), auditLines("operator-resume"));
        assertEquals(1, auditLines("operator-retry").size());
        assertTrue(heard.containsAll(List.of("pause sim-2 by alice (board 127.0.0.1)", "operator-pause",
                "retry sim-2 by alice (board 127.0.0.1)", "resume sim-2 by an unnamed operator (board 10.0.0.9)")),
                heard.toString());
        List<String> sim2 = Files.readAllLines(tmp.resolve("units/audit.jsonl")).stream()
                .filter(l -> l.contains("\"port\":\"sim-2\"")).map(l -> l.replaceAll(".*\"event\":\"([a-z-]+)\".*", "$1"))
                .toList();
        assertEquals(List.of("unit-allocated", "unit-failed", "operator-pause", "operator-retry", "operator-resume",
                "unit-allocated", "unit-done"), sim2);
    }

    @Test
    void stopAfterTheBoardsInFlightEndsARunHeldForARetryAndLaterActionsAreRefused() throws Exception {
        BenchSession session = session(1, Map.of(1, List.of(CABLE_PULLED)));
        session.holdFailedBoardsForRetry();
        EspfleetException early = assertThrows(EspfleetException.class, () -> session.pause("sim-1", ALICE));
        assertEquals("the bench has not started yet: try again in a moment", early.getMessage());

        BenchOutcome outcome = run(session, (port, c) -> {
            if (c.retryable()) {
                session.stopAfterInFlight(ALICE);
            }
        });

        assertEquals(1, outcome.failed());
        assertEquals(1, auditLines("operator-stop").size());
        assertTrue(auditLines("operator-stop").get(0).contains("\"operator\":\"alice\""));
        EspfleetException late = assertThrows(EspfleetException.class, () -> session.retry("sim-1", ALICE));
        assertEquals("the bench has ended: it takes no more actions", late.getMessage());
    }

    @Test
    void aRefusedActionIsNotAudited() throws Exception {
        BenchSession session = session(1, Map.of());
        session.holdFailedBoardsForRetry();
        List<String> refusals = new CopyOnWriteArrayList<>();

        // asked while the port's first controls are told, before its board: nothing failed yet, no such port
        assertTimeoutPreemptively(Duration.ofSeconds(60), () -> session.run(new BenchEvents() {
            @Override
            public void controls(String port, PortControls c) {
                if (refusals.isEmpty()) {
                    refusals.add(assertThrows(EspfleetException.class, () -> session.retry("sim-1", ALICE)).getMessage());
                    refusals.add(assertThrows(EspfleetException.class, () -> session.resume("sim-5", ALICE)).getMessage());
                }
            }
        }));

        assertEquals(List.of("sim-1 has no failed board to retry", "no port 'sim-5' on this bench (ports: sim-1)"),
                refusals);
        assertEquals(List.of(), auditLines("operator-retry"));
        assertEquals(List.of(), auditLines("operator-resume"));
    }

    @Test
    void anOperatorNameIsShortAndPrintable() {
        assertEquals("at most 40 characters, got 41", assertThrows(EspfleetException.class,
                () -> new Operator("x".repeat(41), "board")).getMessage().replace("operator name: ", ""));
        assertEquals("operator name: letters, digits, spaces and punctuation only, no control characters",
                assertThrows(EspfleetException.class, () -> new Operator("al\nice", "board")).getMessage());
        assertEquals("Ana Lúcia (board 10.0.0.5)", new Operator("  Ana Lúcia ", "board 10.0.0.5").toString());
    }

    @Test
    void fanOutTellsEveryListenerEveryEventInOrder() {
        List<String> first = new ArrayList<>();
        List<String> second = new ArrayList<>();
        BenchEvents both = BenchEvents.fanOut(new BenchEvents() {
            @Override
            public void identified(String port, String mac, String thing) {
                first.add(port + " " + mac + " " + thing);
            }
        }, new BenchEvents() {
            @Override
            public void identified(String port, String mac, String thing) {
                second.add("also " + thing);
            }

            @Override
            public void state(String port, String state) {
                second.add(state);
            }
        });
        both.state("sim-1", "connecting");
        both.identified("sim-1", "24:0a:c4:e5:00:01", "sensor-1");
        assertEquals(List.of("sim-1 24:0a:c4:e5:00:01 sensor-1"), first);
        assertEquals(List.of("connecting", "also sensor-1"), second);
    }

    @Test
    void aFailureThatARetryPassedOnTheSamePortNoLongerCounts() {
        UnitResult failed = new UnitResult("sim-2", Optional.of("m2"), Optional.of("t2"), false, "cable", Duration.ZERO, 0);
        UnitResult passed = new UnitResult("sim-2", Optional.of("m2"), Optional.of("t2"), true, "ok", Duration.ZERO, 1);
        UnitResult other = new UnitResult("sim-3", Optional.of("m3"), Optional.of("t3"), false, "cable", Duration.ZERO, 0);
        assertEquals(0, new BenchOutcome(List.of(failed, passed)).failed());
        assertEquals(1, new BenchOutcome(List.of(failed, passed)).units());
        assertEquals(1, new BenchOutcome(List.of(passed, failed)).failed(), "a failure after the pass counts");
        assertEquals(1, new BenchOutcome(List.of(failed, passed, other)).failed());
        EspfleetException e = assertThrows(EspfleetException.class,
                () -> new BenchOutcome(List.of(failed, passed, other)).requireAllDone());
        assertEquals("1 of 2 units failed; their boards are not recorded as done", e.getMessage());
    }
}
