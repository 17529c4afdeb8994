package dev.espfleet.board;

import dev.espfleet.bench.ThingNamePattern;
import dev.espfleet.bench.eol.EndOfLineMode;
import dev.espfleet.flasher.command.Opcode;
import dev.espfleet.flasher.sim.Fault;
import dev.espfleet.flasher.sim.LinkTiming;
import dev.espfleet.provisioning.CertificateAuthority;
import dev.espfleet.provisioning.KeyType;
import dev.espfleet.provisioning.ValidityPeriod;
import dev.espfleet.services.BenchEvents;
import dev.espfleet.services.BenchOutcome;
import dev.espfleet.services.BenchRequest;
import dev.espfleet.services.BenchService;
import dev.espfleet.services.BenchSession;
import dev.espfleet.services.PortSpec;
import dev.espfleet.services.WifiSettings;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/** A bench of simulated ESP32s for examples/env-sensor.yaml, as {@code espfleet bench --ports sim:N} prepares it. */
final class SimBench {
    /** The cable pulled during the identity write: the board fails; reseated, a retry passes. */
    static final Fault CABLE_PULLED = Fault.at(Fault.Kind.DISCONNECT, Opcode.FLASH_DATA, 2);
    static final Path CONFIG = Path.of("../examples/env-sensor.yaml");

    private SimBench() {
    }

    /**
     * {@code boards} simulated boards, those in {@code faulty} failing their first connection; {@code linkMillis} &gt;
     * 0 makes the link take a real link's time at 115200 baud (so progress can be watched).
     */
    static BenchSession prepare(Path tmp, int boards, Map<Integer, List<Fault>> faulty, int linkMillis) {
        Path ca = tmp.resolve("ca");
        if (!CertificateAuthority.exists(ca)) {
            CertificateAuthority.createRoot("board test CA", Optional.empty(), KeyType.EC_P256,
                    ValidityPeriod.days(Instant.now(), 30), new SecureRandom()).saveNew(ca);
        }
        LinkTiming timing = linkMillis > 0 ? LinkTiming.timed(Duration.ofMillis(linkMillis)) : LinkTiming.UNTIMED;
        return new BenchService().prepare(new BenchRequest(CONFIG, ca, Optional.of(ca.resolve("ca.pem")),
                Optional.empty(), tmp.resolve("units"), Optional.empty(), ThingNamePattern.defaultPattern(),
                Optional.empty(), Optional.of(new WifiSettings("line-ap", "secret123")),
                new PortSpec("sim:" + boards, 1, timing, faulty), 115200, 1, Optional.of("line-1"),
                // the operator's controls, not the end-of-line test (tested in services and bench): no firmware build
                Optional.of(EndOfLineMode.NONE), Optional.empty()));
    }

    /** Runs the session in the background, telling the board. */
    static CompletableFuture<BenchOutcome> run(BenchSession session, BenchEvents board) {
        return CompletableFuture.supplyAsync(() -> session.run(board));
    }

    static String thing(int board) {
        return String.format("env-sensor-240ac4e5%04x", board);
    }
}
