package dev.espfleet.services;

import dev.espfleet.model.AwsEndpoint;
import dev.espfleet.model.ThingName;
import dev.espfleet.provisioning.KeyType;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * One unit to provision ({@code espfleet provision}).
 *
 * @param config          the device config: endpoint, identity layout, policy and Wi-Fi placement come from it
 * @param out             the unit folder
 * @param serverCa        the broker's CA; empty for {@code defaultServerCa} (Amazon Root CA 1 in the trust store)
 * @param endpoint        overrides {@code aws.endpoint}
 * @param organization    the subject's O; empty for the product name
 * @param validityDays    of a certificate the local CA issues; empty for its default
 */
public record ProvisionRequest(Path config, ThingName thing, Path out, CertificateFrom certificate,
                               Optional<Path> serverCa, Path defaultServerCa, boolean rotate,
                               Optional<AwsEndpoint> endpoint, Optional<String> organization, Optional<String> country,
                               Optional<WifiSettings> wifi, KeyType keyType, OptionalInt validityDays) {
}
