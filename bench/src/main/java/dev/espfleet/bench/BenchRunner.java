package dev.espfleet.bench;

import dev.espfleet.bench.eol.CertificateExchange;
import dev.espfleet.bench.eol.EndOfLineExpectation;
import dev.espfleet.bench.eol.EndOfLineFailure;
import dev.espfleet.bench.eol.EndOfLineMode;
import dev.espfleet.bench.eol.EndOfLineResult;
import dev.espfleet.bench.eol.EndOfLineTest;
import dev.espfleet.common.AtomicFiles;
import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.flasher.connection.Transport;
import dev.espfleet.flasher.flash.FlashOptions;
import dev.espfleet.flasher.flash.FlashPlan;
import dev.espfleet.flasher.flash.FlashWriter;
import dev.espfleet.flasher.flash.ProgressListener;
import dev.espfleet.flasher.image.FlashRegion;
import dev.espfleet.flasher.loader.ChipInfo;
import dev.espfleet.flasher.loader.RomLoader;
import dev.espfleet.model.ThingName;
import dev.espfleet.provisioning.CertificateSource;
import dev.espfleet.provisioning.DeviceSubject;
import dev.espfleet.provisioning.Pem;
import dev.espfleet.provisioning.UnitBinding;
import dev.espfleet.provisioning.UnitLock;
import dev.espfleet.provisioning.UnitProvisioner;
import dev.espfleet.provisioning.UnitRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Provisions boards on many ports at once. Per board: connect, read chip and MAC, take the MAC's
 * identity from the ledger (an existing one on rework, else the next name), make or reuse key and
 * certificate, build the identity NVS image, write firmware and identity with an MD5 check of every
 * region, run the end-of-line test if the job has one (reset into the application, its console report
 * compared with the record), and only then mark the unit done. A failure on one port fails that unit only.
 */
public final class BenchRunner {
    private final BenchJob job;
    private final IdentityLedger ledger;
    private final AuditLog audit;
    private final BenchListener listener;
    private final Optional<UnitRegistration> registration;
    /** Ports whose unit in flight was flashed but its registration failed (it stays pending in the ledger). */
    private final Set<String> pendingRegistrations = ConcurrentHashMap.newKeySet();
    private final UnitProvisioner provisioner = new UnitProvisioner(new SecureRandom());
    private final AtomicBoolean stopping = new AtomicBoolean();
    private final AtomicBoolean aborting = new AtomicBoolean();
    /** The open port of each board in hand, for {@link #abort()}. */
    private final Map<String, Transport> inFlight = new java.util.concurrent.ConcurrentHashMap<>();
    /** The operator's hold on each port (pause, retry), made when {@link #run} starts. */
    private final Map<String, PortControl> controls = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile boolean holdFailed;
    /**
     * How long a board waits for its unit while another process or station has it: about the longest a
     * board takes (a 4 MB write at 115200 baud is 6 minutes). Stopping the bench ends the wait at once.
     */
    static final Duration UNIT_WAIT = Duration.ofMinutes(8);

    public BenchRunner(BenchJob job, IdentityLedger ledger, AuditLog audit, BenchListener listener) {
        this(job, ledger, audit, listener, Optional.empty());
    }

    /** A bench that registers each unit with {@code registration} once its flash is verified and recorded. */
    public BenchRunner(BenchJob job, IdentityLedger ledger, AuditLog audit, BenchListener listener,
                       Optional<UnitRegistration> registration) {
        this.job = job;
        this.ledger = ledger;
        this.audit = audit;
        this.listener = listener;
        this.registration = registration;
    }

    /** Asks every port to finish the board in hand and take no new one (Ctrl-C). */
    public void stop() {
        stopping.set(true);
        controls.values().forEach(PortControl::wake);
    }

    /**
     * Before {@link #run}: a board that fails holds its port for an operator (a front end with a retry button): a
     * port whose boards are served waits for a {@link #retry} or the stop, and a serial port serves the failed
     * board again only on a retry (another board it takes at once). Without it a failed board is tried again when
     * it answers next.
     */
    public void holdFailedBoards() {
        holdFailed = true;
    }

    /** The port takes no new board until {@link #resume}d; a board in flight finishes. */
    public void pause(String port) {
        control(port).pause();
    }

    public void resume(String port) {
        control(port).resume();
    }

    /** The port serves its failed board again (see {@link #holdFailedBoards}), after a pause if it is paused. */
    public void retry(String port) {
        control(port).retry();
    }

    private PortControl control(String port) {
        PortControl control = controls.get(port);
        if (control == null) {
            throw EspfleetException.badInput("no port '" + port + "' on this bench (ports: "
                    + String.join(", ", new java.util.TreeSet<>(controls.keySet())) + ")");
        }
        return control;
    }

    /**
     * Gives up the boards in flight (a second step after {@link #stop()}, when they take too long): their
     * ports are closed, so a write or a wait on them fails at once, and those boards are not recorded as
     * done.
     */
    public void abort() {
        stopping.set(true);
        aborting.set(true);
        inFlight.values().forEach(t -> {
            try {
                t.close();
            } catch (RuntimeException ignored) {
                // the port thread sees the failure either way
            }
        });
    }

    /**
     * Runs every port in its own thread until it has served {@code boardsPerPort} boards (simulated
     * ports: one each) or {@link #stop()} is called; returns every unit's result in port order. With
     * {@code boardsPerPort} 0 a serial port serves boards until stopped, waiting while it has none.
     */
    public List<UnitResult> run(List<BenchPort> ports, int boardsPerPort) {
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, ports.size()), r -> {
            Thread t = new Thread(r, "bench-port");
            t.setDaemon(true);
            return t;
        });
        for (BenchPort port : ports) {
            controls.put(port.name(), new PortControl(port.name(), listener, holdFailed));
        }
        controls.values().forEach(PortControl::announce);
        try {
            List<Future<List<UnitResult>>> futures = new ArrayList<>();
            for (BenchPort port : ports) {
                futures.add(pool.submit(() -> servePort(port, port.simulated() ? 1 : boardsPerPort)));

            }
            List<UnitResult> results = new ArrayList<>();
            for (Future<List<UnitResult>> f : futures) {
                try {
                    results.addAll(f.get());
                } catch (ExecutionException e) {
                    throw new EspfleetException(ExitStatus.INTERNAL,
                            "a bench port thread failed: " + e.getCause(), null, e.getCause());
                }
            }
            return results;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop();
            return List.of();
        } finally {
            pool.shutdown();
        }
    }

    private List<UnitResult> servePort(BenchPort port, int boards) {
        PortControl control = controls.get(port.name());
        boolean continuous = boards == 0;
        int quota = boards;
        List<UnitResult> results = new ArrayList<>();
        Optional<String> lastMac = Optional.empty();
        try {
            while (!stopping.get()) {
                if (!continuous && results.size() >= quota) {
                    if (!control.awaitRetry(stopping::get)) {
                        break;
                    }
                    quota++; // the failed board once more
                }
                if (control.takeRetry()) {
                    lastMac = Optional.empty();
                }
                if (!control.awaitResumed(stopping::get)) {
                    break;
                }
                UnitResult r = provisionOne(port, lastMac);
                if (r == null || continuous && !r.done() && r.mac().isEmpty()) {
                    // the board just done (or failed and held) is still on the port, or there is none yet
                    listener.state(port.name(), control.holdingFailed() ? "failed: retry the board, or swap it"
                            : "waiting for the next board");
                    sleep(Duration.ofSeconds(2));
                    continue;
                }
                if (r.done() || holdFailed) {
                    lastMac = r.mac(); // without a hold, a failed board is tried again when it answers next
                }
                results.add(r);
                listener.finished(r);
                control.finished(r);
            }
        } finally {
            control.end();
        }
        return results;
    }

    /** One board on one port; null when the board on the port is the one just done (not swapped yet). */
    UnitResult provisionOne(BenchPort port, Optional<String> previousMac) {
        Instant start = Instant.now();
        Optional<String> mac = Optional.empty();
        Optional<String> thing = Optional.empty();
        List<String> log = new ArrayList<>();
        try {
            listener.state(port.name(), "connecting");
            Transport transport = port.opener().get();
            inFlight.put(port.name(), transport);
            if (aborting.get()) {
                transport.close(); // aborted while opening: the close in abort() may have missed it
            }
            try (RomLoader loader = RomLoader.connect(transport, port.connectOptions(job.baud(), transport), log::add)) {
                ChipInfo chip = loader.chipInfo();
                mac = Optional.of(chip.mac().toString());
                if (mac.equals(previousMac)) {
                    return null;
                }
                UnitRecord unit = ledger.allocate(chip.mac(), job.product(), job.namePattern(), job.station());
                // The name comes from a ledger that other stations write too: a valid thing name, or no folder.
                Optional<String> badName = ThingName.problem(unit.thingName());
                if (badName.isPresent()) {
                    throw new EspfleetException(ExitStatus.JOB_FAILED, "ledger " + ledger.describe() + " gives board "
                            + unit.mac() + " an " + badName.get() + "; it is not used as a folder name",
                            "correct that ledger row; nothing was written for this board");
                }
                ThingName name = ThingName.of(unit.thingName());
                thing = Optional.of(name.value());
                listener.identified(port.name(), unit.mac(), name.value());
                audit.append("unit-allocated", fields(port, unit.mac(), name.value(),
                        Map.of("chip", chip.chip().toString(), "rework", unit.allocatedAt().isBefore(start))));
                Path unitDir = job.unitsDir().resolve(name.value());
                listener.state(port.name(), "locking " + name);
                // Held from provisioning to the ledger record: no other process or station touches this unit
                // meanwhile, so what is recorded is what was written.
                try (UnitLock lock = UnitLock.acquire(unitDir, "station " + job.station(), UNIT_WAIT, stopping::get);
                     IdentityLedger.Claim claim = ledger.claim(unit.mac(), job.station(), UNIT_WAIT, stopping::get)) {
                    return provisionAndFlash(port, transport, loader, unit, name, unitDir, start, mac, thing, log);
                }
            }
        } catch (EspfleetException e) {
            String reason = e.getMessage();
            pendingRegistrations.remove(port.name());
            audit.append("unit-failed", fields(port, mac.orElse(""), thing.orElse(""), Map.of("reason", reason)));
            Optional<EndOfLineResult> eol = e instanceof EndOfLineFailure f ? Optional.of(f.result()) : Optional.empty();
            UnitResult result = new UnitResult(port.name(), mac, thing, false, reason,
                    Duration.between(start, Instant.now()), 0, eol);
            thing.ifPresent(t -> writeUnitLog(job.unitsDir().resolve(t), result, log));
            return result;
        } finally {
            inFlight.remove(port.name());
        }
    }

    private UnitResult provisionAndFlash(BenchPort port, Transport transport, RomLoader loader, UnitRecord unit,
                                         ThingName name, Path unitDir, Instant start, Optional<String> mac,
                                         Optional<String> thing, List<String> log) {
        if (job.keysBornOnDevice()) {
            return provisionDeviceKeyAndFlash(port, transport, loader, unit, name, unitDir, start, mac, thing, log);
        }
        listener.state(port.name(), "provisioning " + name);
        // read again under the claim: another station may have recorded a certificate meanwhile
        Optional<String> recorded = findQuietly(unit.mac()).flatMap(UnitRecord::certificateFingerprint);
        UnitBinding.Board board = new UnitBinding.Board(unit.mac(), ledger.id(), unit.sequence(), job.station(),
                recorded);
        UnitProvisioner.Report report = provisioner.provision(new UnitRequest(unitDir,
                DeviceSubject.of(name, job.organization(), null), job.keyType(),
                Optional.of(job.endpoint()), certificateSource(), job.serverCa(), job.policy(), job.layout(),
                job.identitySize(), job.wifi(), false, Optional.of(board)), Instant.now());
        log.addAll(report.lines());
        // SHA-256 of the certificate's DER: AWS IoT's certificate id, and what the firmware reports it loaded
        String fingerprint = UnitProvisioner.awsCertificateId(report.certificate().orElseThrow());
        ledger.recordCertificate(unit.mac(), fingerprint);
        if (registration.isPresent()) {
            // before the flash is recorded: a unit recorded as done always has its registration to do
            ledger.markRegistrationPending(unit.mac(), "not registered yet");
        }

        byte[] image = report.identityImage().orElseThrow();
        String imageSha = UnitBinding.sha256(image);
        // the checks write-flash and flash make: the build's chip, every image's chip, the layout on this flash
        List<FlashRegion> regions = job.firmware().plus(new FlashRegion("identity (" + job.layout().partition() + ")",
                job.identityOffset(), image).asSecret()).checkedFor(loader, log::add);
        listener.state(port.name(), "flashing " + name);
        long total = regions.stream().mapToLong(r -> r.data().length).sum();
        List<FlashWriter.RegionResult> written = writeVerified(port, loader, regions, log);
        String verified = "verified " + written.size() + " region(s)";
        if (job.endOfLine().mode() == EndOfLineMode.NONE) {
            // Only now, with every region's MD5 confirmed by the chip, is the unit done.
            ledger.markDone(unit.mac(), fingerprint, imageSha);
            UnitBinding.recordFlashed(unitDir, imageSha, Instant.now());
            audit.append("unit-done", fields(port, unit.mac(), name.value(),
                    Map.of("certificate", fingerprint, "identity_sha256", imageSha, "bytes", total)));
            loader.finish();
            String registered = registerIfAsked(port, unit, name, report.certificate().orElseThrow(), log);
            return finish(unitDir, port, mac, thing, verified + registered, start, total, Optional.empty(), log);
        }
        // What the board holds is verified; the unit is done when it boots it and says so. It is registered first:
        // AWS IoT lets a unit connect only with a registered certificate.
        UnitBinding.recordFlashed(unitDir, imageSha, Instant.now());
        String registered = registerIfAsked(port, unit, name, report.certificate().orElseThrow(), log);
        return endOfLineThenDone(port, transport, loader, unit, name, unitDir, start, mac, thing, log, fingerprint,
                imageSha, total, verified + registered);
    }

    /** The end-of-line test; the unit is done (ledger, audit) only when it passes. */
    private UnitResult endOfLineThenDone(BenchPort port, Transport transport, RomLoader loader, UnitRecord unit,
                                         ThingName name, Path unitDir, Instant start, Optional<String> mac,
                                         Optional<String> thing, List<String> log, String fingerprint,
                                         String imageSha, long total, String verified) {
        EndOfLineResult eol = endOfLine(port, transport, loader, unit, name, fingerprint, log);
        Instant at = Instant.now();
        Map<String, Object> eolFields = new LinkedHashMap<>();
        eolFields.put("result", eol.outcome().word());
        eolFields.put("mode", job.endOfLine().mode().cliName());
        eolFields.put("detail", eol.detail());
        eolFields.put("damaged_frames", eol.damagedFrames());
        eolFields.put("seconds", Math.round(eol.took().toMillis() / 100.0) / 10.0);
        eol.hello().ifPresent(h -> eolFields.put("fw", h.fw()));
        audit.append("unit-eol", fields(port, unit.mac(), name.value(), eolFields));
        if (!eol.passed()) {
            ledger.recordEndOfLine(unit.mac(), eol.record(at));
            throw new EndOfLineFailure(eol);
        }
        // Only now, with every region's MD5 confirmed and the unit's own report matching, is the unit done.
        ledger.markDone(unit.mac(), fingerprint, imageSha, eol.record(at));
        audit.append("unit-done", fields(port, unit.mac(), name.value(), Map.of("certificate", fingerprint,
                "identity_sha256", imageSha, "bytes", total, "eol", eol.outcome().word())));
        return finish(unitDir, port, mac, thing, verified + "; end-of-line: " + eol.detail(), start, total,
                Optional.of(eol), log);
    }

    /** The unit is done (recorded as such): its result, written to its log. */
    private UnitResult finish(Path unitDir, BenchPort port, Optional<String> mac, Optional<String> thing, String detail,
                              Instant start, long total, Optional<EndOfLineResult> eol, List<String> log) {
        UnitResult result = new UnitResult(port.name(), mac, thing, true, detail, Duration.between(start, Instant.now()),
                total, eol, pendingRegistrations.remove(port.name()));
        writeUnitLog(unitDir, result, log);
        return result;
    }

    /**
     * Registers the unit with the cloud when the bench was asked to: what the result says of it ("" when not
     * asked). A failure leaves the registration pending (noted for the port's result), never the board failed.
     */
    private String registerIfAsked(BenchPort port, UnitRecord unit, ThingName name, X509Certificate certificate,
                                   List<String> log) {
        if (registration.isEmpty()) {
            return "";
        }
        Optional<String> failure = register(port, unit, name, certificate, log);
        if (failure.isPresent()) {
            pendingRegistrations.add(port.name());
            return "; registration pending: " + failure.get();
        }
        return ", registered with " + registration.get().describe();
    }

    /**
     * identity.key_source device: the identity image without key or certificate (written once: on rework the
     * unit's partition holds the key it made), the firmware, then the unit booted to offer its certificate request,
     * which is certified (or the recorded certificate given again when it is for the same key) and sent back;
     * then the end-of-line test, as for any unit. No key ever reaches this machine.
     */
    private UnitResult provisionDeviceKeyAndFlash(BenchPort port, Transport transport, RomLoader loader,
                                                  UnitRecord unit, ThingName name, Path unitDir, Instant start,
                                                  Optional<String> mac, Optional<String> thing, List<String> log) {
        listener.state(port.name(), "preparing " + name + " (key made on the device)");
        Optional<String> recorded = findQuietly(unit.mac()).flatMap(UnitRecord::certificateFingerprint);
        UnitBinding.Board board = new UnitBinding.Board(unit.mac(), ledger.id(), unit.sequence(), job.station(),
                recorded);
        UnitRequest request = new UnitRequest(unitDir, DeviceSubject.of(name, job.organization(), null),
                job.keyType(), Optional.of(job.endpoint()), certificateSource(), job.serverCa(), job.policy(),
                job.layout(), job.identitySize(), job.wifi(), false, Optional.of(board));
        UnitProvisioner.DeviceKeyUnit prepared = provisioner.prepareForDeviceKey(request, Instant.now());
        log.addAll(prepared.report().lines());
        byte[] image = prepared.report().identityImage().orElseThrow();
        String identitySha = UnitBinding.read(unitDir).flatMap(UnitBinding::identitySha256)
                .filter(s -> prepared.identityOnBoard()).orElse(UnitBinding.sha256(image));
        String imageSha = identitySha;
        FlashPlan plan = prepared.identityOnBoard() ? job.firmware() : job.firmware().plus(new FlashRegion(
                "identity (" + job.layout().partition() + ", no key)", job.identityOffset(), image));
        if (prepared.identityOnBoard()) {
            log.add("identity (" + job.layout().partition() + "): left as it is: the unit keeps the key it made there");
        }
        List<FlashRegion> regions = plan.checkedFor(loader, log::add);
        listener.state(port.name(), "flashing " + name);
        long total = regions.stream().mapToLong(r -> r.data().length).sum();
        List<FlashWriter.RegionResult> written = writeVerified(port, loader, regions, log);
        // the unit boots, makes or reads its key, and asks for its certificate
        String[] fingerprint = new String[1];
        X509Certificate[] issued = new X509Certificate[1];
        java.util.function.Function<String, CertificateExchange.Certificate> certify = csrPem -> {
                    Path csrFile = unitDir.resolve(UnitProvisioner.CSR_FILE + " (from the unit)");
                    UnitProvisioner.Report certified = provisioner.certifyDeviceKey(request,
                            Pem.parseCsr(csrPem, csrFile), csrFile.toString(), Instant.now());
                    log.addAll(certified.lines());
                    X509Certificate cert = certified.certificate().orElseThrow();
                    fingerprint[0] = UnitProvisioner.awsCertificateId(cert);
                    issued[0] = cert;
                    ledger.recordCertificate(unit.mac(), fingerprint[0]);
                    // AWS IoT's CA chains to a root the unit does not need (the service knows its own issuer)
                    return new CertificateExchange.Certificate(Pem.encodeCertificate(cert),
                            request.certificateSource() instanceof CertificateSource.LocalCa
                                    ? Pem.encodeCertificates(job.ca().chain()) : "");
                };
        CertificateExchange exchange = new CertificateExchange(CERTIFICATE_DEADLINE, log::add,
                s -> listener.state(port.name(), s));
        try {
            exchange.run(transport, loader::finish, name.value(), certify);
        } catch (CertificateExchange.NoIdentity e) {
            if (!prepared.identityOnBoard()) {
                throw e;
            }
            // the board's identity partition was erased since it was written: write it again (a new key follows)
            log.add("the unit's identity partition is empty (erased since it was written): writing it again");
            listener.state(port.name(), "flashing " + name + " (identity)");
            // not closed: closing a loader closes the port, which the end-of-line test reads next
            RomLoader again = RomLoader.connect(transport, port.connectOptions(job.baud(), transport), log::add);
            List<FlashRegion> identity = FlashPlan.of(List.of(new FlashRegion("identity ("
                    + job.layout().partition() + ", no key)", job.identityOffset(), image))).checkedFor(again, log::add);
            writeVerified(port, again, identity, log);
            total += image.length;
            new CertificateExchange(CERTIFICATE_DEADLINE, log::add, s -> listener.state(port.name(), s))
                    .run(transport, again::finish, name.value(), certify);
            imageSha = UnitBinding.sha256(image);
        }
        UnitBinding.recordFlashed(unitDir, imageSha, Instant.now());
        String verified = "verified " + written.size() + " region(s); certificate stored by the unit";
        if (job.endOfLine().mode() == EndOfLineMode.NONE) {
            ledger.markDone(unit.mac(), fingerprint[0], imageSha);
            audit.append("unit-done", fields(port, unit.mac(), name.value(),
                    Map.of("certificate", fingerprint[0], "identity_sha256", imageSha, "bytes", total, "key", "device")));
            String registered = registerIfAsked(port, unit, name, issued[0], log);
            return finish(unitDir, port, mac, thing, verified + registered, start, total, Optional.empty(), log);
        }
        String registered = registerIfAsked(port, unit, name, issued[0], log);
        return endOfLineThenDone(port, transport, loader, unit, name, unitDir, start, mac, thing, log, fingerprint[0],
                imageSha, total, verified + registered);
    }

    /**
     * Who gives a unit without a certificate for its key one: the cloud it is registered with when that signs
     * ({@code --certificate-from aws}), else the local CA.
     */
    private CertificateSource certificateSource() {
        return registration.flatMap(UnitRegistration::certificateSigner).<CertificateSource>map(
                CertificateSource.Remote::new).orElseGet(() -> new CertificateSource.LocalCa(job.ca(), job.caLabel(),
                OptionalInt.empty()));
    }

    /** How long a unit has from its reset to offer its request and store its certificate (key generation included). */
    static final Duration CERTIFICATE_DEADLINE = Duration.ofSeconds(60);

    /** The unit reset into its application, its console report compared with what was just recorded. */
    private EndOfLineResult endOfLine(BenchPort port, Transport transport, RomLoader loader, UnitRecord unit,
                                      ThingName name, String fingerprint, List<String> log) {
        EndOfLineExpectation expected = new EndOfLineExpectation(name.value(), fingerprint, unit.mac(),
                job.endOfLine().firmwareVersion(), job.endpoint().toString());
        log.add("end-of-line (" + job.endOfLine().mode().cliName() + "): expecting thing " + expected.thing()
                + ", certificate " + expected.certSha256() + ", MAC " + expected.mac() + ", firmware "
                + expected.firmwareVersion() + ", endpoint " + expected.endpoint());
        return new EndOfLineTest(job.endOfLine(), expected, log::add, s -> listener.state(port.name(), s))
                .run(transport, loader::finish);
    }

    /**
     * The unit, flashed and recorded, registered with the cloud; on failure it stays pending in the ledger (the
     * board is done either way). Returns the failure, if any.
     */
    private Optional<String> register(BenchPort port, UnitRecord unit, ThingName name, X509Certificate certificate,
                                      List<String> log) {
        listener.state(port.name(), "registering " + name);
        try {
            UnitRegistration.Registered r = registration.orElseThrow().register(name, certificate);
            ledger.markRegistered(unit.mac(), r.thingArn(), r.certificateArn(), r.certificateId());
            audit.append("unit-registered", fields(port, unit.mac(), name.value(), Map.of("thing_arn", r.thingArn(),
                    "certificate_arn", r.certificateArn())));
            log.add("registered with " + registration.get().describe() + ": " + r.thingArn() + ", " + r.certificateArn());
            return Optional.empty();
        } catch (EspfleetException e) {
            String reason = e.getMessage();
            ledger.markRegistrationPending(unit.mac(), reason);
            audit.append("unit-registration-pending", fields(port, unit.mac(), name.value(), Map.of("reason", reason)));
            log.add("registration pending: " + reason);
            return Optional.of(reason);
        }
    }

    private Optional<UnitRecord> findQuietly(String mac) {
        try {
            return ledger.find(mac);
        } catch (java.sql.SQLException e) {
            throw new EspfleetException(ExitStatus.JOB_FAILED, "ledger " + ledger.describe() + ": cannot read the row of "
                    + mac + ": " + e.getMessage(), null, e);
        }
    }

    /** Writes {@code regions}, each checked by the chip's MD5, and logs each; what the writer did. */
    private List<FlashWriter.RegionResult> writeVerified(BenchPort port, RomLoader loader, List<FlashRegion> regions,
                                                         List<String> log) {
        List<FlashWriter.RegionResult> written = new FlashWriter(loader, FlashOptions.defaults(),
                progress(port, Instant.now())).write(regions);
        for (FlashWriter.RegionResult w : written) {
            log.add(w.region().name() + " at 0x" + Integer.toHexString(w.region().offset()) + ": verified, MD5 "
                    + w.md5() + (w.skipped() ? " (already there)" : ""));
        }
        return written;
    }

    /** Rate since the write began (connect and provisioning time left out). */
    private ProgressListener progress(BenchPort port, Instant start) {
        return new ProgressListener() {
            @Override
            public void bytesDone(long done, long total) {
                double seconds = Math.max(1e-3, Duration.between(start, Instant.now()).toNanos() / 1e9);
                listener.progress(port.name(), done, total, done / seconds);
            }
        };
    }

    private Map<String, Object> fields(BenchPort port, String mac, String thing, Map<String, ?> more) {
        Map<String, Object> m = new LinkedHashMap<>(more);
        m.put("station", job.station());
        m.put("port", port.name());
        m.put("mac", mac);
        m.put("thing", thing);
        return m;
    }

    private static void writeUnitLog(Path unitDir, UnitResult result, List<String> log) {
        StringBuilder text = new StringBuilder();
        text.append(Instant.now()).append(' ').append(result.done() ? "DONE" : "FAILED").append(" on ")
                .append(result.port()).append(" (").append(result.mac().orElse("?")).append("): ")
                .append(result.detail()).append('\n');
        log.forEach(l -> text.append("  ").append(l).append('\n'));
        Path file = unitDir.resolve("bench.log");
        if (!Files.isDirectory(unitDir)) {
            return; // the unit was refused before it had a folder
        }
        try (java.nio.channels.FileChannel c = java.nio.channels.FileChannel.open(file, java.util.Set.of(
                java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE,
                java.nio.file.StandardOpenOption.APPEND), java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
                java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")))) {
            java.nio.ByteBuffer bytes = java.nio.ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                c.write(bytes);
            }
        } catch (IOException | RuntimeException e) {
            // the ledger and the audit log hold the record; the per-unit log is a convenience
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
