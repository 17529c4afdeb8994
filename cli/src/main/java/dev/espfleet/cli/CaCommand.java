package dev.espfleet.cli;

import dev.espfleet.provisioning.CertificateAuthority;
import dev.espfleet.provisioning.KeyType;
import dev.espfleet.provisioning.Pkcs11Uri;
import dev.espfleet.services.CaService;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code espfleet ca}: a local certificate authority for offline benches.
 * Its subcommands are listed in {@link EspfleetCommand#SUBCOMMANDS}, which builds only the one a run names.
 */
@Command(name = "ca", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "A local certificate authority for offline benches.",
        synopsisSubcommandLabel = "COMMAND")
final class CaCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "a subcommand is required");
    }

    /** {@code espfleet ca init --out DIR [--root DIR]}. */
    @Command(name = "init", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
            description = {
                "Create a CA in DIR: ca.pem, ca.key.pem (mode 0600) and chain.pem.",
                "Self-signed root by default; with --root, an intermediate signed by that CA.",
                "With --key-uri the key is generated inside a PKCS#11 token and DIR keeps key-uri",
                "(the URI without the PIN) instead of ca.key.pem."})
    static final class Init implements Callable<Integer> {
        static final int DEFAULT_VALIDITY_DAYS = CaService.DEFAULT_VALIDITY_DAYS;

        @Spec
        CommandSpec spec;

        @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder for the new CA.")
        Path out;

        @Option(names = "--root", paramLabel = "DIR",
                description = "An existing CA folder (ca.pem, ca.key.pem) to sign an intermediate CA with.")
        Path root;

        @Option(names = "--name", paramLabel = "CN", defaultValue = "espfleet local CA",
                description = "Common name of the CA (default: ${DEFAULT-VALUE}).")
        String name;

        @Option(names = "--org", paramLabel = "O", description = "Organization of the CA.")
        String org;

        @Option(names = "--key-type", paramLabel = "TYPE", defaultValue = "ec-p256",
                converter = KeyTypeConverter.class, completionCandidates = KeyTypeConverter.class,
                description = "CA key: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
        KeyType keyType;

        @Option(names = "--key-uri", paramLabel = "URI",
                description = "Generate the key in a PKCS#11 token (RFC 7512), e.g. 'pkcs11:token=ca;object=ca-key"
                        + "?module-path=/usr/lib/softhsm/libsofthsm2.so'; the PIN from pin-value= or $"
                        + Pkcs11Uri.PIN_VARIABLE + ".")
        String keyUri;

        @Option(names = "--validity-days", paramLabel = "DAYS",
                description = "Validity of the CA certificate (default: " + DEFAULT_VALIDITY_DAYS
                        + ", for an intermediate ending no later than its root).")
        Integer validityDays;

        @Override
        public Integer call() {
            Optional<Pkcs11Uri> uri = Optional.ofNullable(keyUri).map(u -> Pkcs11Uri.parse(u, "--key-uri"));
            CertificateAuthority ca = new CaService().init(out, Optional.ofNullable(root), name,
                    Optional.ofNullable(org), keyType,
                    validityDays == null ? OptionalInt.empty() : OptionalInt.of(validityDays), uri, System.getenv());
            PrintWriter o = spec.commandLine().getOut();
            o.printf("created %s CA '%s' in %s, valid until %s%n", root == null ? "root" : "intermediate",
                    ca.certificate().getSubjectX500Principal().getName(), out,
                    ca.certificate().getNotAfter().toInstant());
            if (ca.keyUri().isPresent()) {
                o.printf("  key generated in the PKCS#11 token (not extractable): %s%n", ca.keyUri().get());
                o.printf("  %s, %s (the URI, without the PIN), %s%n", CertificateAuthority.CERTIFICATE_FILE,
                        CertificateAuthority.KEY_URI_FILE, CertificateAuthority.CHAIN_FILE);
            } else {
                o.printf("  %s, %s (mode 0600), %s%n", CertificateAuthority.CERTIFICATE_FILE,
                        CertificateAuthority.KEY_FILE, CertificateAuthority.CHAIN_FILE);
            }
            o.flush();
            return 0;
        }
    }
}
