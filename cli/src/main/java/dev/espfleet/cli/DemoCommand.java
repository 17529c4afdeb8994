package dev.espfleet.cli;

import dev.espfleet.bench.BenchPort;
import dev.espfleet.bench.ThingNamePattern;
import dev.espfleet.common.EspfleetException;
import dev.espfleet.flasher.sim.LinkTiming;
import dev.espfleet.generator.config.ConfigLoader;
import dev.espfleet.generator.config.DeviceConfig;
import dev.espfleet.generator.render.ProjectRenderer;
import dev.espfleet.generator.render.ProjectWriter;
import dev.espfleet.provisioning.CertificateAuthority;
import dev.espfleet.provisioning.KeyType;
import dev.espfleet.provisioning.ValidityPeriod;
import dev.espfleet.provisioning.WifiCredentials;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "demo", mixinStandardHelpOptions = true,
        description = {"The whole job on simulated ESP32s, no hardware needed.",
            "Generates the example firmware, makes a local CA and runs the bench on simulated ESP32s",
            "(identity written and verified; firmware too when an ESP-IDF build of the project exists).",
            "Run it again to see rework: the same boards keep their identity."})
final class DemoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--config", defaultValue = "examples/env-sensor.yaml", paramLabel = "FILE",
            description = "Device config (default: ${DEFAULT-VALUE}).")
    Path config;

    @Option(names = "--dir", defaultValue = "build/demo", paramLabel = "DIR",
            description = "Where everything is written (default: ${DEFAULT-VALUE}).")
    Path dir;

    @Option(names = "--boards", defaultValue = "2", paramLabel = "N", description = "Simulated ESP32s (default: ${DEFAULT-VALUE}).")
    int boards;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (!Files.isRegularFile(config)) {
            throw EspfleetException.badInput("no device config at " + config
                    + "; run the demo from the espfleet folder or pass --config FILE");
        }
        if (boards < 1 || boards > 64) {
            throw EspfleetException.badInput("--boards must be 1 to 64, got " + boards);
        }
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw EspfleetException.badInput("--dir " + dir + " is a file, but the demo writes a folder there");
        }
        DeviceConfig device = ConfigLoader.load(config);
        Path firmware = dir.resolve("firmware");
        Path caDir = dir.resolve("ca");
        Path units = dir.resolve("units");

        out.printf("1. firmware: generating %s into %s%n", config, firmware);
        ProjectWriter.write(new ProjectRenderer().render(device), firmware);

        if (CertificateAuthority.exists(caDir)) {
            out.printf("2. local CA: reusing %s%n", caDir);
        } else {
            out.printf("2. local CA: creating %s%n", caDir);
            CertificateAuthority.createRoot("espfleet demo CA", Optional.of(device.product().name()), KeyType.EC_P256,
                    ValidityPeriod.days(Instant.now(), 3650), new SecureRandom()).saveNew(caDir);
        }

        Optional<Path> build = Files.isRegularFile(firmware.resolve("build/flasher_args.json"))
                ? Optional.of(firmware) : Optional.empty();
        out.printf("3. bench: %d simulated ESP32s%s%n", boards, build.isPresent() ? ", firmware from "
                + firmware.resolve("build") : " (no ESP-IDF build of the firmware: identity only; run 'espfleet build "
                + config + " -o " + firmware + "' with ESP-IDF installed to flash the firmware too)");
        out.flush();
        Optional<WifiCredentials> wifi = Optional.of(ProvisioningFromConfig.wifi(device, "espfleet-demo",
                "demo-password"));
        int status = BenchCommand.run(out, device, caDir, Optional.empty(), build, units, Optional.empty(),
                ThingNamePattern.defaultPattern(), Optional.empty(), wifi,
                BenchPort.simulated(boards, LinkTiming.UNTIMED), 460800, 1, "demo");

        out.println();
        out.println("Written:");
        out.printf("  %-40s the ESP-IDF project (idf.py build there)%n", firmware);
        out.printf("  %-40s the local CA (ca.key.pem is 0600)%n", caDir);
        out.printf("  %-40s one folder per unit: key, cert, identity.bin, aws/register.sh%n", units);
        out.printf("  %-40s the identity ledger (espfleet ledger list --ledger jdbc:sqlite:%s)%n",
                units.resolve("ledger.db"), units.resolve("ledger.db"));
        out.printf("  %-40s the audit log, one JSON line per event%n", units.resolve("audit.jsonl"));
        out.flush();
        return status;
    }
}
