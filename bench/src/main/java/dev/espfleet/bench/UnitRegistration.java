package dev.espfleet.bench;

import dev.espfleet.model.ThingName;
import java.security.cert.X509Certificate;

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

    /** What the cloud calls the unit. */
    record Registered(String thingArn, String certificateArn, String certificateId) {
    }

    @Override
    default void close() {
    }
}
