package dev.espfleet.services;

import dev.espfleet.bench.BenchJob;
import dev.espfleet.bench.eol.EndOfLineMode;
import dev.espfleet.bench.eol.EndOfLinePlan;
import dev.espfleet.flasher.image.AppDescription;
import dev.espfleet.flasher.image.FlashRegion;
import dev.espfleet.bench.BenchPort;
import dev.espfleet.bench.BenchThroughput;
import dev.espfleet.bench.ThingNamePattern;
import dev.espfleet.common.AtomicFiles;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.provisioning.ValidityPeriod;
import java.io.IOException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;
import dev.espfleet.bench.IdentityLedger;
import dev.espfleet.common.EspfleetException;
import dev.espfleet.flasher.connection.ConnectOptions;
import dev.espfleet.flasher.flash.FlashPlan;
import dev.espfleet.flasher.image.FlasherArgs;
import dev.espfleet.provisioning.CertificateAuthority;
import dev.espfleet.provisioning.KeyType;
import dev.espfleet.provisioning.ServerCa;
import dev.espfleet.provisioning.UnitBinding;
import dev.espfleet.provisioning.UnitProvisioner;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Sets up and runs a production bench: {@link #prepare} checks everything that can be checked without a
 * port or the ledger and decides the job (identity layout, images, Wi-Fi placement, firmware, end-of-line test)
 * from the config's {@link DeviceProfile}; {@link BenchSession#run} then serves the boards.
 */
public final class BenchService {
    /** Under {@code --units}: the simulated firmware, built once and kept (not a thing name: it has a dot). */
    static final String SIMULATED_FIRMWARE_CACHE = ".sim-firmware";

    private final Optional<SimulatedFirmware> simulatedFirmware;

    /** A bench service with this espfleet's simulated firmware, if it has one ({@link SimulatedFirmware#installed}). */
    public BenchService() {
        this(SimulatedFirmware.installed());
    }

    /** A bench service whose simulated ports boot {@code simulatedFirmware}. */
    public BenchService(Optional<SimulatedFirmware> simulatedFirmware) {
        this.simulatedFirmware = simulatedFirmware;
    }

    /** Whether simulated ports get firmware that boots (and so can pass an end-of-line test). */
    public boolean hasSimulatedFirmware() {
        return simulatedFirmware.isPresent();
    }

    /**
     * Everything that can be checked before a port or the ledger is touched, checked; nothing is written.
     * Options first, then the config, the ports, the name pattern, the folders, the CA and the build.
     */
    public BenchSession prepare(BenchRequest request) {
        requireOptions(request);
        return prepare(DeviceProfile.load(request.config()), request);
    }

    /** {@link #prepare(BenchRequest)} for a config already loaded ({@code request.config()} is not read again). */
    public BenchSession prepare(DeviceProfile profile, BenchRequest request) {
        requireOptions(request);
        DeviceProfile.WifiWrite wifi = profile.placeWifi(request.wifi());
        List<BenchPort> ports = request.ports().resolve(request.baud());
        request.namePattern().requireValidNames(profile.config().product().name());
        requireUnitsFolder(request.units());
        String url = request.ledger().orElse("jdbc:sqlite:" + request.units().resolve("ledger.db"));
        if (request.ledger().isPresent()) {
            IdentityLedger.requireUsableUrl(url);
        }
        profile.requireFleet();
        Instant now = Instant.now();
        CertificateAuthority ca = CertificateAuthority.load(request.ca(), now);
        ServerCa serverCa = ServerCa.resolve(request.serverCa(), ServerCa.AMAZON_ROOT_CA_1, now);

        FlashLayout.Partition identity = profile.identityPartition();
        List<FlashLayout.Partition> written = new ArrayList<>(List.of(identity));
        wifi.ownImage().ifPresent(image -> written.add(image.partition()));
        FlashPlan firmware = FlashPlan.NONE;
        String firmwareVersion = profile.config().product().firmwareVersion();
        if (request.build().isPresent()) {
            FlasherArgs args = FlasherArgs.load(buildDir(request.build().get()));
            profile.flashLayout().requireMatchedBy(args, request.build().get(), written);
            firmware = FlashPlan.of(args);
            // the version the build's app will report (its PROJECT_VER), whatever the config says now
            firmwareVersion = AppDescription.firstIn(args.regions()).map(AppDescription::version).orElse(firmwareVersion);
        }
        Optional<SimulatedFirmware> simulated = simulatedFirmwareFor(request);
        EndOfLineMode eol = request.eol().orElse(request.build().isPresent() || simulated.isPresent()
                ? EndOfLineMode.REPORT : EndOfLineMode.NONE);
        EndOfLinePlan eolPlan = EndOfLinePlan.of(eol, firmwareVersion, request.eolTimeout());
        Optional<FlashRegion> wifiRegion = wifi.ownImage().map(image -> image.region("Wi-Fi"));
        if (wifiRegion.isPresent()) {
            firmware = firmware.plus(wifiRegion.get());
        }
        String product = profile.config().product().name();
        BenchJob job = new BenchJob(product, product, request.namePattern(), request.units(), ca,
                request.ca().toString(), serverCa, profile.policy(), profile.identityLayout(), identity.offset(),
                identity.size(), request.endpoint().orElse(profile.config().aws().endpoint()), wifi.inIdentityImage(),
                KeyType.EC_P256, firmware, request.baud(), request.station().orElseGet(BenchService::hostName), eolPlan);
        boolean noWifi = request.wifi().isEmpty() && profile.wifiPlacement().inIdentityImage();
        Optional<BenchSession.SimulatedBuild> pending = simulated.map(s -> new BenchSession.SimulatedBuild(s,
                profile, request.units().resolve(SIMULATED_FIRMWARE_CACHE), written, wifiRegion));
        return new BenchSession(job, ports, request.boardsPerPort(), url, request.units(),
                request.build().isPresent() || simulated.isPresent(), noWifi, pending);
    }

    /**
     * The simulated firmware simulated ports boot: theirs unless {@code --build} gives other firmware or
     * {@code --eol none} asks for the identity alone (the bench before the end-of-line test). An end-of-line test
     * on simulated ports that have none to boot could only fail: refused before anything is written.
     */
    private Optional<SimulatedFirmware> simulatedFirmwareFor(BenchRequest request) {
        if (!request.ports().simulated() || request.build().isPresent()
                || request.eol().equals(Optional.of(EndOfLineMode.NONE))) {
            return Optional.empty();
        }
        if (simulatedFirmware.isEmpty() && request.eol().isPresent()) {
            throw new EspfleetException(ExitStatus.UNAVAILABLE, "--eol " + request.eol().get().cliName() + " on "
                    + "simulated ports needs the simulated application firmware, which this espfleet does not have",
                    "run --eol none (the identity alone), or --build with firmware the boards run");
        }
        return simulatedFirmware;
    }

    /**
     * {@code bench-perf}: units per hour of this config's bench on 1, 2, 4, ... simulated boards on a timed link,
     * each board getting {@code firmwareBytes} of firmware and its identity image; in a temporary folder with a CA
     * of its own. {@code log} hears one line per figure.
     */
    public List<BenchThroughput.Figure> measureThroughput(DeviceProfile profile, int firmwareBytes, int baud,
                                                          Duration turnaround, List<Integer> portCounts,
                                                          Consumer<String> log) {
        try {
            Path work = Files.createTempDirectory("espfleet-bench-perf");
            Path caDir = work.resolve("ca");
            CertificateAuthority.createRoot("bench-perf CA", Optional.empty(), KeyType.EC_P256,
                    ValidityPeriod.days(Instant.now(), 30), new SecureRandom()).saveNew(caDir);
            BenchSession session = prepare(profile, new BenchRequest(Path.of(profile.location()), caDir,
                    Optional.of(caDir.resolve(CertificateAuthority.CERTIFICATE_FILE)), Optional.empty(),
                    work.resolve("units"), Optional.empty(), ThingNamePattern.defaultPattern(), Optional.empty(),
                    Optional.empty(), PortSpec.simulated(1), baud, 1, Optional.of("bench-perf"),
                    Optional.of(EndOfLineMode.NONE), Optional.empty()));
            return BenchThroughput.measure(session.job(), firmwareBytes, baud, turnaround, portCounts, work, log);
        } catch (IOException e) {
            throw new EspfleetException(ExitStatus.UNAVAILABLE, "cannot make a temporary folder for bench-perf: "
                    + AtomicFiles.describe(e), null, e);
        }
    }

    private static void requireOptions(BenchRequest request) {
        ConnectOptions.requireBaud(request.baud(), "--baud");
        EndOfLinePlan.requireTimeout(request.eolTimeout());
        if (request.boardsPerPort() < 0) {
            throw EspfleetException.badInput("--boards-per-port must be 0 (serve boards until Ctrl-C) or more, got "
                    + request.boardsPerPort());
        }
    }

    /**
     * {@code --units}: where unit folders, the audit log and the default ledger go. Not a file, and not a
     * unit folder or a CA folder (easy to pass by mistake, and the bench would write into it).
     */
    static void requireUnitsFolder(Path units) {
        if (Files.exists(units) && !Files.isDirectory(units)) {
            throw EspfleetException.badInput("--units " + units + " is a file, but it is the folder unit folders go in");
        }
        if (Files.exists(units.resolve(UnitBinding.FILE)) || Files.exists(units.resolve(UnitProvisioner.KEY_FILE))) {
            throw EspfleetException.badInput("--units " + units + " is a unit folder (it holds " + UnitBinding.FILE
                    + " or " + UnitProvisioner.KEY_FILE + "); --units is the folder that holds the unit folders");
        }
        if (Files.exists(units.resolve(CertificateAuthority.KEY_FILE))
                || Files.exists(units.resolve(CertificateAuthority.CERTIFICATE_FILE))) {
            throw EspfleetException.badInput("--units " + units + " is a CA folder; unit folders go elsewhere "
                    + "(default: units)");
        }
    }

    /** A project folder (with build/flasher_args.json) or its build folder. */
    static Path buildDir(Path dir) {
        if (Files.isRegularFile(dir.resolve("build/flasher_args.json"))) {
            return dir.resolve("build");
        }
        return dir;
    }

    /** This station's name in the ledger when none is given: the host name. */
    public static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "bench";
        }
    }
}
