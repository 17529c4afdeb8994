package dev.espfleet.provisioning;

import dev.espfleet.model.AwsEndpoint;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What {@link UnitProvisioner} is asked to make in one unit folder.
 *
 * @param identityPartitionSize size of the identity NVS partition, which {@code identity.bin} fills
 * @param wifi credentials added to {@code identity.bin} beside the identity, when given
 * @param board the board (MAC, ledger row) a bench provisions the unit for: the folder must be bound to it
 */
public record UnitRequest(Path unitDir, DeviceSubject subject, KeyType keyType, Optional<AwsEndpoint> endpoint,
                          CertificateSource certificateSource, ServerCa serverCa, DevicePolicy policy,
                          IdentityLayout layout, int identityPartitionSize, Optional<WifiCredentials> wifi,
                          boolean rotate, Optional<UnitBinding.Board> board) {
    /** A unit for no particular board ({@code espfleet provision}). */
    public UnitRequest(Path unitDir, DeviceSubject subject, KeyType keyType, Optional<AwsEndpoint> endpoint,
                       CertificateSource certificateSource, ServerCa serverCa, DevicePolicy policy,
                       IdentityLayout layout, int identityPartitionSize, Optional<WifiCredentials> wifi,
                       boolean rotate) {
        this(unitDir, subject, keyType, endpoint, certificateSource, serverCa, policy, layout, identityPartitionSize,
                wifi, rotate, Optional.empty());
    }
}
