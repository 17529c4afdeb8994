package dev.espfleet.cli;

import dev.espfleet.model.AwsEndpoint;
import dev.espfleet.model.ThingName;
import dev.espfleet.provisioning.CertificateSource;
import dev.espfleet.provisioning.KeyType;
import dev.espfleet.provisioning.ServerCa;
import dev.espfleet.provisioning.UnitProvisioner;
import dev.espfleet.services.CertificateFrom;
import dev.espfleet.services.ProvisionRequest;
import dev.espfleet.services.ProvisionResult;
import dev.espfleet.services.ProvisionService;
import dev.espfleet.services.WifiSettings;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code espfleet provision}: one device's key, CSR, certificate, identity CSV and AWS registration files. */
@Command(name = "provision", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = {
            "Make or refresh one device's identity (a unit folder).",
            "Writes key.pem (0600), csr.pem, cert.pem, server-ca.pem, identity.csv (NVS CSV),",
            "identity.bin (the identity partition's NVS image, 0600) and aws/ (register.sh,",
            "policy.json, and for --ca a JITP template). An existing key and certificate are",
            "reused unless --rotate."})
final class ProvisionCommand extends BaseCommand {
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

    @Option(names = "--endpoint", paramLabel = "HOST[:PORT]",
            description = "AWS IoT endpoint, or a test broker's HOST:PORT (overrides aws.endpoint).")
    String endpoint;

    @Option(names = "--org", paramLabel = "O", description = "Organization in the subject (default: product.name).")
    String org;

    @Option(names = "--country", paramLabel = "CC", description = "Two-letter country in the subject.")
    String country;

    @Option(names = "--wifi-ssid", paramLabel = "SSID",
            description = "Wi-Fi network the device joins; stored where the firmware reads it: in identity.bin, or "
                    + "with wifi.partition: nvs in wifi.bin for the nvs partition.")
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
    int doCall() {
        ThingName thing = ThingName.of(thingName);
        CertificateFrom certificate = source != null && source.ca != null ? new CertificateFrom.LocalCa(source.ca)
                : source != null && source.cert != null ? new CertificateFrom.Given(source.cert)
                : new CertificateFrom.AwsSignsCsr();
        ProvisionResult result = new ProvisionService().provision(new ProvisionRequest(config, thing, out, certificate,
                Optional.ofNullable(serverCa), defaultServerCa, rotate,
                Optional.ofNullable(endpoint).map(e -> AwsEndpoint.withOptionalPort(e.strip())), Optional.ofNullable(org),
                Optional.ofNullable(country), Optional.ofNullable(wifiSsid).map(s -> new WifiSettings(s, wifiPassword)),
                keyType, validityDays == null ? OptionalInt.empty() : OptionalInt.of(validityDays)));
        PrintWriter o = out();
        o.printf("provisioned %s in %s%n", result.thing(), result.unit());
        result.report().forEach(line -> o.println("  " + line));
        if (result.noWifi()) {
            o.printf("warning: no --wifi-ssid: %s holds no Wi-Fi credentials, and the firmware halts without them"
                    + " (namespace '%s')%n", UnitProvisioner.IDENTITY_IMAGE, result.wifiNamespace());
        }
        if (result.identityComplete()) {
            o.printf("next: register with %s, then flash %s%n", result.registerScript(), String.join(" and ",
                    result.images().stream().map(i -> i.file() + " into the '" + i.partition() + "' partition")
                            .toList()));
        } else {
            o.printf("next: %s has AWS sign csr.pem and saves cert.pem; then rerun with --cert %s%n",
                    result.registerScript(), result.certificateFile());
        }
        return 0;
    }
}
