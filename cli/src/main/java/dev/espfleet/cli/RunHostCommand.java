package dev.espfleet.cli;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.flasher.sim.FlashFileBoot;
import dev.espfleet.flasher.targets.ChipSpec;
import dev.espfleet.generator.config.ConfigLoader;
import dev.espfleet.generator.config.DeviceConfig;
import dev.espfleet.host.HostFlashFile;
import dev.espfleet.host.HostRun;
import dev.espfleet.nvs.PartitionTable;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
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
            "Its console (ESP_LOG lines and console-report frames) is stdout, its input stdin; Ctrl-C stops it.",
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

    @Option(names = "--flash-file", paramLabel = "FILE",
            description = {"Run on a whole flash file, as a bench writes a chip: bootloader, partition table, otadata, "
                    + "the app in its first slot and the unit's identity; created (mode 0600) when missing, reused as it "
                    + "is when present. OTA jobs then have their slots: at each start, and after each esp_restart(), "
                    + "the simulated bootloader picks the slot otadata selects (with app rollback when jobs are on)."})
    Path flashFile;

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
        PrintWriter err = spec.commandLine().getErr();
        Shutdown shutdown = new Shutdown(work, workDir == null, err);
        Runtime.getRuntime().addShutdownHook(shutdown);
        try {
            if (flashFile != null) {
                return runOnFlashFile(work, shutdown, err);
            }
            HostRun run = HostRun.prepare(config, unit, work, sanitize);
            err.printf("running %s %s (unit %s) from %s%s; Ctrl-C stops it%n", run.config().product().name(),
                    run.config().product().firmwareVersion(), unit, run.app(),
                    broker != null ? " against " + broker : "");
            err.flush();
            Optional<Process> app = shutdown.start(new ProcessBuilder(run.command(Optional.ofNullable(broker)))
                    .inheritIO());
            if (app.isEmpty()) {
                return SIGTERM_STATUS; // stopped before the app started; the JVM exits with the signal's status
            }
            int status = app.get().waitFor();
            if (shutdown.started() || status == SIGINT_STATUS || status == SIGTERM_STATUS) {
                return status; // Ctrl-C or SIGTERM: stopped as asked, nothing to report
            }
            if (status != 0) {
                throw new EspfleetException(ExitStatus.JOB_FAILED, "the firmware stopped with exit status " + status
                        + " (its log is above)");
            }
            return 0;
        } catch (EspfleetException e) {
            if (shutdown.started()) {
                return SIGTERM_STATUS; // the build or the app was cut off by the stop; not a failure to report
            }
            throw e;
        } finally {
            if (!shutdown.started()) {
                try {
                    Runtime.getRuntime().removeShutdownHook(shutdown);
                } catch (IllegalStateException shuttingDown) {
                    // a signal came in just now: the hook cleans up
                }
                shutdown.cleanUp();
            }
        }
    }

    /** The runtime's exit status for esp_restart() (host/runtime/runtime.h, ESPFLEET_RESTART_EXIT_CODE). */
    static final int RESTART_EXIT_CODE = 100;

    private Integer runOnFlashFile(Path work, Shutdown shutdown, PrintWriter err) throws IOException, InterruptedException {
        if (sanitize) {
            throw EspfleetException.badInput("--sanitize does not go with --flash-file (the flash file's app is the "
                    + "bench's build)");
        }
        DeviceConfig cfg = ConfigLoader.load(config);
        if (Files.exists(flashFile)) {
            err.printf("run-host: using the flash file %s as it is (its identity, slots and otadata)%n", flashFile);
        } else {
            HostFlashFile.write(cfg, HostFlashFile.regions(cfg, unit, work), flashFile);
            err.printf("run-host: wrote %s (firmware %s and the identity of %s)%n", flashFile,
                    cfg.product().firmwareVersion(), unit);
        }
        PrintWriter out = spec.commandLine().getOut();
        while (true) {
            FlashFileBoot.App boot = FlashFileBoot.boot(flashFile, cfg.flashSize().bytes(), ChipSpec.of(cfg.target()),
                    cfg.jobs().enabled());
            out.print(boot.console().replace("\r\n", "\n"));
            out.flush();
            Path exe = work.resolve("app-" + boot.partition().replaceAll("[^A-Za-z0-9_.-]", "_"));
            Files.deleteIfExists(exe);
            Files.write(exe, boot.elf());
            Files.setPosixFilePermissions(exe, PosixFilePermissions.fromString("rwx------"));
            List<String> command = new ArrayList<>(List.of(exe.toString(), "--flash", flashFile.toString(),
                    "--partition-table-offset", String.format("0x%x", PartitionTable.DEFAULT_OFFSET),
                    "--app-partition", boot.partition()));
            if (broker != null) {
                command.addAll(List.of("--broker", broker));
            }
            err.printf("running %s %s from partition %s of %s%s; Ctrl-C stops it%n", cfg.product().name(),
                    boot.version(), boot.partition(), flashFile, broker != null ? " against " + broker : "");
            err.flush();
            Optional<Process> app = shutdown.start(new ProcessBuilder(command).inheritIO());
            if (app.isEmpty()) {
                return SIGTERM_STATUS;
            }
            int status = app.get().waitFor();
            if (shutdown.started() || status == SIGINT_STATUS || status == SIGTERM_STATUS) {
                return status;
            }
            if (status == RESTART_EXIT_CODE) {
                err.println("run-host: esp_restart(): booting the flash file again");
                continue;
            }
            if (status != 0) {
                throw new EspfleetException(ExitStatus.JOB_FAILED, "the firmware stopped with exit status " + status
                        + " (its log is above)");
            }
            return 0;
        }
    }

    /** Exit statuses of a process ended by SIGINT (Ctrl-C) and SIGTERM, as the shell reports them. */
    static final int SIGINT_STATUS = 130;
    static final int SIGTERM_STATUS = 143;

    /**
     * What Ctrl-C or SIGTERM does: stop the app (and a build in progress), then remove the temporary work
     * folder, in that order, saying so in one line. The JVM then exits 130 or 143.
     */
    private static final class Shutdown extends Thread {
        private static final java.time.Duration APP_STOP = java.time.Duration.ofSeconds(5);
        private final Path work;
        private final boolean temporary;
        private final PrintWriter err;
        private Process app;
        private boolean started;

        Shutdown(Path work, boolean temporary, PrintWriter err) {
            super("run-host shutdown");
            this.work = work;
            this.temporary = temporary;
            this.err = err;
        }

        /** Starts the app unless the stop came first. */
        synchronized Optional<Process> start(ProcessBuilder builder) throws IOException {
            if (started) {
                return Optional.empty();
            }
            app = builder.start();
            return Optional.of(app);
        }

        synchronized boolean started() {
            return started;
        }

        @Override
        public void run() {
            synchronized (this) {
                started = true;
            }
            err.println("run-host: stopping" + (app != null ? " the firmware" : " the build")
                    + (temporary ? " and removing " + work : ""));
            err.flush();
            // the app, or gcc while building: every process this one started
            List<ProcessHandle> children = ProcessHandle.current().descendants().toList();
            children.forEach(ProcessHandle::destroy);
            for (ProcessHandle child : children) {
                try {
                    child.onExit().get(APP_STOP.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
                } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
                    child.destroyForcibly();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            cleanUp();
        }

        void cleanUp() {
            if (temporary) {
                deleteRecursively(work);
            }
        }
    }

    private static void deleteRecursively(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException ignored) {
            // best effort at exit
        }
    }
}
