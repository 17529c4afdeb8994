package dev.espfleet.services;

import java.nio.file.Path;

/** Where a unit's certificate comes from. */
public sealed interface CertificateFrom {
    /** Issued by the local CA in this folder ({@code espfleet ca init}). */
    record LocalCa(Path dir) implements CertificateFrom {
    }

    /** None yet: AWS signs the unit's CSR ({@code aws/register.sh}), then {@link Given} brings it back. */
    record AwsSignsCsr() implements CertificateFrom {
    }

    /** A certificate AWS issued for the unit's CSR. */
    record Given(Path file) implements CertificateFrom {
    }
}
