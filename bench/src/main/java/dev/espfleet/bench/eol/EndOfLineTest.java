package dev.espfleet.bench.eol;

import dev.espfleet.bench.console.ConsoleFrame;
import dev.espfleet.bench.console.ConsoleFrameReader;
import dev.espfleet.bench.console.ConsoleProtocol;
import dev.espfleet.bench.console.DeviceReport;
import dev.espfleet.bench.console.FailReport;
import dev.espfleet.bench.console.Hello;
import dev.espfleet.bench.console.Milestone;
import dev.espfleet.bench.console.StateReport;
import dev.espfleet.flasher.connection.Transport;
import dev.espfleet.model.MacAddress;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * A unit's end-of-line test (docs/console-protocol.md, "Bench side"): reset it into its application, read its
 * console until its {@code hello} comes (asking again with {@code query} every {@link EndOfLinePlan#queryInterval}),
 * compare the hello with what was recorded, and with {@link EndOfLineMode#CONNECTED} wait for {@code state
 * mqtt_connected} as the right thing; a {@code fail} frame ends that wait early. Every wait has its deadline.
 */
public final class EndOfLineTest {
    /** The longest a single read waits, so that queries go out and deadlines are kept. */
    private static final Duration READ_SLICE = Duration.ofMillis(100);

    private final EndOfLinePlan plan;
    private final EndOfLineExpectation expected;
    private final Consumer<String> log;
    private final Consumer<String> state;
    private final ConsoleTail tail = new ConsoleTail();
    private final ConsoleFrameReader reader = new ConsoleFrameReader(tail::add);

    /**
     * @param log   the unit's log (bench.log): the frames, and after a failure the console's last lines
     * @param state what the port's display shows while the test runs
     */
    public EndOfLineTest(EndOfLinePlan plan, EndOfLineExpectation expected, Consumer<String> log,
                         Consumer<String> state) {
        this.plan = plan;
        this.expected = expected;
        this.log = log;
        this.state = state;
    }

    /**
     * Runs the test on {@code console}: its host side is set to the console's rate, then {@code resetIntoApp}
     * restarts the chip into its application (true) or cannot (false: the operator presses EN).
     */
    public EndOfLineResult run(Transport console, BooleanSupplier resetIntoApp) {
        long start = System.nanoTime();
        Run run = new Run(start);
        EndOfLineResult result;
        try {
            console.setBaudRate(ConsoleProtocol.CONSOLE_BAUD);
            run.resetDone = resetIntoApp.getAsBoolean();
            state.accept(run.resetDone ? "end-of-line: waiting for the unit's report"
                    : "end-of-line: press EN (reset) on the board: " + console.description() + " cannot reset it");
            result = run.until(console);
        } catch (IOException e) {
            result = run.failed("the port went away during the test (" + e.getMessage() + ")");
        }
        if (!result.passed() && !tail.lines().isEmpty()) {
            // what the unit printed last is where to start looking
            log.accept("console, last " + tail.lines().size() + " of " + reader.lines() + " line(s):");
            tail.lines().forEach(l -> log.accept("  | " + l));
        }
        return result;
    }

    /** One test's state. */
    private final class Run {
        private final long start;
        private boolean resetDone;
        private long bytes;
        private Hello hello;
        private StateReport lastState;
        private FailReport lastFail;
        private boolean connectedAsThing;

        Run(long start) {
            this.start = start;
        }

        EndOfLineResult until(Transport console) throws IOException {
            long reportDeadline = start + plan.reportTimeout().toNanos();
            long deadline = start + plan.deadline().toNanos();
            long nextQuery = start + plan.queryInterval().toNanos();
            byte[] buffer = new byte[4096];
            while (true) {
                long now = System.nanoTime();
                if (hello == null && now - reportDeadline >= 0) {
                    return failed(noReport());
                }
                if (now - deadline >= 0) {
                    return failed(notConnected());
                }
                if (now - nextQuery >= 0) {
                    console.write(ConsoleFrame.query().encode());
                    nextQuery = now + plan.queryInterval().toNanos();
                }
                long due = Math.min(hello == null ? reportDeadline : deadline, nextQuery);
                long wait = Math.max(1_000_000L, Math.min(READ_SLICE.toNanos(), due - now));
                int n = console.read(buffer, Duration.ofNanos(wait));
                bytes += n;
                for (ConsoleFrame frame : reader.feed(buffer, 0, n)) {
                    Optional<EndOfLineResult> end = take(frame);
                    if (end.isPresent()) {
                        return end.get();
                    }
                }
            }
        }

        /** One frame in; a result when it decides the test. */
        private Optional<EndOfLineResult> take(ConsoleFrame frame) {
            DeviceReport report;
            try {
                Optional<DeviceReport> decoded = DeviceReport.decode(frame);
                if (decoded.isEmpty()) {
                    return Optional.empty();
                }
                report = decoded.get();
            } catch (DeviceReport.Invalid e) {
                return Optional.of(failed("the unit's report does not follow the console protocol: " + e.getMessage()));
            }
            if (report instanceof Hello h) {
                log.accept("console: hello fw " + h.fw() + ", chip " + h.chip().orElse("?") + ", MAC " + h.mac()
                        + ", thing " + h.thing().orElse("(none)") + ", certificate " + h.certSha256().orElse("(none)")
                        + ", endpoint " + h.endpoint().orElse("(none)"));
                hello = h;
                List<String> wrong = mismatches(h);
                if (!wrong.isEmpty()) {
                    return Optional.of(failed(String.join("; ", wrong)
                            + (lastFail != null ? "; the unit reported " + lastFail.describe() : "")));
                }
                if (plan.mode() == EndOfLineMode.REPORT) {
                    return Optional.of(passed(EndOfLineOutcome.REPORTED, "report matches (thing, certificate, MAC, "
                            + "endpoint, firmware " + h.fw() + ")"));
                }
                if (connectedAsThing) {
                    return Optional.of(connected());
                }
                state.accept("end-of-line: report matches; waiting for the unit to reach its broker");
            } else if (report instanceof StateReport s) {
                log.accept("console: state " + s.name() + s.thing().map(t -> " as " + t).orElse(""));
                lastState = s;
                if (plan.mode() == EndOfLineMode.CONNECTED && s.is(Milestone.MQTT_CONNECTED)) {
                    if (!s.thing().equals(Optional.of(expected.thing()))) {
                        return Optional.of(failed("the unit connected to its broker as " + s.thing().map(t -> "'" + t
                                + "'").orElse("(it did not say)") + ", expected '" + expected.thing() + "'"));
                    }
                    connectedAsThing = true;
                    if (hello != null) {
                        return Optional.of(connected());
                    }
                } else if (plan.mode() == EndOfLineMode.CONNECTED && hello != null) {
                    state.accept("end-of-line: " + s.name() + "; waiting for mqtt_connected");
                }
            } else if (report instanceof FailReport f) {
                log.accept("console: fail " + f.describe());
                lastFail = f;
                if (plan.mode() == EndOfLineMode.CONNECTED) {
                    return Optional.of(failed(brokerNotReached(f)));
                }
            }
            return Optional.empty();
        }

        private String brokerNotReached(FailReport f) {
            String what = switch (f.stage()) {
                case "mqtt" -> "the unit did not reach its broker at " + expected.endpoint();
                case "network" -> "the unit did not get onto its network";
                case "identity" -> "the unit could not load its identity";
                default -> "the unit failed";
            };
            return what + ": " + f.describe();
        }

        private List<String> mismatches(Hello h) {
            List<String> wrong = new ArrayList<>();
            if (h.proto() != ConsoleProtocol.VERSION) {
                wrong.add("console protocol: expected " + ConsoleProtocol.VERSION + ", got " + h.proto());
            }
            if (h.thing().isEmpty()) {
                wrong.add("thing name: expected '" + expected.thing() + "', the unit read none from NVS");
            } else if (!h.thing().get().equals(expected.thing())) {
                wrong.add("thing name: expected '" + expected.thing() + "', got '" + h.thing().get() + "'");
            }
            if (h.certSha256().isEmpty()) {
                wrong.add("certificate: expected SHA-256 " + expected.certSha256() + ", the unit loaded none");
            } else if (!h.certSha256().get().toLowerCase(Locale.ROOT).equals(expected.certSha256())) {
                wrong.add("certificate SHA-256: expected " + expected.certSha256() + ", got " + h.certSha256().get());
            }
            boolean macMatches = MacAddress.problem(h.mac()).isEmpty()
                    && MacAddress.parse(h.mac()).equals(MacAddress.parse(expected.mac()));
            if (!macMatches) {
                wrong.add("MAC: expected " + expected.mac() + ", got " + h.mac());
            }
            if (!h.fw().equals(expected.firmwareVersion())) {
                wrong.add("firmware version: expected '" + expected.firmwareVersion() + "', got '" + h.fw() + "'");
            }
            if (h.endpoint().isEmpty()) {
                wrong.add("endpoint: expected " + expected.endpoint() + ", the unit read none");
            } else if (!h.endpoint().get().equalsIgnoreCase(expected.endpoint())) {
                wrong.add("endpoint: expected " + expected.endpoint() + ", got " + h.endpoint().get());
            }
            return wrong;
        }

        private String noReport() {
            String within = " within " + seconds(plan.reportTimeout()) + " of the reset";
            String reason;
            if (bytes == 0) {
                reason = "no report: the console was silent" + within
                        + (resetDone ? "" : " (this port cannot reset the board: press its EN button when asked)");
            } else if (reader.frames() == 0 && reader.damaged() > 0) {
                reason = "no report: only damaged console frames (" + reader.damaged() + ")" + within
                        + ": check the serial link (115200 baud, cable, noise)";
            } else if (reader.frames() == 0) {
                reason = "no report" + within + ": " + reader.lines() + " console line(s), no console frame (does the "
                        + "firmware send the console report?)" + tail.last().map(l -> "; last line: " + l).orElse("");
            } else {
                reason = "no hello" + within;
            }
            return reason + restarts() + (lastFail != null ? "; the unit reported " + lastFail.describe() : "");
        }

        private String notConnected() {
            return "the unit did not report reaching its broker at " + expected.endpoint() + " within "
                    + seconds(plan.connectTimeout()) + " of the reset ("
                    + (lastState != null ? "last milestone: " + lastState.name() : "no milestone reported") + ")"
                    + restarts();
        }

        /** More than one ROM banner on the console: the unit restarted (brown-out, panic, watchdog). */
        private String restarts() {
            int restarts = tail.romBanners() - 1;
            return restarts > 0 ? "; the unit restarted " + restarts + " time(s)" : "";
        }

        EndOfLineResult failed(String why) {
            log.accept("end-of-line: FAILED: " + why);
            return result(EndOfLineOutcome.FAILED, why);
        }

        private EndOfLineResult connected() {
            return passed(EndOfLineOutcome.CONNECTED, "connected to " + expected.endpoint() + " as " + expected.thing());
        }

        private EndOfLineResult passed(EndOfLineOutcome outcome, String detail) {
            log.accept("end-of-line: " + outcome.word() + ": " + detail);
            return result(outcome, detail);
        }

        private EndOfLineResult result(EndOfLineOutcome outcome, String detail) {
            return new EndOfLineResult(outcome, detail, Duration.ofNanos(System.nanoTime() - start),
                    Optional.ofNullable(hello), reader.damaged());
        }
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s"
                : String.format(Locale.ROOT, "%.1f s", d.toMillis() / 1000.0);
    }
}
