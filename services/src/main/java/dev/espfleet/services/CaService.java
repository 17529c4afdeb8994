package dev.espfleet.services;

import dev.espfleet.provisioning.CertificateAuthority;
import dev.espfleet.provisioning.KeyType;
import dev.espfleet.provisioning.ValidityPeriod;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalInt;

/** A local certificate authority for offline benches ({@code espfleet ca init}). */
public final class CaService {
    /** A root CA's validity unless told otherwise; an intermediate's ends no later than its root. */
    public static final int DEFAULT_VALIDITY_DAYS = 7300;

    /**
     * Makes a CA in {@code out} (which must not exist or be an empty folder), written as one step: a self-signed
     * root, or with {@code root} an intermediate signed by that CA, by default ending no later than it (an
     * explicit validity that outlives the root is refused).
     */
    public CertificateAuthority init(Path out, Optional<Path> root, String name, Optional<String> organization,
                                     KeyType keyType, OptionalInt validityDays) {
        Instant now = Instant.now();
        SecureRandom random = new SecureRandom();
        int days = validityDays.orElse(DEFAULT_VALIDITY_DAYS);
        CertificateAuthority ca;
        if (root.isEmpty()) {
            ca = CertificateAuthority.createRoot(name, organization, keyType, ValidityPeriod.days(now, days), random);
        } else {
            CertificateAuthority parent = CertificateAuthority.load(root.get(), now);
            ValidityPeriod validity = validityDays.isEmpty() ? parent.validityWithin(now, days)
                    : ValidityPeriod.days(now, days);
            ca = parent.createIntermediate(name, organization, keyType, validity, random);
        }
        ca.saveNew(out);
        return ca;
    }
}
