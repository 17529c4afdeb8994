package dev.espfleet.cli;

import dev.espfleet.model.AwsEndpoint;
import dev.espfleet.services.BenchOutcome;
import dev.espfleet.services.DemoBroker;
import dev.espfleet.services.DemoEvents;
import dev.espfleet.services.DemoRequest;
import dev.espfleet.services.DemoSession;
import dev.espfleet.services.DemoService;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"The whole job on simulated ESP32s, no hardware needed.",
            "Generates the example firmware, makes a local CA and runs the bench on simulated ESP32s:",
            "identity and firmware written and verified, each unit booted and its console report checked,",
            "and with mosquitto installed each unit connected to a local broker over mutual TLS.",
            "Run it again to see rework: the same boards keep their identity."})
final class DemoCommand extends BaseCommand {
    @Option(names = "--config", defaultValue = "examples/env-sensor.yaml", paramLabel = "FILE",
            description = "Device config (default: ${DEFAULT-VALUE}).")
    Path config;

    @Option(names = "--dir", defaultValue = "build/demo", paramLabel = "DIR",
            description = "Where everything is written (default: ${DEFAULT-VALUE}).")
    Path dir;

    @Option(names = "--boards", defaultValue = "2", paramLabel = "N", description = "Simulated ESP32s (default: ${DEFAULT-VALUE}).")
    int boards;

    @Override
    int doCall() {
        PrintWriter out = out();
        Steps steps = new Steps(out);
        try (DemoSession result = new DemoService().prepare(new DemoRequest(config, dir, boards), steps)) {
            BenchOutcome outcome = SignalStop.run(result.bench(), steps);
            result.broker().ifPresent(broker -> {
                List<DemoBroker.Client> clients = broker.clients();
                out.printf("%nbroker %s (log: %s): %s%n", broker.endpoint(), broker.dir().resolve("mosquitto.log"),
                        clients.isEmpty() ? "no client connected" : clients.size() + " connection(s)");
                clients.forEach(c -> out.printf("  %s connected as user '%s' (its certificate's CN)%n", c.clientId(),
                        c.user()));
            });
            out.flush();
            outcome.requireAllDone();
            written(out, result);
        }
        return 0;
    }

    private void written(PrintWriter out, DemoSession result) {
        out.println();
        out.println("Written:");
        out.printf("  %-40s the ESP-IDF project (idf.py build there)%n", result.firmware());
        out.printf("  %-40s the local CA (ca.key.pem is 0600)%n", result.ca());
        out.printf("  %-40s one folder per unit: key, cert, identity.bin, aws/register.sh%n", result.units());
        out.printf("  %-40s the identity ledger (espfleet ledger list --ledger jdbc:sqlite:%s)%n", result.ledger(),
                result.ledger());
        out.printf("  %-40s the audit log, one JSON line per event%n", result.auditLog());
        result.broker().ifPresent(b -> out.printf("  %-40s the demo broker's config, key and log (stopped as the "
                + "demo ends)%n", b.dir()));
    }

    /** The demo's steps, then the bench as {@code espfleet bench} shows it. */
    private final class Steps extends BenchDisplay implements DemoEvents {
        Steps(PrintWriter out) {
            super(out, BenchDisplay.terminal());
        }

        @Override
        public void generatingFirmware(Path configFile, Path into) {
            out.printf("1. firmware: generating %s into %s%n", configFile, into);
        }

        @Override
        public void localCa(Path caDir, boolean reused) {
            out.printf("2. local CA: %s %s%n", reused ? "reusing" : "creating", caDir);
        }

        @Override
        public void brokerStarted(AwsEndpoint endpoint, Path brokerDir) {
            out.printf("3. broker: mosquitto on %s, mutual TLS: it trusts the demo CA for clients and takes each "
                    + "certificate's CN as the user (config in %s)%n", endpoint, brokerDir);
            out.flush();
        }

        @Override
        public void brokerSkipped(String why) {
            out.printf("3. broker: skipped: %s%n", why);
            out.flush();
        }

        @Override
        public void endOfLineSkipped(String why) {
            out.printf("3. end-of-line test: skipped: %s%n", why);
            out.flush();
        }

        @Override
        public void benchStarting(int count, Optional<Path> build) {
            out.printf("4. bench: %d simulated ESP32s%s%n", count, build.isPresent() ? ", firmware from "
                    + build.get().resolve("build") : "");
            out.flush();
        }
    }
}
