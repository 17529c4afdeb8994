package dev.espfleet.aws;

import dev.espfleet.provisioning.UnitProvisioner;
import java.security.cert.X509Certificate;

/** How AWS IoT names a certificate. */
final class Certificates {
    private Certificates() {
    }

    /** AWS IoT's certificate ID: the SHA-256 of the DER certificate in lower-case hex (CA certificates too). */
    static String awsId(X509Certificate certificate) {
        return UnitProvisioner.awsCertificateId(certificate);
    }
}
