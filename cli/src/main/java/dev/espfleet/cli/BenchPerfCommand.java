package dev.espfleet.cli;

import dev.espfleet.services.BenchService;
import dev.espfleet.services.DeviceProfile;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "bench-perf", mixinStandardHelpOptions = true,
        description = {"Benchmark the bench: units/hour on 1, 2, 4, 8 simulated boards.",
            "A timed serial link; a firmware image plus the identity image per board. Prints figures;",
            "writes into a temporary folder."})
final class BenchPerfCommand extends BaseCommand {
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
    int doCall() {
        PrintWriter out = out();
        DeviceProfile profile = DeviceProfile.load(config);
        out.printf("bench-perf: %s, %d KiB firmware + 0x%x identity per board, %d baud, %d ms turnaround, %d cores%n",
                config, firmwareKb, profile.identityPartition().size(), baud, turnaroundMs,
                Runtime.getRuntime().availableProcessors());
        out.flush();
        new BenchService().measureThroughput(profile, firmwareKb * 1024, baud, Duration.ofMillis(turnaroundMs), ports,
                line -> {
                    out.println(line);
                    out.flush();
                });
        return 0;
    }
}
