package dev.espfleet.provisioning;

import java.nio.file.Path;
import java.time.Instant;
import java.util.OptionalInt;

/** Where a unit's device certificate comes from. */
public sealed interface CertificateSource {
    /**
     * Issued here by a local CA, valid for {@code validityDays}; when empty, for
     * {@link #DEFAULT_VALIDITY_DAYS} but no longer than the CA.
     */
    record LocalCa(CertificateAuthority ca, String caName, OptionalInt validityDays) implements CertificateSource {
        public static final int DEFAULT_VALIDITY_DAYS = 3650;

        ValidityPeriod validity(Instant now) {
            return validityDays.isPresent() ? ValidityPeriod.days(now, validityDays.getAsInt())
                    : ca.validityWithin(now, DEFAULT_VALIDITY_DAYS);
        }
    }

    /** Only the key and CSR are made; AWS signs the CSR ({@code aws/register.sh}). */
    record CsrOnly() implements CertificateSource {
    }

    /**
     * Signed by a CA that is not here ({@code bench --register aws --certificate-from aws}: AWS IoT's
     * CreateCertificateFromCsr) when the unit has no certificate for its key yet; a unit's cert.pem that is for its
     * key and subject and still valid is kept, never issued again.
     */
    record Remote(CsrSigner signer) implements CertificateSource {
    }

    /** A certificate obtained elsewhere (from AWS for this unit's CSR), checked against the unit's key. */
    record Given(Path file) implements CertificateSource {
    }
}
