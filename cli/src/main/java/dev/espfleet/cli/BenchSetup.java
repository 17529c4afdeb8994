package dev.espfleet.cli;

import com.fazecast.jSerialComm.SerialPort;
import dev.espfleet.bench.BenchJob;
import dev.espfleet.bench.BenchPort;
import dev.espfleet.bench.ThingNamePattern;
import dev.espfleet.common.EspfleetException;
import dev.espfleet.flasher.image.FlashRegion;
import dev.espfleet.flasher.image.FlasherArgs;
import dev.espfleet.flasher.sim.LinkTiming;
import dev.espfleet.generator.config.DeviceConfig;
import dev.espfleet.generator.model.PartitionLayout;
import dev.espfleet.model.AwsEndpoint;
import dev.espfleet.provisioning.CertificateAuthority;
import dev.espfleet.provisioning.DevicePolicy;
import dev.espfleet.provisioning.IdentityLayout;
import dev.espfleet.provisioning.KeyType;
import dev.espfleet.provisioning.ServerCa;
import dev.espfleet.provisioning.UnitBinding;
import dev.espfleet.provisioning.UnitProvisioner;
import dev.espfleet.provisioning.WifiCredentials;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Turns a device config and bench options into a {@link BenchJob} and the list of ports. */
final class BenchSetup {
    /** USB vendor ids of the USB-UART bridges on ESP32 boards: Silicon Labs, WCH, FTDI, Espressif. */
    static final Set<Integer> ESP_USB_VENDORS = Set.of(0x10C4, 0x1A86, 0x0403, 0x303A);

    private BenchSetup() {
    }

    static BenchJob job(DeviceConfig config, Path caDir, Optional<Path> serverCaFile, Optional<Path> build,
                        Path unitsDir, ThingNamePattern pattern, Optional<AwsEndpoint> endpoint,
                        Optional<WifiCredentials> wifi, int baud, String station) {
        if (config.aws().thingName().isPresent()) {
            throw EspfleetException.badInput(config.sourceName() + ": aws.thing_name pins one thing name into the "
                    + "firmware, so every board would connect as '" + config.aws().thingName().get() + "' (AWS drops "
                    + "the older connection each time); remove it for a fleet, the bench names each board");
        }
        Instant now = Instant.now();
        CertificateAuthority ca = CertificateAuthority.load(caDir, now);
        ServerCa serverCa = ServerCa.resolve(serverCaFile, ServerCa.AMAZON_ROOT_CA_1, now);
        DeviceConfig.Identity id = config.identity();
        IdentityLayout layout = ProvisioningFromConfig.layout(config);
        DevicePolicy policy = ProvisioningFromConfig.policy(config);
        PartitionLayout.Row identityRow = PartitionLayout.of(config).stream()
                .filter(r -> r.name().equals(id.partition().value())).findFirst().orElseThrow();
        List<FlashRegion> firmware = List.of();
        if (build.isPresent()) {
            FlasherArgs args = FlasherArgs.load(buildDir(build.get()));
            firmware = args.regions();
            int offset = args.regionForPartition(id.partition(), "identity", new byte[0]).offset();
            if (offset != identityRow.offset()) {
                throw EspfleetException.badInput(String.format("%s puts partition '%s' at 0x%x, the config at 0x%x: "
                        + "the build is not from this config (run espfleet build again)", build.get(), id.partition(),
                        offset, identityRow.offset()));
            }
        }
        return new BenchJob(config.product().name(), config.product().name(), pattern, unitsDir, ca,
                caDir.toString(), serverCa, policy, layout, identityRow.offset(), identityRow.size(),
                endpoint.orElse(config.aws().endpoint()), wifi, KeyType.EC_P256, firmware, baud, station);
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

    /** A project directory (with build/flasher_args.json) or its build directory. */
    static Path buildDir(Path dir) {
        if (Files.isRegularFile(dir.resolve("build/flasher_args.json"))) {
            return dir.resolve("build");
        }
        return dir;
    }

    /**
     * {@code sim:N}, {@code auto}, or a comma-separated list of ports.
     *
     * @param simFirst number of the first simulated board (boards of two benches sharing a ledger differ)
     * @param simTiming the simulated link (timed, to make a bench run take as long as a real one)
     */
    static List<BenchPort> ports(String spec, int baud, int simFirst, LinkTiming simTiming) {
        if (spec.startsWith("sim:")) {
            int n;
            try {
                n = Integer.parseInt(spec.substring(4));
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (n < 1 || n > 64) {
                throw EspfleetException.badInput("--ports " + spec + ": expected sim:N with N from 1 to 64");
            }
            List<BenchPort> sims = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                sims.add(BenchPort.simulated(simFirst + i, simTiming, List.of()));
            }
            return sims;
        }
        List<String> names = new ArrayList<>();
        if (spec.equals("auto")) {
            for (SerialPort p : SerialPort.getCommPorts()) {
                if (ESP_USB_VENDORS.contains(p.getVendorID())) {
                    names.add(p.getSystemPortPath());
                }
            }
            if (names.isEmpty()) {
                throw new EspfleetException(dev.espfleet.common.ExitStatus.UNAVAILABLE,
                        "--ports auto found no USB serial port of an ESP32 board (CP210x, CH34x, FTDI, Espressif)",
                        "plug the boards in, check 'ls /dev/ttyUSB* /dev/ttyACM*', or list the ports with --ports");
            }
        } else {
            for (String p : spec.split(",")) {
                if (!p.isBlank()) {
                    names.add(p.strip());
                }
            }
        }
        if (names.isEmpty()) {
            throw EspfleetException.badInput("--ports: no port given");
        }
        return names.stream().map(n -> BenchPort.of(n, baud)).toList();
    }

    static String station() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (java.io.IOException e) {
            return "bench";
        }
    }
}
