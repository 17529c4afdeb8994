package dev.espfleet.cli;

import dev.espfleet.provisioning.AwsRegistration;
import dev.espfleet.provisioning.CertificateAuthority;
import dev.espfleet.provisioning.CertificateSource;
import dev.espfleet.provisioning.DeviceSubject;
import dev.espfleet.provisioning.IdentityLayout;
import dev.espfleet.provisioning.KeyType;
import dev.espfleet.provisioning.ServerCa;
import dev.espfleet.provisioning.ThingName;
import dev.espfleet.provisioning.UnitProvisioner;
import dev.espfleet.provisioning.UnitRequest;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Locale;
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
            "Make or refresh a unit folder: key.pem (0600), csr.pem, cert.pem,",
            "server-ca.pem, identity.csv (NVS CSV) and aws/ (register.sh, policy.json,",
            "and for --ca a JITP template). An existing key and certificate are reused",
            "unless --rotate."})
final class ProvisionCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--config", paramLabel = "FILE",
            description = "Device config; aws.endpoint and product.name are read from it.")
    Path config;

    @Option(names = "--thing", required = true, paramLabel = "NAME", description = "AWS IoT thing name (CN).")
    String thing;

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

    @Option(names = "--topic-prefix", paramLabel = "PREFIX",
            description = "First topic level of <prefix>/<thing>/status (default: from product.name, else espfleet).")
    String topicPrefix;

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
        ThingName.require(thing);
        DeviceConfigFields fields = config == null ? DeviceConfigFields.none() : DeviceConfigFields.read(config);
        Optional<String> product = fields.productName();
        DeviceSubject subject = DeviceSubject.of(thing, org != null ? org : product.orElse(null), country);
        String prefix = topicPrefix != null ? topicPrefix : product.map(ProvisionCommand::slug).orElse("espfleet");

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
        UnitRequest request = new UnitRequest(out, subject, keyType,
                Optional.ofNullable(endpoint).or(fields::endpoint), certificateSource, server, prefix,
                IdentityLayout.DEFAULT, rotate);

        UnitProvisioner.Report report = new UnitProvisioner(new SecureRandom()).provision(request, now);
        PrintWriter o = spec.commandLine().getOut();
        o.printf("provisioned %s in %s%n", thing, out);
        report.lines().forEach(line -> o.println("  " + line));
        if (report.identityComplete()) {
            o.printf("next: register with %s, then flash identity.csv into the '%s' partition%n",
                    out.resolve(UnitProvisioner.AWS_DIR).resolve("register.sh"), IdentityLayout.DEFAULT.partition());
        } else {
            o.printf("next: %s has AWS sign csr.pem and saves cert.pem; then rerun with --cert %s%n",
                    out.resolve(UnitProvisioner.AWS_DIR).resolve("register.sh"),
                    out.resolve(UnitProvisioner.CERT_FILE));
        }
        o.flush();
        return 0;
    }

    /** "Greenhouse Sensor" becomes the topic level "greenhouse-sensor". */
    static String slug(String productName) {
        String s = productName.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9_-]+", "-").replaceAll("^-+|-+$", "");
        return AwsRegistration.requireTopicPrefix(s.isEmpty() ? "espfleet" : s.length() > 64 ? s.substring(0, 64) : s);
    }
}
