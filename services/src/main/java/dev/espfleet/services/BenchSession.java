package dev.espfleet.services;

import dev.espfleet.bench.AuditLog;
import dev.espfleet.bench.BenchJob;
import dev.espfleet.bench.BenchPort;
import dev.espfleet.bench.BenchRunner;
import dev.espfleet.bench.IdentityLedger;
import dev.espfleet.bench.UnitRegistration;
import dev.espfleet.bench.UnitResult;
import java.util.Optional;
import dev.espfleet.common.AtomicFiles;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
    private final CountDownLatch finished = new CountDownLatch(1);
    private volatile BenchRunner runner;
    private Optional<UnitRegistration> registration = Optional.empty();
    private volatile boolean stopRequested;
    private volatile BenchEvents events = new BenchEvents() {
    };

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
                 boolean noWifi) {
        this.job = job;
        this.ports = ports;
        this.boardsPerPort = boardsPerPort;
        this.ledgerUrl = ledgerUrl;
        this.units = units;
        this.firmware = firmware;
        this.noWifi = noWifi;
    }

    /**
     * Registers each unit with {@code registration} (AWS IoT) once its flash is verified and recorded; a unit whose
     * registration fails is left pending in the ledger. The session closes it when the run ends.
     */
    public void registerWith(UnitRegistration registration) {
        this.registration = Optional.of(registration);
    }

    /** What each board gets: the thing name pattern, identity layout and images, firmware. */
    public BenchJob job() {
        return job;
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
            try (UnitRegistration cloud = registration.orElse(NO_REGISTRATION);
                 IdentityLedger ledger = IdentityLedger.open(ledgerUrl);
                 AuditLog audit = new AuditLog(units.resolve("audit.jsonl"))) {
                BenchRunner r = new BenchRunner(job, ledger, audit, listener,
                        registration.isPresent() ? Optional.of(cloud) : Optional.empty());
                runner = r;
                if (stopRequested) {
                    r.stop();
                }
                listener.started(ports.size(), ledger.describe(), units, firmware);
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
