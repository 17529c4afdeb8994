package dev.espfleet.services;

import dev.espfleet.provisioning.CertificateAuthority;
import dev.espfleet.provisioning.KeyType;
import dev.espfleet.provisioning.Pkcs11Token;
import dev.espfleet.provisioning.Pkcs11Uri;
import dev.espfleet.provisioning.ValidityPeriod;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/** A local certificate authority for offline benches ({@code espfleet ca init}). */
public final class CaService {
    /** A root CA's validity unless told otherwise; an intermediate's ends no later than its root. */
    public static final int DEFAULT_VALIDITY_DAYS = 7300;

    /** {@link #init(Path, Optional, String, Optional, KeyType, OptionalInt, Optional, Map)} with the key in a file. */
    public CertificateAuthority init(Path out, Optional<Path> root, String name, Optional<String> organization,
                                     KeyType keyType, OptionalInt validityDays) {
        return init(out, root, name, organization, keyType, validityDays, Optional.empty(), Map.of());
    }

    /**
     * Makes a CA in {@code out} (which must not exist or be an empty folder), written as one step: a self-signed
     * root, or with {@code root} an intermediate signed by that CA, by default ending no later than it (an
     * explicit validity that outlives the root is refused). With {@code keyUri} the key is generated inside that
     * PKCS#11 token (PIN from the URI or {@code environment}'s {@value Pkcs11Uri#PIN_VARIABLE}) and {@code out}
     * keeps the URI without the PIN in place of a key file.
     */
    public CertificateAuthority init(Path out, Optional<Path> root, String name, Optional<String> organization,
                                     KeyType keyType, OptionalInt validityDays, Optional<Pkcs11Uri> keyUri,
                                     Map<String, String> environment) {
        Instant now = Instant.now();
        SecureRandom random = new SecureRandom();
        int days = validityDays.orElse(DEFAULT_VALIDITY_DAYS);
        CertificateAuthority.requireRoomFor(out);
        Optional<CertificateAuthority> parent = root.map(r -> CertificateAuthority.load(r, now));
        ValidityPeriod validity = parent.isPresent() && validityDays.isEmpty() ? parent.get().validityWithin(now, days)
                : ValidityPeriod.days(now, days);
        CertificateAuthority ca;
        if (keyUri.isPresent()) {
            Pkcs11Token token = Pkcs11Token.open(keyUri.get(), environment);
            ca = parent.isEmpty()
                    ? CertificateAuthority.createRootInToken(name, organization, keyType, token, validity, random)
                    : parent.get().createIntermediateInToken(name, organization, keyType, token, validity, random);
        } else {
            ca = parent.isEmpty()
                    ? CertificateAuthority.createRoot(name, organization, keyType, validity, random)
                    : parent.get().createIntermediate(name, organization, keyType, validity, random);
        }
        ca.saveNew(out);
        return ca;
    }
}
