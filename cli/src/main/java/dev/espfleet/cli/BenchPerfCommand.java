package dev.espfleet.cli;

import dev.espfleet.bench.BenchJob;
import dev.espfleet.bench.BenchThroughput;
import dev.espfleet.bench.ThingNamePattern;
import dev.espfleet.generator.config.ConfigLoader;
import dev.espfleet.provisioning.CertificateAuthority;
import dev.espfleet.provisioning.KeyType;
import dev.espfleet.provisioning.ValidityPeriod;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "bench-perf", mixinStandardHelpOptions = true,
        description = {"Benchmark the bench: units/hour on 1, 2, 4, 8 simulated boards.",
            "A timed serial link; a firmware image plus the identity image per board. Prints figures;",
            "writes into a temporary folder."})
final class BenchPerfCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--config", defaultValue = "examples/env-sensor.yaml", paramLabel = "FILE",
            description = "Device config (default: ${DEFAULT-VALUE}).")
    Path config;

    @Option(names = "--ports", defaultValue = "1,2,4,8", split = ",", paramLabel = "N,...",
            description = "Port counts to measure (default: ${DEFAULT-VALUE}).")
    List<Integer> ports;

    @Option(names = {"-b", "--baud"}, defaultValue = "921600", paramLabel = "BAUD", description = "Default: ${DEFAULT-VALUE}.")
    int baud;

    @Option(names = "--firmware-kb", defaultValue = "1024", paramLabel = "KB",
            description = "Firmware image per board, KiB of random data (default: ${DEFAULT-VALUE}; 0: identity only).")
    int firmwareKb;

    @Option(names = "--turnaround-ms", defaultValue = "2", paramLabel = "MS",
            description = "Reply latency of the simulated link (USB-UART plus ROM; default: ${DEFAULT-VALUE}).")
    int turnaroundMs;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        var device = ConfigLoader.load(config);
        Path work = Files.createTempDirectory("espfleet-bench-perf");
        Path ca = work.resolve("ca");
        CertificateAuthority.createRoot("bench-perf CA", Optional.empty(), KeyType.EC_P256,
                ValidityPeriod.days(Instant.now(), 30), new SecureRandom()).saveNew(ca);
        BenchJob job = BenchSetup.job(device, ca, Optional.of(ca.resolve("ca.pem")), Optional.empty(),
                work.resolve("units"), ThingNamePattern.defaultPattern(), Optional.empty(), Optional.empty(), baud,
                "bench-perf");
        out.printf("bench-perf: %s, %d KiB firmware + 0x%x identity per board, %d baud, %d ms turnaround, %d cores%n",
                config, firmwareKb, job.identitySize(), baud, turnaroundMs, Runtime.getRuntime().availableProcessors());
        out.flush();
        BenchThroughput.measure(job, firmwareKb * 1024, baud, Duration.ofMillis(turnaroundMs), ports, work, line -> {
            out.println(line);
            out.flush();
        });
        return 0;
    }
}
