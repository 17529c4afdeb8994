package dev.espfleet.cli;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.host.HostRun;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "run-host", mixinStandardHelpOptions = true,
        description = {"Run a device's firmware on this machine: generate the config, build the app for Linux "
                + "with the host runtime (real MQTT over TLS, NVS from the unit's image) and start it.",
            "Its console (ESP_LOG lines) streams to stderr; Ctrl-C stops it.",
            "Needs gcc, libmosquitto-dev, libssl-dev and libcjson-dev."})
final class RunHostCommand implements Callable<Integer> {
    private static final Pattern BROKER = Pattern.compile("mqtts?://[^:/\\s]+(:\\d{1,5})?/?");

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "CONFIG", description = "Device config (YAML).")
    Path config;

    @Option(names = "--unit", paramLabel = "DIR", required = true,
            description = "Unit folder written by espfleet provision (identity.bin, or identity.csv and its PEM files).")
    Path unit;

    @Option(names = "--broker", paramLabel = "URI",
            description = "mqtts://HOST:PORT to connect to instead of the AWS endpoint (the unit's server CA must "
                    + "be that broker's CA: provision --server-ca).")
    String broker;

    @Option(names = "--work-dir", paramLabel = "DIR",
            description = "Where to generate and build (default: a temporary folder).")
    Path workDir;

    @Option(names = "--sanitize", description = "Build with AddressSanitizer and UndefinedBehaviorSanitizer; "
            + "the first finding stops the app with a report.")
    boolean sanitize;

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (broker != null && !BROKER.matcher(broker).matches()) {
            throw EspfleetException.badInput("--broker '" + broker + "' is not mqtt[s]://HOST[:PORT]");
        }
        if (!Files.isDirectory(unit)) {
            throw new EspfleetException(ExitStatus.BAD_INPUT, "unit folder " + unit + " does not exist",
                    "provision it first: espfleet provision --config " + config + " --thing THING --out " + unit);
        }
        // a temporary work folder (0700) holds a copy of the identity, key included: removed at exit
        Path work = workDir != null ? workDir : Files.createTempDirectory("espfleet-run-host-");
        Thread cleanUp = new Thread(() -> {
            if (workDir == null) {
                deleteRecursively(work);
            }
        }, "remove run-host work folder");
        Runtime.getRuntime().addShutdownHook(cleanUp);
        HostRun run = HostRun.prepare(config, unit, work, sanitize);
        PrintWriter err = spec.commandLine().getErr();
        err.printf("running %s %s (unit %s) from %s%s; Ctrl-C stops it%n", run.config().product().name(),
                run.config().product().firmwareVersion(), unit, run.app(),
                broker != null ? " against " + broker : "");
        err.flush();
        Process app = new ProcessBuilder(run.command(Optional.ofNullable(broker))).inheritIO().start();
        Thread stopApp = new Thread(app::destroy, "stop host app");
        Runtime.getRuntime().addShutdownHook(stopApp);
        int status = app.waitFor();
        Runtime.getRuntime().removeShutdownHook(stopApp);
        if (status != 0) {
            throw new EspfleetException(ExitStatus.JOB_FAILED, "the firmware stopped with exit status " + status
                    + " (its log is above)");
        }
        return 0;
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException ignored) {
            // best effort at exit
        }
    }
}
