package dev.espfleet.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.flasher.command.Opcode;
import dev.espfleet.flasher.sim.Fault;
import dev.espfleet.flasher.sim.LinkTiming;
import dev.espfleet.flasher.sim.SimConfig;
import dev.espfleet.flasher.sim.SimLink;
import dev.espfleet.flasher.sim.SimulatedEsp32;
import dev.espfleet.model.AwsEndpoint;
import dev.espfleet.model.MacAddress;
import dev.espfleet.provisioning.CertificateAuthority;
import dev.espfleet.provisioning.DevicePolicy;
import dev.espfleet.provisioning.IdentityLayout;
import dev.espfleet.provisioning.KeyType;
import dev.espfleet.provisioning.ServerCa;
import dev.espfleet.provisioning.ValidityPeriod;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The operator's controls of a port: pause and resume, a failed board held for a retry, and stop. */
class BenchRunnerControlTest {
    static final Duration LIMIT = Duration.ofSeconds(60);
    static final Fault CABLE_PULLED = Fault.at(Fault.Kind.DISCONNECT, Opcode.FLASH_DATA, 3);
    static CertificateAuthority ca;
    static ServerCa serverCa;

    @TempDir
    Path tmp;
    /** Every event of the run, as "port: what", in the order heard. */
    final List<String> events = new CopyOnWriteArrayList<>();
    BenchRunner runner;

    @BeforeAll
    static void makeCa() {
        ca = CertificateAuthority.createRoot("bench test CA", Optional.empty(), KeyType.EC_P256,
                ValidityPeriod.days(Instant.now(), 30), new SecureRandom());
        serverCa = new ServerCa(List.of(ca.certificate()), Path.of("broker-ca.pem"));
    }

    private BenchJob job() {
        return new BenchJob("sensor", "Acme", ThingNamePattern.defaultPattern(), tmp.resolve("units"), ca, "test CA",
                serverCa, new DevicePolicy("sensor-device", "{}\n"), IdentityLayout.DEFAULT, 0x12000, 0x6000,
                AwsEndpoint.of("abc123-ats.iot.eu-west-1.amazonaws.com"), Optional.empty(), KeyType.EC_P256,
                dev.espfleet.flasher.flash.FlashPlan.NONE, 460800, "test", dev.espfleet.bench.eol.EndOfLinePlan.NONE);
    }

    /** Runs the bench with failed boards held; {@code operator} hears every event and may act on the runner. */
    private List<UnitResult> run(List<BenchPort> ports, int boardsPerPort, Consumer<String> operator) {
        return assertTimeoutPreemptively(LIMIT, () -> {
            try (IdentityLedger ledger = IdentityLedger.open("jdbc:sqlite:" + tmp.resolve("ledger.db"));
                 AuditLog audit = new AuditLog(tmp.resolve("audit.jsonl"))) {
                runner = new BenchRunner(job(), ledger, audit, new BenchListener() {
                    @Override
                    public void state(String port, String state) {
                        heard(port + ": " + state);
                    }

                    @Override
                    public void identified(String port, String mac, String thingName) {
                        heard(port + ": identified " + mac + " " + thingName);
                    }

                    @Override
                    public void finished(UnitResult r) {
                        heard(r.port() + ": " + (r.done() ? "DONE" : "FAILED"));
                    }

                    @Override
                    public void controls(String port, PortControls c) {
                        heard(port + ": controls" + (c.paused() ? " paused" : "") + (c.retryable() ? " retryable" : "")
                                + (c.serving() ? "" : " ended"));
                    }

                    private void heard(String event) {
                        events.add(event);
                        operator.accept(event);
                    }
                });
                runner.holdFailedBoards();
                return runner.run(ports, boardsPerPort);
            }
        });
    }

    /** What an operator does from another thread (a browser's request), not from inside the bench's callback. */
    private void later(Runnable action) {
        CompletableFuture.runAsync(action);
    }

    private List<String> eventsOf(String port) {
        return events.stream().filter(e -> e.startsWith(port + ": ")).map(e -> e.substring(port.length() + 2)).toList();
    }

    @Test
    void aFailedBoardHoldsItsPortUntilTheOperatorRetriesItThenPasses() throws Exception {
        List<BenchPort> ports = List.of(BenchPort.simulated(1, LinkTiming.UNTIMED, List.of()),
                BenchPort.simulated(2, LinkTiming.UNTIMED, List.of(CABLE_PULLED), 1));

        List<UnitResult> results = run(ports, 1, event -> {
            if (event.equals("sim-2: failed: retry the board, or stop the bench")) {
                later(() -> runner.retry("sim-2"));
            }
        });

        assertEquals(List.of("sim-1 true", "sim-2 false", "sim-2 true"),
                results.stream().map(r -> r.port() + " " + r.done()).toList());
        assertEquals(results.get(1).thingName(), results.get(2).thingName(), "the same board, its identity kept");
        List<String> sim2 = eventsOf("sim-2");
        assertTrue(sim2.indexOf("controls retryable") > sim2.indexOf("FAILED"), sim2.toString());
        assertEquals("controls ended", sim2.get(sim2.size() - 1));
        List<String> audit = Files.readAllLines(tmp.resolve("audit.jsonl")).stream()
                .filter(l -> l.contains("\"port\":\"sim-2\""))
                .map(l -> l.replaceAll(".*\"event\":\"([a-z-]+)\".*", "$1")).toList();
        assertEquals(List.of("unit-allocated", "unit-failed", "unit-allocated", "unit-done"), audit);
    }

    @Test
    void aPausedPortTakesNoBoardUntilResumedAndTheBoardInFlightFinishes() throws Exception {
        // a serial port as it is seen over time: board 1, then board 2 once board 1 is swapped out
        AtomicInteger connections = new AtomicInteger();
        BenchPort port = new BenchPort("ttyFAKE", () -> board(connections.getAndIncrement() < 2 ? 1 : 2, List.of()), false);

        List<UnitResult> results = run(List.of(port), 0, event -> {
            if (event.startsWith("ttyFAKE: identified 24:0a:c4:09:09:01")) {
                runner.pause("ttyFAKE"); // board 1 is in flight
            } else if (event.startsWith("ttyFAKE: paused")) {
                later(() -> runner.resume("ttyFAKE"));
            } else if (event.equals("ttyFAKE: DONE") && events.stream().filter(e -> e.endsWith(": DONE")).count() == 2) {
                runner.stop();
            }
        });

        assertEquals(List.of("24:0a:c4:09:09:01 true", "24:0a:c4:09:09:02 true"),
                results.stream().map(r -> r.mac().orElseThrow() + " " + r.done()).toList());
        List<String> heard = eventsOf("ttyFAKE");
        int paused = heard.indexOf("controls paused");
        int firstDone = heard.indexOf("DONE");
        int waiting = heard.indexOf("paused: resume to take the next board");
        assertTrue(0 <= paused && paused < firstDone && firstDone < waiting,
                "the board in flight finished, then the port waited: " + heard);
        int resumed = waiting + heard.subList(waiting, heard.size()).indexOf("controls");
        assertTrue(resumed > waiting, heard.toString());
        assertFalse(heard.subList(firstDone, resumed).contains("connecting"), "no board taken while paused: " + heard);
    }

    @Test
    void aSerialPortHoldsItsFailedBoardUntilRetriedInsteadOfRetryingItAtOnce() throws Exception {
        AtomicInteger connections = new AtomicInteger();
        // the board fails at its first connection (a bad contact), then would pass
        BenchPort port = new BenchPort("ttyFAKE", () -> board(1, connections.getAndIncrement() == 0
                ? List.of(CABLE_PULLED) : List.of()), false);

        List<UnitResult> results = run(List.of(port), 0, event -> {
            if (event.equals("ttyFAKE: failed: retry the board, or swap it")) {
                later(() -> runner.retry("ttyFAKE")); // the port looked at the board and left it alone
            } else if (event.equals("ttyFAKE: DONE")) {
                runner.stop();
            }
        });

        assertEquals(List.of(false, true), results.stream().map(UnitResult::done).toList());
        List<String> heard = eventsOf("ttyFAKE");
        List<String> afterFailure = heard.subList(heard.indexOf("FAILED"), heard.size());
        int held = afterFailure.indexOf("failed: retry the board, or swap it");
        int again = afterFailure.indexOf("identified 24:0a:c4:09:09:01 sensor-240ac4090901");
        assertTrue(0 < held && held < again, "held, then served again on the retry: " + heard);
        assertEquals(1, afterFailure.stream().filter(e -> e.startsWith("identified")).count(), heard.toString());
    }

    @Test
    void stopEndsAPortThatHoldsAFailedBoard() {
        List<BenchPort> ports = List.of(BenchPort.simulated(1, LinkTiming.UNTIMED, List.of(CABLE_PULLED)));

        List<UnitResult> results = run(ports, 1, event -> {
            if (event.equals("sim-1: controls retryable")) {
                later(runner::stop);
            }
        });

        assertEquals(1, results.size());
        assertFalse(results.get(0).done());
        assertEquals("controls ended", eventsOf("sim-1").get(eventsOf("sim-1").size() - 1));
    }

    @Test
    void actionsTheBenchWouldNotTakeAreRefusedWithTheReason() {
        List<String> refusals = new CopyOnWriteArrayList<>();
        run(List.of(BenchPort.simulated(1, LinkTiming.UNTIMED, List.of())), 1, event -> {
            if (event.equals("sim-1: DONE")) {
                refusals.add(assertThrows(EspfleetException.class, () -> runner.retry("sim-1")).getMessage());
                refusals.add(assertThrows(EspfleetException.class, () -> runner.resume("sim-1")).getMessage());
                refusals.add(assertThrows(EspfleetException.class, () -> runner.pause("sim-9")).getMessage());
            }
        });
        refusals.add(assertThrows(EspfleetException.class, () -> runner.pause("sim-1")).getMessage());

        assertEquals(List.of("sim-1 has no failed board to retry", "sim-1 is not paused",
                "no port 'sim-9' on this bench (ports: sim-1)", "sim-1 has ended: it takes no more boards"), refusals);
    }

    private static SimLink board(int n, List<Fault> faults) {
        return new SimLink(new SimulatedEsp32(SimConfig.esp32().withMac(MacAddress.of(new byte[] {0x24, 0x0a,
                (byte) 0xc4, 9, 9, (byte) n}))), faults, LinkTiming.UNTIMED);
    }
}
