package dev.espfleet.services;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.espfleet.bench.UnitResult;
import dev.espfleet.bench.eol.EndOfLineMode;
import dev.espfleet.bench.eol.EndOfLineOutcome;
import dev.espfleet.bench.eol.EndOfLinePlan;
import dev.espfleet.bench.standin.ScriptedConsoleBoard.Network;
import dev.espfleet.bench.standin.ScriptedConsoleBoard.Script;
import dev.espfleet.model.AwsEndpoint;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo's end-of-line step: with mosquitto the units reach a broker it starts; without, it says why not. */
class DemoServiceTest {
    @TempDir
    Path tmp;
    final Path config = Path.of("..", "examples", "env-sensor.yaml");

    static final class Steps implements DemoEvents {
        final List<String> seen = new CopyOnWriteArrayList<>();

        @Override
        public void brokerStarted(AwsEndpoint endpoint, Path dir) {
            seen.add("broker " + endpoint.host());
        }

        @Override
        public void brokerSkipped(String why) {
            seen.add("no broker: " + why);
        }

        @Override
        public void endOfLineSkipped(String why) {
            seen.add("no end-of-line test: " + why);
        }

        @Override
        public void endOfLine(EndOfLinePlan plan, String endpoint) {
            seen.add("eol " + plan.mode().cliName());
        }
    }

    private BenchOutcome run(DemoSession demo, Network network, Steps steps) {
        int identity = DeviceProfile.load(config).identityPartition().offset();
        return demo.bench().withPorts(SimulatedEndOfLineTest.scriptedBoards(2, Script.reporting(identity)
                .withNetwork(network), new ArrayList<>())).run(steps);
    }

    @Test
    void withMosquittoTheDemoStartsABrokerTheUnitsReachOverMutualTlsAndStopsIt() {
        assumeTrue(DemoBroker.find().isPresent(), "mosquitto is not installed (apt-get install mosquitto)");
        Steps steps = new Steps();
        DemoService demo = new DemoService(new BenchService(Optional.of(new StandInSimulatedFirmware())),
                DemoBroker::find);
        DemoBroker broker;
        try (DemoSession session = demo.prepare(new DemoRequest(config, tmp.resolve("demo"), 2), steps)) {
            broker = session.broker().orElseThrow();
            assertEquals(EndOfLineMode.CONNECTED, session.bench().job().endOfLine().mode());
            BenchOutcome outcome = run(session, Network.BROKER, steps);
            outcome.requireAllDone();
            for (UnitResult r : outcome.results()) {
                assertEquals(EndOfLineOutcome.CONNECTED, r.endOfLine().orElseThrow().outcome(), r.detail());
            }
            assertEquals(List.of(new DemoBroker.Client("env-sensor-240ac4e50001", "env-sensor-240ac4e50001"),
                    new DemoBroker.Client("env-sensor-240ac4e50002", "env-sensor-240ac4e50002")),
                    broker.clients().stream().sorted(java.util.Comparator.comparing(DemoBroker.Client::clientId))
                            .toList());
        }
        assertFalse(broker.running(), "the demo stops its broker");
        assertEquals(List.of("broker 127.0.0.1", "eol connected"), steps.seen);
    }

    @Test
    void withoutMosquittoTheDemoSaysWhyAndItsUnitsStopAtTheirReport() {
        Steps steps = new Steps();
        DemoService demo = new DemoService(new BenchService(Optional.of(new StandInSimulatedFirmware())),
                Optional::empty);
        try (DemoSession session = demo.prepare(new DemoRequest(config, tmp.resolve("demo"), 2), steps)) {
            assertEquals(Optional.empty(), session.broker());
            BenchOutcome outcome = run(session, Network.NONE, steps);
            outcome.requireAllDone();
            for (UnitResult r : outcome.results()) {
                assertEquals(EndOfLineOutcome.REPORTED, r.endOfLine().orElseThrow().outcome(), r.detail());
            }
        }
        assertEquals(List.of("no broker: mosquitto is not installed (apt-get install mosquitto): the units boot and "
                + "report (--eol report), but have no broker to reach", "eol report"), steps.seen);
    }

    @Test
    void withoutSimulatedFirmwareTheDemoSaysItSkipsTheTest() {
        Steps steps = new Steps();
        DemoService demo = new DemoService(new BenchService(Optional.empty()), DemoBroker::find);
        try (DemoSession session = demo.prepare(new DemoRequest(config, tmp.resolve("demo"), 1), steps)) {
            assertEquals(EndOfLineMode.NONE, session.bench().job().endOfLine().mode());
            assertEquals(Optional.empty(), session.broker());
        }
        assertTrue(steps.seen.get(0).startsWith("no end-of-line test: this espfleet has no simulated application "
                + "firmware"), steps.seen.toString());
    }
}
