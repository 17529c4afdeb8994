package dev.espfleet.provisioning;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The CA the device trusts for the broker's certificate: Amazon Root CA 1 from the system trust store by
 * default, or any PEM file (a local test broker's CA, for example).
 */
public record ServerCa(List<X509Certificate> certificates, Path source) {
    /** Where Debian's ca-certificates package links Amazon Root CA 1. */
    public static final Path AMAZON_ROOT_CA_1 = Path.of("/etc/ssl/certs/Amazon_Root_CA_1.pem");

    public ServerCa {
        certificates = List.copyOf(certificates);
    }

    /** The CA in {@code file}, or Amazon Root CA 1 from {@code systemDefault} when none is given. */
    public static ServerCa resolve(Optional<Path> file, Path systemDefault, Instant now) {
        Path source = file.orElse(systemDefault);
        if (file.isEmpty() && !Files.isRegularFile(source)) {
            throw new EspfleetException(ExitStatus.BAD_INPUT,
                    "Amazon Root CA 1 is not in the system trust store: no " + source,
                    "install it (Debian: apt-get install ca-certificates) or pass --server-ca FILE");
        }
        List<X509Certificate> certificates = Pem.readCertificates(source);
        for (X509Certificate c : certificates) {
            if (c.getBasicConstraints() < 0) {
                throw EspfleetException.badInput(source + " holds '" + c.getSubjectX500Principal().getName()
                        + "', which is not a CA certificate; --server-ca expects the CA that signed the broker's "
                        + "certificate");
            }
            IdentityChecks.requireValidAt(c, "server CA '" + c.getSubjectX500Principal().getName() + "' in " + source,
                    now);
        }
        return new ServerCa(certificates, source);
    }
}
