package dev.espfleet.services;

import dev.espfleet.bench.AuditLog;
import dev.espfleet.bench.BenchJob;
import dev.espfleet.bench.BenchPort;
import dev.espfleet.bench.BenchRunner;
import dev.espfleet.bench.IdentityLedger;
import dev.espfleet.bench.UnitRegistration;
import dev.espfleet.bench.UnitResult;
import dev.espfleet.bench.eol.EndOfLinePlan;
import dev.espfleet.common.AtomicFiles;
import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.flasher.flash.FlashPlan;
import dev.espfleet.flasher.image.FlashRegion;
import dev.espfleet.nvs.PartitionTable;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** A bench {@link BenchService#prepare prepared}: run once, stopped from another thread if need be. */
public final class BenchSession {
    /**
     * How long a stop lets the boards in flight finish before their ports are closed: enough for an identity
     * image, and short enough for a service manager's stop (systemd waits 90 s, docker 10 s) or an operator;
     * a board cut off is not recorded as done and a rerun redoes it.
     */
    public static final Duration STOP_GRACE = Duration.ofSeconds(10);
    /** After the ports are closed: time for their threads to record the failures and the summary to be shown. */
    public static final Duration ABORT_GRACE = Duration.ofSeconds(5);

    private final BenchJob job;
    private final List<BenchPort> ports;
    private final int boardsPerPort;
    private final String ledgerUrl;
    private final Path units;
    private final boolean firmware;
    private final boolean noWifi;
    private final Optional<SimulatedBuild> simulatedBuild;
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile BenchRunner runner;
    private Optional<UnitRegistration> registration = Optional.empty();
    private volatile boolean stopRequested;
    private volatile BenchEvents events = new BenchEvents() {
    };
    /** Operator actions and the end of the run take turns: an action is taken and audited while the run lasts. */
    private final Object actions = new Object();
    private AuditLog openAudit;
    private boolean started;
    private volatile boolean holdFailed;

    /**
     * The simulated firmware the simulated ports boot, built when the run starts (it writes its cache), then
     * checked as a build is: its partition table puts the partitions the bench writes where the config does.
     *
     * @param written    the partitions the bench writes (identity, and the Wi-Fi image's)
     * @param wifiRegion the Wi-Fi image written with the firmware, if any
     */
    record SimulatedBuild(SimulatedFirmware firmware, DeviceProfile profile, Path cache,
                          List<FlashLayout.Partition> written, Optional<FlashRegion> wifiRegion) {
        /** The job with the simulated firmware as what is written, and the version its units must report. */
        BenchJob applyTo(BenchJob job) {
            SimulatedFirmware.Build build = firmware.build(profile.config(), cache);
            String source = "the simulated firmware (" + cache + ")";
            FlashRegion table = build.regions().stream().filter(r -> r.offset() == PartitionTable.DEFAULT_OFFSET)
                    .findFirst().orElseThrow(() -> new EspfleetException(ExitStatus.INTERNAL, source + " has no "
                            + "partition table at 0x" + Integer.toHexString(PartitionTable.DEFAULT_OFFSET)));
            profile.flashLayout().requireMatchedBy(PartitionTable.fromBinary(table.data()), source, written);
            FlashPlan plan = FlashPlan.of(build.regions());
            if (wifiRegion.isPresent()) {
                plan = plan.plus(wifiRegion.get());
            }
            EndOfLinePlan eol = job.endOfLine();
            return job.withFirmware(plan, new EndOfLinePlan(eol.mode(), build.version(), eol.reportTimeout(),
                    eol.connectTimeout(), eol.queryInterval()));
        }
    }

    /** Stands for no registration in the try-with-resources above; never called. */
    private static final UnitRegistration NO_REGISTRATION = new UnitRegistration() {
        @Override
        public String describe() {
            return "nothing";
        }

        @Override
        public Registered register(dev.espfleet.model.ThingName thing, java.security.cert.X509Certificate certificate) {
            throw new IllegalStateException("no registration");
        }
    };

    BenchSession(BenchJob job, List<BenchPort> ports, int boardsPerPort, String ledgerUrl, Path units, boolean firmware,
                 boolean noWifi, Optional<SimulatedBuild> simulatedBuild) {
        this.job = job;
        this.ports = ports;
        this.boardsPerPort = boardsPerPort;
        this.ledgerUrl = ledgerUrl;
        this.units = units;
        this.firmware = firmware;
        this.noWifi = noWifi;
        this.simulatedBuild = simulatedBuild;
    }

    /** The same session on other ports (tests: boards that stand in for the device side). */
    BenchSession withPorts(List<BenchPort> other) {
        return new BenchSession(job, other, boardsPerPort, ledgerUrl, units, firmware, noWifi, simulatedBuild);
    }

    /**
     * What each board gets: the thing name pattern, identity layout and images, firmware, end-of-line test (for
     * simulated ports with simulated firmware: its images and version once the run has built it).
     */

    /**
     * Registers each unit with {@code registration} (AWS IoT) once its flash is verified and recorded; a unit whose
     * registration fails is left pending in the ledger. The session closes it when the run ends.
     */
    public void registerWith(UnitRegistration registration) {
        this.registration = Optional.of(registration);
    }

    public BenchJob job() {
        return job;
    }

    /** Whether the run builds the simulated firmware first (simulated ports, no {@code --build}). */
    public boolean buildsSimulatedFirmware() {
        return simulatedBuild.isPresent();
    }

    public List<BenchPort> ports() {
        return ports;
    }

    /**
     * Serves the boards until each port is done or {@link #stop} is called; {@code events} hears everything,
     * {@link BenchEvents#benchFinished} last. A board that failed does not fail the run here: see
     * {@link BenchOutcome#requireAllDone}.
     */
    public BenchOutcome run(BenchEvents listener) {
        this.events = listener;
        try {
            if (noWifi) {
                listener.noWifiCredentials();
            }
            AtomicFiles.createPrivateDirectories(units);
            BenchJob work = job;
            if (simulatedBuild.isPresent()) {
                listener.buildingSimulatedFirmware(simulatedBuild.get().cache());
                work = simulatedBuild.get().applyTo(job);
            }
            try (UnitRegistration cloud = registration.orElse(NO_REGISTRATION);
                 IdentityLedger ledger = IdentityLedger.open(ledgerUrl);
                 AuditLog audit = new AuditLog(units.resolve("audit.jsonl"))) {
                audit.observe(listener::audited);
                BenchRunner r = new BenchRunner(work, ledger, audit, listener,
                        registration.isPresent() ? Optional.of(cloud) : Optional.empty());
                if (holdFailed) {
                    r.holdFailedBoards();
                }
                synchronized (actions) {
                    runner = r;
                    openAudit = audit;
                    started = true;
                }
                if (stopRequested) {
                    r.stop();
                }
                List<UnitResult> results;
                try {
                    listener.started(ports.size(), ledger.describe(), units, firmware);
                    listener.endOfLine(work.endOfLine(), work.endpoint().toString());
                    results = r.run(ports, boardsPerPort);
                } finally {
                    synchronized (actions) {
                        openAudit = null;
                    }
                }
                listener.benchFinished(results);
                return new BenchOutcome(results);
            }
        } finally {
            finished.countDown();
        }
    }

    /**
     * Before {@link #run}: a board that fails holds its port until an operator retries it (a front end that offers
     * {@link #retry}), instead of ending a simulated port or being tried again at once on a serial port; the run
     * then lasts until those boards pass or the bench is stopped.
     */
    public void holdFailedBoardsForRetry() {
        holdFailed = true;
    }

    /** The port takes no new board until resumed; a board in flight finishes. Audited as {@code operator-pause}. */
    public void pause(String port, Operator by) {
        act("pause", Optional.of(port), by, r -> r.pause(port));
    }

    /** Audited as {@code operator-resume}. */
    public void resume(String port, Operator by) {
        act("resume", Optional.of(port), by, r -> r.resume(port));
    }

    /**
     * The port serves its failed board again (once resumed, if paused); only while the board is held for it
     * ({@link #holdFailedBoardsForRetry}). Audited as {@code operator-retry}.
     */
    public void retry(String port, Operator by) {
        act("retry", Optional.of(port), by, r -> r.retry(port));
    }

    /**
     * No new board is taken; the boards in flight finish (however long they take, unlike {@link #stop}), then the
     * run ends. Audited as {@code operator-stop}.
     */
    public void stopAfterInFlight(Operator by) {
        act("stop", Optional.empty(), by, r -> {
            stopRequested = true;
            r.stop();
        });
    }

    /** An action of an operator: refused (bad input) unless the run lasts; taken, then audited and told. */
    private void act(String action, Optional<String> port, Operator by, Consumer<BenchRunner> take) {
        synchronized (actions) {
            if (openAudit == null) {
                throw EspfleetException.badInput(started ? "the bench has ended: it takes no more actions"
                        : "the bench has not started yet: try again in a moment");
            }
            if (stopRequested) {
                throw EspfleetException.badInput("the bench is stopping: it takes no new board");
            }
            take.accept(runner);
            Map<String, Object> fields = new LinkedHashMap<>();
            fields.put("station", job.station());
            port.ifPresent(p -> fields.put("port", p));
            fields.put("operator", by.name());
            fields.put("from", by.where());
            openAudit.append("operator-" + action, fields);
            events.operatorAction(action, port, by);
        }
    }

    /**
     * Stops the run (Ctrl-C, a stop button): no new board is taken, the boards in flight get {@link #STOP_GRACE}
     * to finish, then their ports are closed and they fail. Returns when the run has ended, or after the
     * graces.
     */
    public void stop() {
        stopRequested = true;
        BenchEvents listener = events;
        listener.stopping(STOP_GRACE);
        BenchRunner r = runner;
        if (r != null) {
            r.stop();
        }
        try {
            if (!finished.await(STOP_GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
                listener.closingPorts();
                r = runner;
                if (r != null) {
                    r.abort();
                }
                finished.await(ABORT_GRACE.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
