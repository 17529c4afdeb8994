package dev.espfleet.bench;

import dev.espfleet.common.AtomicFiles;
import dev.espfleet.common.EspfleetException;
import dev.espfleet.flasher.ChipInfo;
import dev.espfleet.flasher.FlashOptions;
import dev.espfleet.flasher.FlashRegion;
import dev.espfleet.flasher.FlashWriter;
import dev.espfleet.flasher.ProgressListener;
import dev.espfleet.flasher.RomLoader;
import dev.espfleet.flasher.transport.Transport;
import dev.espfleet.provisioning.CertificateSource;
import dev.espfleet.provisioning.DeviceSubject;
import dev.espfleet.provisioning.Pem;
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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Provisions boards on many ports at once. Per board: connect, read chip and MAC, take the MAC's
 * identity from the ledger (an existing one on rework, else the next name), make or reuse key and
 * certificate, build the identity NVS image, write firmware and identity with an MD5 check of every
 * region, and only then mark the unit done. A failure on one port fails that unit only.
 */
public final class BenchRunner {
    private final BenchJob job;
    private final IdentityLedger ledger;
    private final AuditLog audit;
    private final BenchListener listener;
    private final UnitProvisioner provisioner = new UnitProvisioner(new SecureRandom());
    private final AtomicBoolean stopping = new AtomicBoolean();

    public BenchRunner(BenchJob job, IdentityLedger ledger, AuditLog audit, BenchListener listener) {
        this.job = job;
        this.ledger = ledger;
        this.audit = audit;
        this.listener = listener;
    }

    /** Asks every port to finish the board in hand and take no new one (Ctrl-C). */
    public void stop() {
        stopping.set(true);
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
                    throw new EspfleetException(dev.espfleet.common.ExitStatus.INTERNAL,
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
        boolean continuous = boards == 0;
        List<UnitResult> results = new ArrayList<>();
        Optional<String> lastMac = Optional.empty();
        while ((continuous || results.size() < boards) && !stopping.get()) {
            UnitResult r = provisionOne(port, lastMac);
            if (r == null || continuous && !r.done() && r.mac().isEmpty()) {
                // the board just done is still on the port, or there is none yet: wait for the next
                listener.state(port.name(), "waiting for the next board");
                sleep(Duration.ofSeconds(2));
                continue;
            }
            if (r.done()) {
                lastMac = r.mac(); // a failed board is tried again when it answers next
            }
            results.add(r);
            listener.finished(r);
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
            try (RomLoader loader = RomLoader.connect(transport, port.connectOptions(job.baud()), log::add)) {
                ChipInfo chip = loader.chipInfo();
                mac = Optional.of(chip.macText());
                if (mac.equals(previousMac)) {
                    return null;
                }
                UnitRecord unit = ledger.allocate(chip.macText(), job.product(), job.namePattern(), job.station());
                thing = Optional.of(unit.thingName());
                audit.append("unit-allocated", fields(port, unit.mac(), unit.thingName(),
                        Map.of("chip", chip.chip().toString(), "rework", unit.allocatedAt().isBefore(start))));
                listener.state(port.name(), "provisioning " + unit.thingName());

                Path unitDir = job.unitsDir().resolve(unit.thingName());
                UnitProvisioner.Report report = provisioner.provision(new UnitRequest(unitDir,
                        DeviceSubject.of(unit.thingName(), job.organization(), null), job.keyType(),
                        Optional.of(job.endpoint()), new CertificateSource.LocalCa(job.ca(), job.caLabel(),
                        OptionalInt.empty()), job.serverCa(), job.policy(), job.layout(), job.identitySize(),
                        job.wifi(), false), Instant.now());
                log.addAll(report.lines());
                X509Certificate cert = Pem.readCertificate(unitDir.resolve(UnitProvisioner.CERT_FILE));
                String fingerprint = UnitProvisioner.awsCertificateId(cert);
                ledger.recordCertificate(unit.mac(), fingerprint);

                byte[] image = Files.readAllBytes(unitDir.resolve(UnitProvisioner.IDENTITY_IMAGE));
                List<FlashRegion> regions = new ArrayList<>(job.firmware());
                regions.add(new FlashRegion("identity (" + job.layout().partition() + ")", job.identityOffset(), image));
                FlashWriter.validate(regions, loader.flashSize());
                listener.state(port.name(), "flashing " + unit.thingName());
                long total = regions.stream().mapToLong(r -> r.data().length).sum();
                List<FlashWriter.RegionResult> written = new FlashWriter(loader, FlashOptions.defaults(),
                        progress(port, Instant.now())).write(regions);
                for (FlashWriter.RegionResult w : written) {
                    log.add(w.region().name() + " at 0x" + Integer.toHexString(w.region().offset()) + ": verified, MD5 "
                            + w.md5() + (w.skipped() ? " (already there)" : ""));
                }
                // Only now, with every region's MD5 confirmed by the chip, is the unit done.
                ledger.markDone(unit.mac(), fingerprint);
                audit.append("unit-done", fields(port, unit.mac(), unit.thingName(),
                        Map.of("certificate", fingerprint, "bytes", total)));
                loader.finish();
                UnitResult result = new UnitResult(port.name(), mac, thing, true,
                        "verified " + written.size() + " region(s)", Duration.between(start, Instant.now()), total);
                writeUnitLog(unitDir, result, log);
                return result;
            }
        } catch (EspfleetException | IOException e) {
            String reason = e.getMessage();
            audit.append("unit-failed", fields(port, mac.orElse(""), thing.orElse(""), Map.of("reason", reason)));
            UnitResult result = new UnitResult(port.name(), mac, thing, false, reason,
                    Duration.between(start, Instant.now()), 0);
            thing.ifPresent(t -> writeUnitLog(job.unitsDir().resolve(t), result, log));
            return result;
        }
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

    private static Map<String, Object> fields(BenchPort port, String mac, String thing, Map<String, ?> more) {
        Map<String, Object> m = new LinkedHashMap<>(more);
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
        try {
            String previous = Files.exists(file) ? Files.readString(file) : "";
            AtomicFiles.write(file, (previous + text).getBytes(StandardCharsets.UTF_8));
        } catch (IOException | EspfleetException e) {
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
