package dev.espfleet.bench;

import dev.espfleet.flasher.image.FlashRegion;
import dev.espfleet.flasher.flash.FlashPlan;
import dev.espfleet.flasher.sim.LinkTiming;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

/**
 * Units per hour of a bench with 1, 2, 4, 8 ... simulated boards on a timed serial link (bytes take
 * their time at the baud rate, each reply a fixed turnaround), writing a firmware image and the identity
 * image per board. Wall-clock time of whole runs, key generation and MD5 checks included.
 */
public final class BenchThroughput {
    public record Figure(int ports, int units, Duration took, double unitsPerHour, double speedup) {
    }

    private BenchThroughput() {
    }

    /**
     * @param job the bench job without firmware; {@code firmwareBytes} of incompressible data are added
     * @param workDir a fresh ledger and unit folders per run go here
     */
    public static List<Figure> measure(BenchJob job, int firmwareBytes, int baud, Duration turnaround,
                                       List<Integer> portCounts, Path workDir, Consumer<String> log) {
        byte[] firmware = new byte[firmwareBytes];
        new Random(1).nextBytes(firmware); // random: the worst case for compressed writes
        List<Figure> figures = new ArrayList<>();
        double single = 0;
        List<Integer> runs = new ArrayList<>();
        runs.add(0); // a warm-up run with one port (JIT, first key generation), not reported
        runs.addAll(portCounts);
        for (int runIndex = 0; runIndex < runs.size(); runIndex++) {
            boolean warmUp = runIndex == 0;
            int ports = warmUp ? 1 : runs.get(runIndex);
            Path run = workDir.resolve(warmUp ? "warm-up" : "ports-" + ports);
            try {
                java.nio.file.Files.createDirectories(run);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            BenchJob withFirmware = new BenchJob(job.product(), job.organization(), job.namePattern(),
                    run.resolve("units"), job.ca(), job.caLabel(), job.serverCa(), job.policy(), job.layout(),
                    job.identityOffset(), job.identitySize(), job.endpoint(), job.wifi(), job.keyType(),
                    firmwareBytes == 0 ? FlashPlan.NONE : FlashPlan.of(List.of(new FlashRegion("app", 0x20000, firmware))), baud,
                    job.station(), dev.espfleet.bench.eol.EndOfLinePlan.NONE);
            List<UnitResult> results;
            long start = System.nanoTime();
            try (IdentityLedger ledger = IdentityLedger.open("jdbc:sqlite:" + run.resolve("ledger.db"));
                 AuditLog audit = new AuditLog(run.resolve("audit.jsonl"))) {
                results = new BenchRunner(withFirmware, ledger, audit, BenchListener.NONE)
                        .run(BenchPort.simulated(ports, LinkTiming.timed(turnaround)), 1);
            }
            Duration took = Duration.ofNanos(System.nanoTime() - start);
            long done = results.stream().filter(UnitResult::done).count();
            if (warmUp) {
                continue;
            }
            double perHour = done * 3600.0 / (took.toNanos() / 1e9);
            if (single == 0) {
                single = perHour / ports;
            }
            Figure f = new Figure(ports, (int) done, took, perHour, perHour / single);
            log.accept(String.format("%d port(s): %d units in %.1f s = %.0f units/hour (%.2fx one port)",
                    ports, done, took.toNanos() / 1e9, perHour, f.speedup()));
            figures.add(f);
        }
        return figures;
    }
}
