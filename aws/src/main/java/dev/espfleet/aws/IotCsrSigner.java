package dev.espfleet.aws;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.model.ThingName;
import dev.espfleet.provisioning.CsrSigner;
import dev.espfleet.provisioning.Pem;
import java.security.cert.X509Certificate;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.iot.IotClient;
import software.amazon.awssdk.services.iot.model.CreateCertificateFromCsrResponse;

/**
 * AWS IoT signs the unit's certificate request: CreateCertificateFromCsr with setAsActive, through the clients' rate
 * limiter and retries. The certificate is then in the account, active, with no policy and no thing yet
 * ({@link IotUnitRegistrar} finds it by its ID and attaches them). Each call makes a new certificate, even for the
 * same request (the API reference says so), so the caller asks only for a unit that has none for its key.
 */
public final class IotCsrSigner implements CsrSigner {
    private final IotClient iot;
    private final String where;

    public IotCsrSigner(AwsClients clients) {
        this.iot = clients.iot();
        this.where = clients.describe();
    }

    @Override
    public String describe() {
        return where + " (CreateCertificateFromCsr)";
    }

    @Override
    public X509Certificate sign(ThingName thing, PKCS10CertificationRequest csr) {
        String csrPem = Pem.encodeCsr(csr);
        CreateCertificateFromCsrResponse response;
        try {
            response = iot.createCertificateFromCsr(b -> b.certificateSigningRequest(csrPem).setAsActive(true));
        } catch (SdkException e) {
            EspfleetException why = AwsErrors.of(where, "CreateCertificateFromCsr", e);
            // not "pending" as a failed registration is: without a certificate the unit has nothing to flash
            String hint = why.status() == ExitStatus.UNAVAILABLE
                    ? "check the network (and --endpoint-url); nothing was written for the unit: put it on the bench again"
                    : why.hint().orElse("nothing was written for the unit; AWS IoT takes a request for an RSA key of "
                    + "2048 bits or more or an EC P-256, P-384 or P-521 key");
            throw new EspfleetException(why.status(), "AWS IoT did not sign " + thing + "'s certificate request: "
                    + why.getMessage(), hint, e);
        }
        String answer = where + ": CreateCertificateFromCsr for " + thing;
        X509Certificate certificate;
        try {
            certificate = Pem.parseCertificates(response.certificatePem(), answer).get(0);
        } catch (RuntimeException e) {
            throw new EspfleetException(ExitStatus.JOB_FAILED, answer + " returned no PEM certificate (certificatePem)");
        }
        String id = Certificates.awsId(certificate);
        if (!id.equals(response.certificateId())) {
            throw new EspfleetException(ExitStatus.JOB_FAILED, answer + " returned certificateId "
                    + response.certificateId() + ", but its certificatePem's SHA-256 is " + id);
        }
        return certificate;
    }
}
