package dev.espfleet.cli;

import dev.espfleet.common.InputFiles;
import dev.espfleet.common.EspfleetException;
import dev.espfleet.generator.config.ConfigLoader;
import dev.espfleet.generator.config.DeviceConfig;
import dev.espfleet.nvs.PartitionLabel;
import dev.espfleet.provisioning.CertificateAuthority;
import dev.espfleet.provisioning.IdentityImageCheck;
import dev.espfleet.provisioning.IdentityLayout;
import dev.espfleet.provisioning.Pem;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Option;

/** {@code flash --nvs}: the identity in an NVS image is checked before it is written to a board. */
public final class IdentityImageOptions {
    /** An NVS partition is at most a few hundred KiB; 16 MiB is a whole flash chip. */
    static final int MAX_IMAGE_BYTES = 16 << 20;

    @Option(names = "--config", paramLabel = "FILE",
            description = "Device config: the identity layout (partition, NVS namespace, keys) to check an --nvs image "
                    + "by (default: the default layout); an image for its identity partition must hold an identity.")
    Path config;

    @Option(names = "--ca", paramLabel = "DIR|FILE",
            description = "Also check that the --nvs image's certificate was issued by this CA (a CA folder, or its "
                    + "ca.pem/chain.pem).")
    Path ca;

    /** The image's bytes, read with a bound and checked; one line on {@code err} says what it holds. */
    byte[] checkedImage(Path image, PartitionLabel partition, PrintWriter err) {
        byte[] bytes = InputFiles.read(image, MAX_IMAGE_BYTES, "NVS image");
        IdentityLayout layout = IdentityLayout.DEFAULT;
        boolean required = false;
        if (config != null) {
            DeviceConfig device = ConfigLoader.load(config);
            layout = ProvisioningFromConfig.layout(device);
            required = partition.equals(layout.partition());
        }
        Optional<List<X509Certificate>> chain = Optional.ofNullable(ca).map(IdentityImageOptions::caChain);
        Optional<IdentityImageCheck.Identity> identity = IdentityImageCheck.check(bytes, image.toString(), layout,
                required, chain, Instant.now());
        if (identity.isEmpty() && ca != null) {
            throw EspfleetException.badInput("--ca " + ca + " is for checking an identity, but " + image
                    + " holds none (no NVS namespace '" + layout.namespace() + "')");
        }
        identity.ifPresent(id -> err.printf("%s: identity of '%s': certificate and key are a pair, CN = thing name%s%n",
                image, id.thingName(), ca != null ? ", issued by " + ca : ""));
        return bytes;
    }

    private static List<X509Certificate> caChain(Path ca) {
        if (Files.isDirectory(ca)) {
            Path chain = ca.resolve(CertificateAuthority.CHAIN_FILE);
            return Pem.readCertificates(Files.isRegularFile(chain) ? chain : ca.resolve(CertificateAuthority.CERTIFICATE_FILE));
        }
        return Pem.readCertificates(ca);
    }
}
