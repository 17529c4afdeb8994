package dev.espfleet.bench;

import dev.espfleet.model.ThingName;
import dev.espfleet.provisioning.CsrSigner;
import java.security.cert.X509Certificate;
import java.util.Optional;

/**
 * The cloud side of a unit (AWS IoT: its certificate, thing and attachments), which the bench calls after the
 * unit's flash was verified and recorded. A registration that fails leaves the unit "registration pending" in
 * the ledger, never lost: {@code espfleet aws sync} registers it later. Implementations must be idempotent (a
 * rework registers the same unit again) and may be called from several ports' threads at once.
 */
public interface UnitRegistration extends AutoCloseable {
    /** What the unit is registered with, for messages ("AWS IoT in eu-west-1"). */
    String describe();

    /**
     * Registers the unit; throws {@code EspfleetException} with the reason when it cannot (no network, throttled
     * past its retries, refused).
     */
    Registered register(ThingName thing, X509Certificate certificate);

    /**
     * When the cloud also signs the units' certificates ({@code --certificate-from aws}): the signer the bench asks
     * for the certificate of a unit that has none for its key, instead of the local CA. A unit it cannot sign for
     * fails (it has no certificate to be flashed with); it is not left pending.
     */
    default Optional<CsrSigner> certificateSigner() {
        return Optional.empty();
    }

    /** What the cloud calls the unit. */
    record Registered(String thingArn, String certificateArn, String certificateId) {
    }

    @Override
    default void close() {
    }
}
