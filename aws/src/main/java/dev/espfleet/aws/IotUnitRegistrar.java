package dev.espfleet.aws;

import dev.espfleet.model.ThingName;
import dev.espfleet.provisioning.Pem;
import java.security.cert.X509Certificate;
import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.iot.IotClient;
import software.amazon.awssdk.services.iot.model.CACertificateStatus;
import software.amazon.awssdk.services.iot.model.CertificateDescription;
import software.amazon.awssdk.services.iot.model.CertificateStatus;
import software.amazon.awssdk.services.iot.model.DescribeThingResponse;
import software.amazon.awssdk.services.iot.model.ResourceAlreadyExistsException;
import software.amazon.awssdk.services.iot.model.ResourceNotFoundException;
import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;

/**
 * Registers one unit with AWS IoT: its certificate (RegisterCertificate with the CA's certificate when the CA is
 * registered and active in the account, else RegisterCertificateWithoutCA), its thing (CreateThing), the fleet
 * policy on the certificate (AttachPolicy) and the certificate on the thing (AttachThingPrincipal). Each step reads
 * first (DescribeCertificate, DescribeThing, ListAttachedPolicies, ListThingPrincipals) and changes only what is
 * missing, so rework and re-runs converge and a second run changes nothing; a certificate or thing that appears
 * between the read and the write (ResourceAlreadyExistsException, another station) is looked up, not duplicated.
 */
public final class IotUnitRegistrar {
    /** What AWS calls the unit once registered. */
    public record Registered(String thingArn, String certificateArn, String certificateId, boolean changed) {
    }

    private final IotClient iot;
    private final String where;
    private final String policyName;
    private final X509Certificate caCertificate;
    private volatile Boolean caRegistered;

    /** @param caCertificate the certificate of the CA that issued the units' certificates */
    public IotUnitRegistrar(AwsClients clients, String policyName, X509Certificate caCertificate) {
        this.iot = clients.iot();
        this.where = clients.describe();
        this.policyName = policyName;
        this.caCertificate = caCertificate;
    }

    public String describe() {
        return where;
    }

    /**
     * Whether the fleet's CA is registered and active in the account (asked once per run): device certificates
     * are then registered with it (RegisterCertificate), else without (RegisterCertificateWithoutCA, for which the
     * devices must send SNI, as the generated firmware does).
     */
    public boolean caRegistered() {
        if (caRegistered == null) {
            String id = Certificates.awsId(caCertificate);
            caRegistered = find("DescribeCACertificate", () -> iot.describeCACertificate(b -> b.certificateId(id)))
                    .map(r -> r.certificateDescription().status() == CACertificateStatus.ACTIVE).orElse(false);
        }
        return caRegistered;
    }

    public Registered register(ThingName thing, X509Certificate certificate) {
        boolean changed = false;
        String certificateId = Certificates.awsId(certificate);

        // 1. the certificate
        Optional<CertificateDescription> known = describeCertificate(certificateId);
        if (known.isEmpty()) {
            String pem = Pem.encodeCertificate(certificate);
            try {
                if (caRegistered()) {
                    String caPem = Pem.encodeCertificate(caCertificate);
                    iot.registerCertificate(b -> b.certificatePem(pem).caCertificatePem(caPem)
                            .status(CertificateStatus.ACTIVE));
                } else {
                    iot.registerCertificateWithoutCA(b -> b.certificatePem(pem).status(CertificateStatus.ACTIVE));
                }
                changed = true;
            } catch (ResourceAlreadyExistsException e) {
                // registered meanwhile (another station): look it up below
            } catch (SdkException e) {
                throw AwsErrors.of(where, caRegistered() ? "RegisterCertificate" : "RegisterCertificateWithoutCA", e);
            }
            known = describeCertificate(certificateId);
            if (known.isEmpty()) {
                throw new EspfleetException(ExitStatus.JOB_FAILED, where + ": certificate " + certificateId
                        + " was registered but DescribeCertificate does not find it");
            }
        }
        CertificateDescription description = known.get();
        if (description.status() != CertificateStatus.ACTIVE) {
            throw new EspfleetException(ExitStatus.JOB_FAILED, where + ": the certificate of " + thing + " ("
                    + certificateId + ") is " + description.statusAsString() + " in AWS IoT, so the device cannot connect",
                    "someone changed it on purpose? activate it (aws iot update-certificate --new-status ACTIVE) or give "
                            + "the unit a new key and certificate");
        }
        String certificateArn = description.certificateArn();

        // 2. the thing
        Optional<DescribeThingResponse> thingNow = find("DescribeThing", () -> iot.describeThing(b -> b.thingName(thing.value())));
        String thingArn;
        if (thingNow.isPresent()) {
            thingArn = thingNow.get().thingArn();
        } else {
            try {
                thingArn = iot.createThing(b -> b.thingName(thing.value())).thingArn();
                changed = true;
            } catch (ResourceAlreadyExistsException e) {
                // created meanwhile with other settings: it is the unit's thing all the same
                thingArn = call("DescribeThing", () -> iot.describeThing(b -> b.thingName(thing.value()))).thingArn();
            } catch (SdkException e) {
                throw AwsErrors.of(where, "CreateThing", e);
            }
        }

        // 3. the policy on the certificate
        boolean policyAttached = call("ListAttachedPolicies", () -> iot.listAttachedPoliciesPaginator(b -> b
                .target(certificateArn)).policies().stream().anyMatch(p -> policyName.equals(p.policyName())));
        if (!policyAttached) {
            call("AttachPolicy", () -> iot.attachPolicy(b -> b.policyName(policyName).target(certificateArn)));
            changed = true;
        }

        // 4. the certificate on the thing
        boolean principalAttached = call("ListThingPrincipals", () -> iot.listThingPrincipalsPaginator(b -> b
                .thingName(thing.value())).principals().stream().anyMatch(certificateArn::equals));
        if (!principalAttached) {
            call("AttachThingPrincipal", () -> iot.attachThingPrincipal(b -> b.thingName(thing.value())
                    .principal(certificateArn)));
            changed = true;
        }
        return new Registered(thingArn, certificateArn, certificateId, changed);
    }

    private Optional<CertificateDescription> describeCertificate(String id) {
        return find("DescribeCertificate", () -> iot.describeCertificate(b -> b.certificateId(id)))
                .map(r -> r.certificateDescription());
    }

    private <T> T call(String operation, Supplier<T> call) {
        try {
            return call.get();
        } catch (SdkException e) {
            throw AwsErrors.of(where, operation, e);
        }
    }

    private void call(String operation, Runnable call) {
        call(operation, () -> {
            call.run();
            return null;
        });
    }

    private <T> Optional<T> find(String operation, Supplier<T> call) {
        try {
            return Optional.of(call.get());
        } catch (ResourceNotFoundException e) {
            return Optional.empty();
        } catch (SdkException e) {
            throw AwsErrors.of(where, operation, e);
        }
    }
}
