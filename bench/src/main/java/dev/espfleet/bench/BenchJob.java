package dev.espfleet.bench;

import dev.espfleet.bench.eol.EndOfLinePlan;
import dev.espfleet.flasher.flash.FlashPlan;
import dev.espfleet.model.AwsEndpoint;
import dev.espfleet.provisioning.CertificateAuthority;
import dev.espfleet.provisioning.DevicePolicy;
import dev.espfleet.provisioning.IdentityLayout;
import dev.espfleet.provisioning.KeyType;
import dev.espfleet.provisioning.ServerCa;
import dev.espfleet.provisioning.WifiCredentials;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Everything a bench run needs to turn a connected board into a provisioned unit, decided once before
 * any port is touched.
 *
 * @param firmware what is written besides the identity image (a build's flasher_args.json images, a Wi-Fi NVS
 *                 image), or {@link FlashPlan#NONE}; every board's write goes through its one check
 * @param identityOffset flash offset of the identity NVS partition
 * @param endOfLine      the test each unit passes, reset into its application, before it is done
 */
public record BenchJob(String product, String organization, ThingNamePattern namePattern, Path unitsDir,
                       CertificateAuthority ca, String caLabel, ServerCa serverCa, DevicePolicy policy,
                       IdentityLayout layout, int identityOffset, int identitySize, AwsEndpoint endpoint,
                       Optional<WifiCredentials> wifi, KeyType keyType, FlashPlan firmware, int baud,
                       String station, EndOfLinePlan endOfLine) {

    /** The same job writing {@code plan} as its firmware and testing units by {@code eol}. */
    public BenchJob withFirmware(FlashPlan plan, EndOfLinePlan eol) {
        return new BenchJob(product, organization, namePattern, unitsDir, ca, caLabel, serverCa, policy, layout,
                identityOffset, identitySize, endpoint, wifi, keyType, plan, baud, station, eol);
    }
}
