package dev.espfleet.services;

import dev.espfleet.aws.AwsClients;
import dev.espfleet.aws.AwsOptions;
import dev.espfleet.aws.ControlPlaneRateLimiter;
import dev.espfleet.aws.FleetSpec;
import dev.espfleet.aws.IotCsrSigner;
import dev.espfleet.aws.IotFleetSetup;
import dev.espfleet.aws.IotUnitRegistrar;
import dev.espfleet.bench.IdentityLedger;
import dev.espfleet.bench.UnitRecord;
import dev.espfleet.bench.UnitRegistration;
import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.model.ThingName;
import dev.espfleet.provisioning.AwsRegistration;
import dev.espfleet.provisioning.CertificateAuthority;
import dev.espfleet.provisioning.CsrSigner;
import dev.espfleet.provisioning.Pem;
import dev.espfleet.provisioning.UnitProvisioner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import software.amazon.awssdk.protocols.jsoncore.JsonNode;

/**
 * The fleet on AWS IoT Core: {@code aws setup} (policy, status rule and role, optionally the local CA with JITP),
 * the bench's per-unit registration, and {@code aws sync} (what the ledger holds as pending).
 */
public final class AwsService {
    /** One limiter per process: every client and port thread together stays under AWS IoT's rates. */
    private static final ControlPlaneRateLimiter LIMITER = ControlPlaneRateLimiter.published();

    /**
     * Brings AWS to the fleet the config describes; with {@code caDir}, registers that CA too (its verification
     * certificate is signed with the CA's key, so a token-held key needs its PIN), with {@code jitp} its JITP
     * template and role. Returns one line per resource.
     */
    public List<String> setup(Path config, AwsOptions options, Optional<Path> caDir, boolean jitp) {
        DeviceProfile profile = DeviceProfile.load(config);
        if (jitp && caDir.isEmpty()) {
            throw EspfleetException.badInput("--jitp registers the CA with a provisioning template: pass --ca DIR too");
        }
        Optional<FleetSpec.CaSpec> ca = caDir.map(dir -> {
            CertificateAuthority authority = CertificateAuthority.load(dir, Instant.now());
            String templateBody = JsonNode.parser().parse(AwsRegistration.jitpTemplateJson(profile.policy().name()))
                    .field("templateBody").orElseThrow().asString();
            return new FleetSpec.CaSpec(authority, jitp, profile.config().product().name() + "-jitp", templateBody);
        });
        FleetSpec spec = new FleetSpec(profile.policy(), profile.statusRule(), ca);
        try (AwsClients clients = open(profile, options)) {
            List<String> lines = new ArrayList<>();
            lines.add("fleet " + profile.config().product().name() + " on " + clients.describe());
            lines.addAll(new IotFleetSetup(clients).converge(spec));
            return lines;
        }
    }

    /**
     * The bench's registration step ({@code bench --register aws}): each unit's certificate, thing and attachments,
     * registered with the CA when it is registered in the account. The session closes it.
     */
    public UnitRegistration registration(DeviceProfile profile, X509Certificate caCertificate, AwsOptions options) {
        return registration(profile, caCertificate, options, false);
    }

    /**
     * The bench's registration step; with {@code awsSigns} ({@code --certificate-from aws}) AWS IoT also signs the
     * certificate of each unit that has none for its key (CreateCertificateFromCsr), instead of the local CA.
     */
    public UnitRegistration registration(DeviceProfile profile, X509Certificate caCertificate, AwsOptions options,
                                         boolean awsSigns) {
        AwsClients clients = open(profile, options);
        IotUnitRegistrar registrar = new IotUnitRegistrar(clients, profile.policy().name(), caCertificate);
        Optional<CsrSigner> signer = awsSigns ? Optional.of(new IotCsrSigner(clients)) : Optional.empty();
        return new UnitRegistration() {
            @Override
            public Optional<CsrSigner> certificateSigner() {
                return signer;
            }

            @Override
            public String describe() {
                return clients.describe();
            }

            @Override
            public Registered register(ThingName thing, X509Certificate certificate) {
                IotUnitRegistrar.Registered r = registrar.register(thing, certificate);
                return new Registered(r.thingArn(), r.certificateArn(), r.certificateId());
            }

            @Override
            public void close() {
                clients.close();
            }
        };
    }

    /** What {@link #sync} did. */
    public record SyncResult(int registered, List<String> stillPending) {
    }

    /**
     * {@code aws sync}: registers every unit the ledger holds as flashed and verified but registration pending
     * (the line was offline, AWS refused or throttled), from its unit folder's {@code cert.pem}. A unit that fails
     * again stays pending with the new reason; the others go on. {@code progress} hears one line per unit.
     */
    public SyncResult sync(Path config, Path caDir, Path units, Optional<String> ledgerUrl, AwsOptions options,
                           Consumer<String> progress) {
        DeviceProfile profile = DeviceProfile.load(config);
        X509Certificate caCertificate = Pem.readCertificate(caDir.resolve(CertificateAuthority.CERTIFICATE_FILE));
        String url = ledgerUrl.orElse("jdbc:sqlite:" + units.resolve("ledger.db"));
        int registered = 0;
        List<String> stillPending = new ArrayList<>();
        // a ledger that does not exist (a typo) is an error, never a new empty ledger; then opened to write
        IdentityLedger.openExisting(url).close();
        try (IdentityLedger ledger = IdentityLedger.open(url);
             UnitRegistration registration = registration(profile, caCertificate, options)) {
            List<UnitRecord> pending = ledger.pendingRegistrations();
            progress.accept(pending.size() + " unit(s) pending in " + ledger.describe() + "; registering with "
                    + registration.describe());
            for (UnitRecord unit : pending) {
                String thing = unit.thingName();
                try {
                    X509Certificate cert = certificateOf(units, unit);
                    UnitRegistration.Registered r = registration.register(ThingName.of(thing), cert);
                    ledger.markRegistered(unit.mac(), r.thingArn(), r.certificateArn(), r.certificateId());
                    registered++;
                    progress.accept(thing + ": registered (" + r.thingArn() + ")");
                } catch (EspfleetException e) {
                    ledger.markRegistrationPending(unit.mac(), e.getMessage());
                    stillPending.add(thing);
                    progress.accept(thing + ": still pending: " + e.getMessage());
                }
            }
        }
        return new SyncResult(registered, List.copyOf(stillPending));
    }

    /** The unit folder's certificate, which must be the one the ledger records for the unit. */
    private static X509Certificate certificateOf(Path units, UnitRecord unit) {
        Path file = units.resolve(unit.thingName()).resolve(UnitProvisioner.CERT_FILE);
        if (!Files.isRegularFile(file)) {
            throw new EspfleetException(ExitStatus.JOB_FAILED, "no " + file + " for " + unit.thingName()
                    + ": aws sync registers the certificate the unit folder holds", "check --units");
        }
        X509Certificate cert = Pem.readCertificate(file);
        String id = UnitProvisioner.awsCertificateId(cert);
        if (unit.certificateFingerprint().isPresent() && !unit.certificateFingerprint().get().equals(id)) {
            throw new EspfleetException(ExitStatus.JOB_FAILED, file + " is not the certificate the ledger records for "
                    + unit.thingName() + " (" + unit.certificateFingerprint().get() + "): the board holds that one",
                    "check --units and --ledger; rework the board to give it the folder's certificate");
        }
        return cert;
    }

    private static AwsClients open(DeviceProfile profile, AwsOptions options) {
        return AwsClients.open(options, profile.config().aws().endpoint().region(), LIMITER);
    }
}
