package dev.espfleet.generator.config;

import dev.espfleet.model.AwsEndpoint;
import dev.espfleet.model.Chip;
import dev.espfleet.model.ThingName;
import dev.espfleet.nvs.NvsKey;
import dev.espfleet.nvs.PartitionLabel;
import java.util.List;
import java.util.Optional;

/**
 * One device product, as its YAML config describes it, after validation: every value here is within
 * the limits of ESP-IDF and AWS IoT Core.
 *
 * @param sourceName the config's file name (no directory), for "generated from" comments
 */
public record DeviceConfig(
        String sourceName,
        Product product,
        Chip target,
        FlashSize flashSize,
        Aws aws,
        Mqtt mqtt,
        Reconnect reconnect,
        Shadow shadow,
        Telemetry telemetry,
        Jobs jobs,
        Identity identity,
        Wifi wifi) {

    public record Product(String name, String firmwareVersion) {
    }

    /** @param thingName pinned thing name; empty when the firmware reads it from NVS (the default) */
    public record Aws(AwsEndpoint endpoint, Optional<ThingName> thingName, Optional<String> accountId) {
    }

    public record Mqtt(int keepAliveSeconds, boolean persistentSession, int qos, String topicPrefix,
                       int bufferSize, int maxMessageBytes, int networkTimeoutMs) {
    }

    public record Reconnect(int initialDelayMs, int maxDelayMs, int multiplier, JitterStrategy jitter,
                            int jitterPercent) {
    }

    /** @param name the named shadow; empty for the classic (unnamed) shadow */
    public record Shadow(Optional<String> name, List<DesiredField> desired, List<ReportedField> reported) {
    }

    /** A value the cloud sets through the shadow's desired state, checked before it is applied. */
    public record DesiredField(String name, FieldType type, Optional<Double> min, Optional<Double> max,
                               Object defaultValue, int maxLength) {
    }

    /** A value the device reports, read from a generated weak {@code read_<name>()} hook. */
    public record ReportedField(String name, FieldType type, int maxLength) {
    }

    /** @param to where the readings go (a topic of their own, or the shadow) */
    public record Telemetry(int intervalSeconds, TelemetryDestination to) {
    }

    /**
     * AWS IoT Jobs.
     *
     * @param selfTestTimeoutSeconds how long a new app has to pass its self-test before it rolls back
     * @param stepTimeoutMinutes the stepTimeoutInMinutes of the device's IN_PROGRESS updates
     * @param rotation the firmware takes {@code rotate-certificate} jobs (only with {@code enabled})
     * @param rotationTemplate the provisioning template a rotation registers its new certificate with (RegisterThing);
     *                         present exactly when {@code rotation}
     * @param otaSigningKey jobs.ota_signing_key as written: an EC P-256 public key PEM file, relative to the config;
     *                      when present the firmware requires a valid {@code signature} in ota job documents
     * @param otaSigningKeyPem that file's PEM text (ConfigLoader.load reads it; empty for a config parsed from text)
     */
    public record Jobs(boolean enabled, int selfTestTimeoutSeconds, int stepTimeoutMinutes, boolean rotation,
                       Optional<String> rotationTemplate, Optional<String> otaSigningKey,
                       Optional<String> otaSigningKeyPem) {

        /** The same jobs with the signing key's PEM (read by ConfigLoader.load from beside the config). */
        public Jobs withOtaSigningKeyPem(String pem) {
            return new Jobs(enabled, selfTestTimeoutSeconds, stepTimeoutMinutes, rotation, rotationTemplate, otaSigningKey,
                    Optional.of(pem));
        }
    }

    /** The same config with other jobs settings. */
    public DeviceConfig withJobs(Jobs j) {
        return new DeviceConfig(sourceName, product, target, flashSize, aws, mqtt, reconnect, shadow, telemetry, j,
                identity, wifi);
    }

    /**
     * @param keySource     where the private key is made (the bench, or the device at its first boot)
     * @param claimTemplate fleet provisioning by claim: the AWS IoT provisioning template; empty without a claim
     * @param claimCertKey  the NVS key of the claim certificate (read only with a claim template)
     * @param claimKeyKey   the NVS key of the claim certificate's private key
     */
    public record Identity(PartitionLabel partition, int partitionSize, NvsKey namespace, NvsKey thingNameKey,
                           NvsKey endpointKey, NvsKey deviceCertKey, NvsKey privateKeyKey, NvsKey serverCaKey,
                           KeySource keySource, Optional<String> claimTemplate, NvsKey claimCertKey,
                           NvsKey claimKeyKey) {
        public boolean keyBornOnDevice() {
            return keySource == KeySource.DEVICE;
        }
    }

    public record Wifi(PartitionLabel partition, NvsKey namespace, NvsKey ssidKey, NvsKey passwordKey) {
    }
}
