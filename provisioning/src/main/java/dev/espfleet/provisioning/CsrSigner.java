package dev.espfleet.provisioning;

import dev.espfleet.model.ThingName;
import java.security.cert.X509Certificate;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;

/**
 * A certificate authority that is not on this machine and signs a unit's certificate request there: AWS IoT's
 * CreateCertificateFromCsr. What it returns is checked by the caller as any certificate from elsewhere is (the
 * unit's key, its CN, validity, clientAuth).
 */
public interface CsrSigner {
    /** Who signs, for messages ("AWS IoT in eu-west-1 (CreateCertificateFromCsr)"). */
    String describe();

    /**
     * The certificate for {@code csr}, the request of {@code thing}; throws {@code EspfleetException} with the reason
     * in one line when the signer refuses the request or cannot be reached.
     */
    X509Certificate sign(ThingName thing, PKCS10CertificationRequest csr);
}
