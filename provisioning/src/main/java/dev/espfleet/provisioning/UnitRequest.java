package dev.espfleet.provisioning;

import java.nio.file.Path;
import java.util.Optional;

/** What {@link UnitProvisioner} is asked to make in one unit folder. */
public record UnitRequest(Path unitDir, DeviceSubject subject, KeyType keyType, Optional<String> endpoint,
                          CertificateSource certificateSource, ServerCa serverCa, String topicPrefix,
                          IdentityLayout layout, boolean rotate) {
}
