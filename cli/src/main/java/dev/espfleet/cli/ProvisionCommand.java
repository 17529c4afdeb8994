package dev.espfleet.cli;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.generator.config.ConfigLoader;
import dev.espfleet.generator.config.DeviceConfig;
import dev.espfleet.model.AwsEndpoint;
import dev.espfleet.model.ThingName;
import dev.espfleet.provisioning.CertificateAuthority;
import dev.espfleet.provisioning.CertificateSource;
import dev.espfleet.provisioning.DevicePolicy;
import dev.espfleet.provisioning.DeviceSubject;
import dev.espfleet.provisioning.IdentityLayout;
import dev.espfleet.provisioning.KeyType;
import dev.espfleet.provisioning.ServerCa;
import dev.espfleet.provisioning.UnitLock;
import dev.espfleet.provisioning.UnitProvisioner;
import dev.espfleet.provisioning.UnitRequest;
import dev.espfleet.provisioning.WifiCredentials;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code espfleet provision}: one device's key, CSR, certificate, identity CSV and AWS registration files. */
@Command(name = "provision", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {
            "Make or refresh one device's identity (a unit folder).",
            "Writes key.pem (0600), csr.pem, cert.pem, server-ca.pem, identity.csv (NVS CSV),",
            "identity.bin (the identity partition's NVS image, 0600) and aws/ (register.sh,",
            "policy.json, and for --ca a JITP template). An existing key and certificate are",
            "reused unless --rotate."})
final class ProvisionCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--config", required = true, paramLabel = "FILE",
            description = "Device config: endpoint, identity partition, NVS keys and policy come from it.")
    Path config;

    @Option(names = "--thing", required = true, paramLabel = "NAME", description = "AWS IoT thing name (CN).")
    String thingName;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Unit folder, e.g. units/NAME.")
    Path out;

    @ArgGroup(exclusive = true, multiplicity = "0..1")
    Source source;

    static final class Source {
        @Option(names = "--ca", paramLabel = "DIR", description = "Issue the certificate with this local CA.")
        Path ca;

        @Option(names = "--csr-only", description = "Only key and CSR; AWS signs the CSR (the default).")
        boolean csrOnly;

        @Option(names = "--cert", paramLabel = "FILE",
                description = "Use this certificate (AWS issued it for the unit's CSR).")
        Path cert;
    }

    @Option(names = "--server-ca", paramLabel = "FILE",
            description = "CA of the MQTT broker (default: Amazon Root CA 1 from the system trust store).")
    Path serverCa;

    @Option(names = "--default-server-ca", hidden = true, paramLabel = "FILE",
            description = "Where the system trust store keeps Amazon Root CA 1 (tests point it elsewhere).")
    Path defaultServerCa = ServerCa.AMAZON_ROOT_CA_1;

    @Option(names = "--rotate", description = "Make a new key, CSR and certificate even if the unit has them.")
    boolean rotate;

    @Option(names = "--endpoint", paramLabel = "HOST", description = "AWS IoT endpoint (overrides aws.endpoint).")
    String endpoint;

    @Option(names = "--org", paramLabel = "O", description = "Organization in the subject (default: product.name).")
    String org;

    @Option(names = "--country", paramLabel = "CC", description = "Two-letter country in the subject.")
    String country;

    @Option(names = "--wifi-ssid", paramLabel = "SSID",
            description = "Wi-Fi network the device joins; stored in identity.bin beside the identity.")
    String wifiSsid;

    @Option(names = "--wifi-password", paramLabel = "PASSWORD", defaultValue = "${env:ESPFLEET_WIFI_PASSWORD}",
            description = "Wi-Fi password (default: $ESPFLEET_WIFI_PASSWORD; empty for an open network).")
    String wifiPassword;

    @Option(names = "--key-type", paramLabel = "TYPE", defaultValue = "ec-p256",
            converter = KeyTypeConverter.class, completionCandidates = KeyTypeConverter.class,
            description = "Device key: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    KeyType keyType;

    @Option(names = "--validity-days", paramLabel = "DAYS",
            description = "Validity of a certificate issued with --ca (default: "
                    + CertificateSource.LocalCa.DEFAULT_VALIDITY_DAYS + ", ending no later than the CA).")
    Integer validityDays;

    @Override
    public Integer call() {
        Instant now = Instant.now();
        ThingName thing = ThingName.of(thingName);
        DeviceConfig device = ConfigLoader.load(config);
        device.aws().thingName().ifPresent(pinned -> {
            if (!pinned.equals(thing)) {
                throw EspfleetException.badInput(config + ": aws.thing_name pins '" + pinned + "' into the firmware, "
                        + "which would connect as '" + pinned + "', not '" + thing + "'; use --thing " + pinned
                        + " or remove aws.thing_name to read the name from NVS");
            }
        });
        DeviceSubject subject = DeviceSubject.of(thing, org != null ? org : device.product().name(), country);
        DevicePolicy policy = ProvisioningFromConfig.policy(device);
        DeviceConfig.Identity id = device.identity();
        IdentityLayout layout = ProvisioningFromConfig.layout(device);
        Optional<WifiCredentials> wifi = wifi(device);

        CertificateSource certificateSource;
        if (source != null && source.ca != null) {
            CertificateAuthority ca = CertificateAuthority.load(source.ca, now);
            certificateSource = new CertificateSource.LocalCa(ca, source.ca.toString(),
                    validityDays == null ? OptionalInt.empty() : OptionalInt.of(validityDays));
        } else if (source != null && source.cert != null) {
            certificateSource = new CertificateSource.Given(source.cert);
        } else {
            certificateSource = new CertificateSource.CsrOnly();
        }
        ServerCa server = ServerCa.resolve(Optional.ofNullable(serverCa), defaultServerCa, now);
        AwsEndpoint host = endpoint != null ? AwsEndpoint.of(endpoint.strip()) : device.aws().endpoint();
        UnitRequest request = new UnitRequest(out, subject, keyType, Optional.of(host), certificateSource, server, policy,
                layout, id.partitionSize(), wifi, rotate);

        UnitProvisioner.requireUnitFolder(out);
        UnitProvisioner.Report report;
        // a bench or another 'provision' working on this folder would race for its key: one at a time
        try (UnitLock lock = UnitLock.acquire(out, "espfleet provision", java.time.Duration.ZERO, () -> false)) {
            report = new UnitProvisioner(new SecureRandom()).provision(request, now);
        }
        PrintWriter o = spec.commandLine().getOut();
        o.printf("provisioned %s in %s%n", thing, out);
        report.lines().forEach(line -> o.println("  " + line));
        if (report.identityComplete() && wifi.isEmpty() && device.wifi().partition().equals(id.partition())) {
            o.printf("warning: no --wifi-ssid: %s holds no Wi-Fi credentials, and the firmware halts without them"
                    + " (namespace '%s')%n", UnitProvisioner.IDENTITY_IMAGE, device.wifi().namespace());
        }
        if (report.identityComplete()) {
            o.printf("next: register with %s, then flash %s into the '%s' partition%n",
                    out.resolve(UnitProvisioner.AWS_DIR).resolve("register.sh"),
                    out.resolve(UnitProvisioner.IDENTITY_IMAGE), layout.partition());
        } else {
            o.printf("next: %s has AWS sign csr.pem and saves cert.pem; then rerun with --cert %s%n",
                    out.resolve(UnitProvisioner.AWS_DIR).resolve("register.sh"),
                    out.resolve(UnitProvisioner.CERT_FILE));
        }
        o.flush();
        return 0;
    }

    private Optional<WifiCredentials> wifi(DeviceConfig device) {
        if (wifiSsid == null) {
            return Optional.empty();
        }
        if (!device.wifi().partition().equals(device.identity().partition())) {
            throw EspfleetException.badInput(config + ": wifi.partition is '" + device.wifi().partition() + "', not the identity"
                    + " partition '" + device.identity().partition() + "', so --wifi-ssid cannot go into identity.bin");
        }
        return Optional.of(ProvisioningFromConfig.wifi(device, wifiSsid, wifiPassword));
    }
}
