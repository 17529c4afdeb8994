package dev.espfleet.cli;

import dev.espfleet.bench.AuditLog;
import dev.espfleet.bench.BenchRunner;
import dev.espfleet.bench.IdentityLedger;
import dev.espfleet.bench.ThingNamePattern;
import dev.espfleet.bench.UnitResult;
import dev.espfleet.common.AtomicFiles;
import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.flasher.connection.ConnectOptions;
import dev.espfleet.generator.config.ConfigLoader;
import dev.espfleet.generator.config.DeviceConfig;
import dev.espfleet.model.AwsEndpoint;
import dev.espfleet.provisioning.WifiCredentials;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Provision and flash boards on many ports at once.",
            "Identity from the ledger (a known MAC gets its identity back), key and certificate from the",
            "local CA, identity NVS image and firmware written and MD5-verified, then the unit recorded as done."})
final class BenchCommand implements Callable<Integer> {
    /**
     * How long Ctrl-C or SIGTERM lets the boards in flight finish before their ports are closed: enough for
     * an identity image, and short enough for a service manager's stop (systemd waits 90 s, docker 10 s)
     * or an operator; a board cut off is not recorded as done and a rerun redoes it.
     */
    static final java.time.Duration STOP_GRACE = java.time.Duration.ofSeconds(10);
    /** After the ports are closed: time for their threads to record the failures and the summary to print. */
    static final java.time.Duration ABORT_GRACE = java.time.Duration.ofSeconds(5);

    @Spec
    CommandSpec spec;

    @Option(names = "--config", required = true, paramLabel = "FILE", description = "Device config (YAML).")
    Path config;

    @Option(names = "--ca", required = true, paramLabel = "DIR", description = "Local CA made by 'espfleet ca init'.")
    Path ca;

    @Option(names = "--ports", required = true, paramLabel = "PORTS",
            description = "Comma-separated serial ports, 'auto' (USB ports of ESP32 boards), or sim:N simulated ESP32s.")
    String ports;

    @Option(names = "--build", paramLabel = "DIR",
            description = "ESP-IDF project or build dir: its flasher_args.json images are flashed too.")
    Path build;

    @Option(names = "--units", defaultValue = "units", paramLabel = "DIR",
            description = "Where unit folders, the audit log and the default ledger go (default: ${DEFAULT-VALUE}).")
    Path units;

    @Option(names = "--ledger", paramLabel = "URL",
            description = "jdbc:sqlite:FILE (default: <units>/ledger.db) or jdbc:postgresql://HOST/DB to share one "
                    + "ledger between stations.")
    String ledger;

    @Option(names = "--name-pattern", defaultValue = "{product}-{mac}", paramLabel = "PATTERN",
            description = "Thing name of a new board: {product}, {mac}, {seq}, {seq:04} (default: ${DEFAULT-VALUE}).")
    String namePattern;

    @Option(names = "--server-ca", paramLabel = "FILE",
            description = "CA of the MQTT broker (default: Amazon Root CA 1 from the system trust store).")
    Path serverCa;

    @Option(names = "--endpoint", paramLabel = "HOST", description = "Overrides aws.endpoint (a test broker).")
    String endpoint;

    @Option(names = "--wifi-ssid", paramLabel = "SSID", description = "Wi-Fi network written beside the identity.")
    String wifiSsid;

    @Option(names = "--wifi-password", paramLabel = "PASSWORD", defaultValue = "${env:ESPFLEET_WIFI_PASSWORD}",
            description = "Wi-Fi password (default: $ESPFLEET_WIFI_PASSWORD).")
    String wifiPassword;

    @Option(names = {"-b", "--baud"}, defaultValue = "460800", paramLabel = "BAUD",
            description = "Baud rate after sync (default: ${DEFAULT-VALUE}).")
    int baud;

    @Option(names = "--boards-per-port", defaultValue = "0", paramLabel = "N",
            description = "Boards a serial port serves before the bench ends; 0 (default): until Ctrl-C, waiting "
                    + "for the next board after each. A simulated port serves one.")
    int boardsPerPort;

    @Option(names = "--sim-first", hidden = true, defaultValue = "1", paramLabel = "N",
            description = "Number of the first simulated board (so two benches simulate different boards).")
    int simFirst;

    @Option(names = "--sim-link-ms", hidden = true, defaultValue = "0", paramLabel = "MS",
            description = "Simulate a real serial link: bytes take their time at the baud rate, replies MS ms.")
    int simLinkMs;

    @Option(names = "--station", paramLabel = "NAME", description = "Name of this station in the ledger (default: host name).")
    String station;

    @Override
    public Integer call() {
        // options first: nothing is read, opened or written for a bench that cannot run
        ConnectOptions.requireBaud(baud, "--baud");
        if (boardsPerPort < 0) {
            throw EspfleetException.badInput("--boards-per-port must be 0 (serve boards until Ctrl-C) or more, got "
                    + boardsPerPort);
        }
        DeviceConfig device = ConfigLoader.load(config);
        Optional<WifiCredentials> wifi = Optional.ofNullable(wifiSsid)
                .map(ssid -> ProvisioningFromConfig.wifi(device, ssid, wifiPassword));
        return run(spec.commandLine().getOut(), device, ca, Optional.ofNullable(serverCa), Optional.ofNullable(build),
                units, Optional.ofNullable(ledger), new ThingNamePattern(namePattern),
                Optional.ofNullable(endpoint).map(e -> AwsEndpoint.of(e.strip())),
                wifi, BenchSetup.ports(ports, baud, simFirst, simLinkMs > 0
                        ? dev.espfleet.flasher.sim.LinkTiming.timed(java.time.Duration.ofMillis(simLinkMs))
                        : dev.espfleet.flasher.sim.LinkTiming.UNTIMED), baud, boardsPerPort,
                station != null ? station : BenchSetup.station());
    }

    /** Runs a bench and prints its summary; shared with 'espfleet demo'. */
    static int run(java.io.PrintWriter out, DeviceConfig device, Path ca, Optional<Path> serverCa, Optional<Path> build,
                   Path units, Optional<String> ledgerUrl, ThingNamePattern pattern, Optional<AwsEndpoint> endpoint,
                   Optional<WifiCredentials> wifi, List<dev.espfleet.bench.BenchPort> ports, int baud,
                   int boardsPerPort, String station) {
        // Everything that can be checked without a port or the ledger is, before anything is written.
        pattern.requireValidNames(device.product().name());
        BenchSetup.requireUnitsFolder(units);
        String url = ledgerUrl.orElse("jdbc:sqlite:" + units.resolve("ledger.db"));
        if (ledgerUrl.isPresent()) {
            IdentityLedger.requireUsableUrl(url);
        }
        var job = BenchSetup.job(device, ca, serverCa, build, units, pattern, endpoint, wifi, baud, station);
        if (wifi.isEmpty() && device.wifi().partition().equals(device.identity().partition())) {
            out.printf("warning: no --wifi-ssid: the identity images hold no Wi-Fi credentials, and the firmware "
                    + "halts without them%n");
        }
        AtomicFiles.createPrivateDirectories(units);
        BenchDisplay display = new BenchDisplay(out, BenchDisplay.terminal());
        try (IdentityLedger ledger = IdentityLedger.open(url);
             AuditLog audit = new AuditLog(units.resolve("audit.jsonl"))) {
            BenchRunner runner = new BenchRunner(job, ledger, audit, display);
            // Ctrl-C: take no new board, let the boards in flight finish (or fail) and the summary print.
            java.util.concurrent.CountDownLatch finished = new java.util.concurrent.CountDownLatch(1);
            Thread hook = new Thread(() -> {
                out.printf("stopping: no new board; the boards in flight get %d s to finish, then their ports are "
                        + "closed (a board cut off is not recorded as done; run the bench again for it)%n",
                        STOP_GRACE.toSeconds());
                out.flush();
                runner.stop();
                try {
                    if (!finished.await(STOP_GRACE.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                        out.println("stopping: closing the ports of the boards still in flight");
                        out.flush();
                        runner.abort();
                        finished.await(ABORT_GRACE.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "bench-stop");
            Runtime.getRuntime().addShutdownHook(hook);
            out.printf("bench: %d port(s), ledger %s, units in %s%s%n", ports.size(), ledger.describe(), units,
                    job.firmware().isEmpty() ? ", identity only (no --build)" : ", firmware + identity");
            out.flush();
            List<UnitResult> results;
            try {
                results = runner.run(ports, boardsPerPort);
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // Ctrl-C: the hook is already running
                }
            }
            display.summary(results);
            finished.countDown();
            long failed = results.stream().filter(r -> !r.done()).count();
            if (failed > 0) {
                throw new EspfleetException(ExitStatus.JOB_FAILED, failed + " of " + results.size()
                        + " units failed; their boards are not recorded as done",
                        "fix the cause shown above and run the bench again: done units are kept, failed ones redone");
            }
            return 0;
        }
    }
}
