package dev.espfleet.services;

import dev.espfleet.bench.ThingNamePattern;
import dev.espfleet.bench.eol.EndOfLineMode;
import dev.espfleet.common.EspfleetException;
import dev.espfleet.generator.render.ProjectRenderer;
import dev.espfleet.generator.render.ProjectWriter;
import dev.espfleet.model.AwsEndpoint;
import dev.espfleet.provisioning.CertificateAuthority;
import dev.espfleet.provisioning.KeyType;
import dev.espfleet.provisioning.ValidityPeriod;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The whole job on simulated ESP32s: firmware generated from a config, a local CA, and a bench that gives each
 * board its identity, writes it with the simulated firmware, boots it and checks its report (end-of-line test),
 * and records it. With mosquitto installed the units also reach a broker on this machine over mutual TLS
 * ({@code --eol connected}). Run again, it reworks the same boards.
 */
public final class DemoService {
    static final int MAX_BOARDS = 64;
    /** What the demo's boards are told to join; the simulated boards go nowhere. */
    static final WifiSettings DEMO_WIFI = new WifiSettings("espfleet-demo", "demo-password");

    private final BenchService bench;
    private final Supplier<Optional<Path>> mosquitto;

    /** This espfleet's simulated firmware, and mosquitto where it is installed. */
    public DemoService() {
        this(new BenchService(), DemoBroker::find);
    }

    DemoService(BenchService bench, Supplier<Optional<Path>> mosquitto) {
        this.bench = bench;
        this.mosquitto = mosquitto;
    }

    /**
     * Steps 1 to 4: the firmware generated, the local CA made or reused, the demo broker started (when the units
     * boot firmware and mosquitto is installed), the bench prepared; {@link BenchSession#run} on the result's
     * bench serves the simulated boards, and closing the result stops the broker.
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
        Path caCert = caDir.resolve(CertificateAuthority.CERTIFICATE_FILE);

        Optional<Path> build = Optional.empty();
        Optional<DemoBroker> broker = Optional.empty();
        EndOfLineMode eol;
        if (!bench.hasSimulatedFirmware()) {
            // no firmware the simulated boards can boot: an ESP-IDF build (for real boards) is written as it is
            build = Files.isRegularFile(firmware.resolve("build/flasher_args.json")) ? Optional.of(firmware)
                    : Optional.empty();
            eol = EndOfLineMode.NONE;
            events.endOfLineSkipped("this espfleet has no simulated application firmware for the simulated boards "
                    + "to boot; they get their identity alone");
        } else {
            Optional<Path> binary = mosquitto.get();
            if (binary.isEmpty()) {
                eol = EndOfLineMode.REPORT;
                events.brokerSkipped("mosquitto is not installed (apt-get install mosquitto): the units boot and "
                        + "report (--eol report), but have no broker to reach");
            } else {
                try {
                    broker = Optional.of(DemoBroker.start(binary.get(), dir.resolve("broker"),
                            CertificateAuthority.load(caDir, Instant.now()), caCert));
                    eol = EndOfLineMode.CONNECTED;
                    events.brokerStarted(broker.get().endpoint(), broker.get().dir());
                } catch (EspfleetException e) {
                    eol = EndOfLineMode.REPORT;
                    events.brokerSkipped("the demo broker did not start (" + e.getMessage() + "): the units boot and "
                            + "report (--eol report) without it");
                }
            }
        }
        events.benchStarting(request.boards(), build);
        Optional<AwsEndpoint> endpoint = broker.map(DemoBroker::endpoint);
        try {
            BenchSession session = bench.prepare(profile, new BenchRequest(config, caDir,
                    broker.isPresent() ? Optional.of(caCert) : Optional.empty(), build, units, Optional.empty(),
                    ThingNamePattern.defaultPattern(), endpoint, Optional.of(DEMO_WIFI),
                    PortSpec.simulated(request.boards()), 460800, 1, Optional.of("demo"), Optional.of(eol),
                    Optional.empty()));
            return new DemoSession(firmware, caDir, units, units.resolve("ledger.db"), units.resolve("audit.jsonl"),
                    session, broker);
        } catch (RuntimeException e) {
            broker.ifPresent(DemoBroker::close);
            throw e;
        }
    }
}
