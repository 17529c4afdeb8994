package dev.espfleet.services;

import dev.espfleet.bench.AuditLog;
import dev.espfleet.bench.BenchJob;
import dev.espfleet.bench.BenchPort;
import dev.espfleet.bench.BenchRunner;
import dev.espfleet.bench.IdentityLedger;
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
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

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
    private volatile boolean stopRequested;
    private volatile BenchEvents events = new BenchEvents() {
    };

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
            try (IdentityLedger ledger = IdentityLedger.open(ledgerUrl);
                 AuditLog audit = new AuditLog(units.resolve("audit.jsonl"))) {
                BenchRunner r = new BenchRunner(work, ledger, audit, listener);
                runner = r;
                if (stopRequested) {
                    r.stop();
                }
                listener.started(ports.size(), ledger.describe(), units, firmware);
                listener.endOfLine(work.endOfLine(), work.endpoint().toString());
                List<UnitResult> results = r.run(ports, boardsPerPort);
                listener.benchFinished(results);
                return new BenchOutcome(results);
            }
        } finally {
            finished.countDown();
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
