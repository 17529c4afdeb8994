package dev.espfleet.cli;

import dev.espfleet.services.DemoEvents;
import dev.espfleet.services.DemoRequest;
import dev.espfleet.services.DemoSession;
import dev.espfleet.services.DemoService;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"The whole job on simulated ESP32s, no hardware needed.",
            "Generates the example firmware, makes a local CA and runs the bench on simulated ESP32s",
            "(identity written and verified; firmware too when an ESP-IDF build of the project exists).",
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
        DemoSession result = new DemoService().prepare(new DemoRequest(config, dir, boards), steps);
        SignalStop.run(result.bench(), steps).requireAllDone();
        out.println();
        out.println("Written:");
        out.printf("  %-40s the ESP-IDF project (idf.py build there)%n", result.firmware());
        out.printf("  %-40s the local CA (ca.key.pem is 0600)%n", result.ca());
        out.printf("  %-40s one folder per unit: key, cert, identity.bin, aws/register.sh%n", result.units());
        out.printf("  %-40s the identity ledger (espfleet ledger list --ledger jdbc:sqlite:%s)%n", result.ledger(),
                result.ledger());
        out.printf("  %-40s the audit log, one JSON line per event%n", result.auditLog());
        return 0;
    }

    /** The demo's three steps, then the bench as {@code espfleet bench} shows it. */
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
        public void benchStarting(int count, Optional<Path> build) {
            out.printf("3. bench: %d simulated ESP32s%s%n", count, build.isPresent() ? ", firmware from "
                    + build.get().resolve("build") : " (no ESP-IDF build of the firmware: identity only; run 'espfleet "
                    + "build " + config + " -o " + dir.resolve("firmware") + "' with ESP-IDF installed to flash the "
                    + "firmware too)");
            out.flush();
        }
    }
}
