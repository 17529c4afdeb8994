package dev.espfleet.services;

import dev.espfleet.bench.ThingNamePattern;
import dev.espfleet.common.EspfleetException;
import dev.espfleet.generator.render.ProjectRenderer;
import dev.espfleet.generator.render.ProjectWriter;
import dev.espfleet.provisioning.CertificateAuthority;
import dev.espfleet.provisioning.KeyType;
import dev.espfleet.provisioning.ValidityPeriod;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Optional;

/**
 * The whole job on simulated ESP32s: firmware generated from a config, a local CA, and a bench that gives each
 * board its identity, writes it and records it. Run again, it reworks the same boards.
 */
public final class DemoService {
    static final int MAX_BOARDS = 64;
    /** What the demo's boards are told to join; the simulated boards go nowhere. */
    static final WifiSettings DEMO_WIFI = new WifiSettings("espfleet-demo", "demo-password");

    private final BenchService bench = new BenchService();

    /**
     * Steps 1 to 3: the firmware generated, the local CA made or reused, the bench prepared (nothing written
     * for it yet); {@link BenchSession#run} on the result's bench serves the simulated boards.
     */
    public DemoSession prepare(DemoRequest request, DemoEvents events) {
        Path config = request.config();
        if (!Files.isRegularFile(config)) {
            throw EspfleetException.badInput("no device config at " + config
                    + "; run the demo from the espfleet folder or pass --config FILE");
        }
        if (request.boards() < 1 || request.boards() > MAX_BOARDS) {
            throw EspfleetException.badInput("--boards must be 1 to " + MAX_BOARDS + ", got " + request.boards());
        }
        Path dir = request.dir();
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw EspfleetException.badInput("--dir " + dir + " is a file, but the demo writes a folder there");
        }
        DeviceProfile profile = DeviceProfile.load(config);
        Path firmware = dir.resolve("firmware");
        Path caDir = dir.resolve("ca");
        Path units = dir.resolve("units");

        events.generatingFirmware(config, firmware);
        ProjectWriter.write(new ProjectRenderer().render(profile.config()), firmware);

        boolean reuse = CertificateAuthority.exists(caDir);
        events.localCa(caDir, reuse);
        if (!reuse) {
            CertificateAuthority.createRoot("espfleet demo CA", Optional.of(profile.config().product().name()),
                    KeyType.EC_P256, ValidityPeriod.days(Instant.now(), 3650), new SecureRandom()).saveNew(caDir);
        }

        Optional<Path> build = Files.isRegularFile(firmware.resolve("build/flasher_args.json"))
                ? Optional.of(firmware) : Optional.empty();
        events.benchStarting(request.boards(), build);
        BenchSession session = bench.prepare(profile, new BenchRequest(config, caDir, Optional.empty(), build, units,
                Optional.empty(), ThingNamePattern.defaultPattern(), Optional.empty(), Optional.of(DEMO_WIFI),
                PortSpec.simulated(request.boards()), 460800, 1, Optional.of("demo")));
        return new DemoSession(firmware, caDir, units, units.resolve("ledger.db"), units.resolve("audit.jsonl"), session);
    }
}
