package dev.espfleet.services;

import dev.espfleet.model.ThingName;
import dev.espfleet.nvs.NvsKey;
import dev.espfleet.nvs.PartitionLabel;
import java.nio.file.Path;
import java.util.List;

/**
 * What provisioning a unit did.
 *
 * @param report           one line per file written or reused
 * @param identityComplete the unit has a certificate, so its identity images are written
 * @param images           the NVS images to flash, each into its partition (the identity's, and Wi-Fi's own)
 * @param noWifi           the identity image holds no Wi-Fi credentials although the firmware reads them from
 *                         it (namespace {@code wifiNamespace}): it halts at boot without them
 * @param registerScript   {@code aws/register.sh}
 * @param certificateFile  where {@code cert.pem} goes (for the CSR-only route's next step)
 */
public record ProvisionResult(ThingName thing, Path unit, List<String> report, boolean identityComplete,
                              List<ImageToFlash> images, boolean noWifi, NvsKey wifiNamespace, Path registerScript,
                              Path certificateFile) {

    /** A file of the unit folder and the partition it is flashed into. */
    public record ImageToFlash(Path file, PartitionLabel partition) {
    }
}
