package dev.espfleet.services;

import dev.espfleet.common.AtomicFiles;
import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.common.InputFiles;
import dev.espfleet.flasher.loader.ChipInfo;
import dev.espfleet.flasher.connection.ConnectOptions;
import dev.espfleet.flasher.flash.FlashOptions;
import dev.espfleet.flasher.image.FlashRegion;
import dev.espfleet.flasher.flash.FlashReader;
import dev.espfleet.flasher.flash.FlashWriter;
import dev.espfleet.flasher.connection.PortOpener;
import dev.espfleet.flasher.flash.ProgressListener;
import dev.espfleet.flasher.loader.RomLoader;
import dev.espfleet.flasher.flash.FlashPlan;
import dev.espfleet.flasher.image.FlasherArgs;
import dev.espfleet.flasher.image.SecretData;
import dev.espfleet.flasher.image.StubImage;
import dev.espfleet.flasher.connection.TracingTransport;
import dev.espfleet.flasher.connection.Transport;
import dev.espfleet.nvs.PartitionLabel;
import dev.espfleet.provisioning.CertificateAuthority;
import dev.espfleet.provisioning.IdentityImageCheck;
import dev.espfleet.provisioning.IdentityLayout;
import dev.espfleet.provisioning.Pem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Jobs on one chip: connect, do the job, prove it with the chip's MD5, then reset as asked
 * ({@link ConnectOptions#after()}). Writes go through {@link FlashPlan}'s check, the one the bench's writes go
 * through too.
 */
public final class FlashService {
    /** An NVS partition is at most a few hundred KiB; 16 MiB is a whole flash chip. */
    static final int MAX_IMAGE_BYTES = 16 << 20;

    /** Chip, MAC, revision and flash of the connected chip. */
    public ChipInfo chipInfo(PortConnection port, FlashListener listener) {
        return onChip(port, listener, RomLoader::chipInfo);
    }

    /**
     * Writes the plan's regions after its check ({@link FlashPlan#checkedFor}) and proves each with the chip's
     * MD5; {@link FlashListener#written} hears the result before the reset.
     */
    public WriteReport write(PortConnection port, FlashPlan plan, FlashOptions options, FlashListener listener) {
        List<FlashRegion> marked = new ArrayList<>();
        for (FlashRegion r : plan.regions()) {
            // an identity image (or anything holding a private key) is never shown by --trace
            marked.add(r.secret() || SecretData.holdsSecrets(r.data()) ? r.asSecret() : r);
        }
        FlashPlan secretsMarked = new FlashPlan(marked, plan.builtFor(), plan.header());
        return onTracedChip(port, listener, (loader, tracing) -> {
            List<FlashRegion> regions = secretsMarked.checkedFor(loader, listener::line);
            if (tracing != null) {
                for (FlashRegion r : regions) {
                    if (r.secret()) {
                        tracing.redactFlashRange(r.offset(), r.data().length);
                    }
                }
            }
            long start = System.nanoTime();
            List<FlashWriter.RegionResult> results = new FlashWriter(loader, options, listener).write(regions);
            WriteReport report = new WriteReport(results, (System.nanoTime() - start) / 1e9);
            listener.written(report);
            return report;
        });
    }

    /**
     * The plan for an ESP-IDF build: every binary of its flasher_args.json, for the chip it names, and the NVS
     * image for one of its partitions, checked before it is written: an image holding an identity must hold a
     * whole one (certificate and key a pair, CN the thing name, valid now, issued by the CA if given).
     */
    public FlashPlan planBuild(FlashBuildRequest request, FlashListener listener) {
        FlasherArgs args = FlasherArgs.load(request.build());
        FlashPlan plan = FlashPlan.of(args);
        if (request.nvs().isPresent()) {
            PartitionLabel.problem(request.partition()).ifPresent(p -> {
                throw EspfleetException.badInput("--partition: " + p);
            });
            PartitionLabel label = PartitionLabel.of(request.partition());
            Path nvs = request.nvs().get();
            byte[] image = checkedImage(nvs, label, request.config(), request.ca(), listener);
            // its private key is never shown by --trace
            plan = plan.plus(args.regionForPartition(label, nvs.toString(), image).asSecret());
        }
        listener.line(String.format("%s: %d file(s)", args.file(), plan.regions().size()));
        return plan;
    }

    /** Compares each region with the chip's MD5; a mismatch fails the job (exit 1). */
    public void verify(PortConnection port, List<FlashRegion> regions, FlashListener listener) {
        for (FlashRegion r : regions) {
            if (r.data().length == 0) {
                // the MD5 of nothing matches any flash: "verified" would prove nothing
                throw EspfleetException.badInput(r.name() + " is empty: there is nothing to compare with flash");
            }
        }
        onChip(port, listener, loader -> {
            List<String> mismatches = new FlashWriter(loader, FlashOptions.defaults(), ProgressListener.NONE)
                    .verify(regions);
            if (!mismatches.isEmpty()) {
                throw new EspfleetException(ExitStatus.JOB_FAILED, "verify failed: " + String.join("; ", mismatches),
                        "write the file again with write-flash");
            }
            return null;
        });
    }

    /**
     * Reads {@code length} bytes at {@code offset} into {@code file} (mode 0600: flash may hold keys), checked
     * against the chip's MD5 of the region; returns that MD5.
     */
    public String read(PortConnection port, int offset, int length, Path file, FlashListener listener) {
        if (length <= 0) {
            throw EspfleetException.badInput("read-flash SIZE " + length + ": expected at least 1 byte");
        }
        requireOutputFile(file);
        return onChip(port, listener, loader -> {
            byte[] data = new FlashReader(loader).read(offset, length, listener);
            String md5 = loader.md5(offset, length);
            if (!md5.equals(FlashWriter.md5Hex(data))) {
                throw new EspfleetException(ExitStatus.JOB_FAILED, "read data does not match the chip's MD5 of 0x"
                        + Integer.toHexString(offset) + "+" + length + " (read " + FlashWriter.md5Hex(data) + ", chip "
                        + md5 + ")", "try again, maybe at a lower --baud");
            }
            AtomicFiles.writeSecret(file, data);
            return md5;
        });
    }

    /** Erases whole 4 KB sectors and proves with the chip's MD5 that they read as 0xFF. */
    public void erase(PortConnection port, int offset, int size, FlashListener listener) {
        onChip(port, listener, loader -> {
            new FlashWriter(loader, FlashOptions.defaults(), listener).erase(offset, size);
            return null;
        });
    }

    /** The output of a read must be a file (new or to be replaced) in an existing folder, before the port is opened. */
    static void requireOutputFile(Path out) {
        if (Files.isDirectory(out)) {
            throw EspfleetException.badInput("read-flash FILE " + out + " is a directory: give a file name, e.g. "
                    + out.resolve("flash.bin"));
        }
        if (Files.exists(out) && !Files.isRegularFile(out)) {
            throw EspfleetException.badInput("read-flash FILE " + out + " is not a regular file (a device or a pipe)");
        }
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null && Files.exists(parent) && !Files.isDirectory(parent)) {
            throw EspfleetException.badInput("read-flash FILE " + out + ": " + parent + " is not a directory");
        }
    }

    /** A job on a connected chip; {@code tracing} is the {@code --trace} decorator, or null. */
    private interface ChipJob<T> {
        T run(RomLoader loader, TracingTransport tracing);
    }

    private <T> T onChip(PortConnection port, FlashListener listener, Function<RomLoader, T> job) {
        return onTracedChip(port, listener, (loader, tracing) -> job.apply(loader));
    }

    /** Connects, runs the job, then resets the chip as asked; the port is closed whatever happens. */
    private <T> T onTracedChip(PortConnection port, FlashListener listener, ChipJob<T> job) {
        ConnectOptions options = port.options();
        StubImage stub = port.stub().map(StubImage::load).orElse(null);
        Transport transport = PortOpener.open(port.port(), ConnectOptions.ROM_BAUD);
        TracingTransport tracing = port.trace().map(out -> new TracingTransport(transport, out)).orElse(null);
        try (RomLoader loader = RomLoader.connect(tracing != null ? tracing : transport, options, stub,
                listener::line)) {
            T result = job.run(loader, tracing);
            loader.finish();
            return result;
        }
    }

    /** The image's bytes, read with a bound and checked; one line says what identity it holds. */
    private static byte[] checkedImage(Path image, PartitionLabel partition, Optional<Path> config, Optional<Path> ca,
                                       FlashListener listener) {
        byte[] bytes = InputFiles.read(image, MAX_IMAGE_BYTES, "NVS image");
        IdentityLayout layout = IdentityLayout.DEFAULT;
        boolean required = false;
        if (config.isPresent()) {
            layout = DeviceProfile.load(config.get()).identityLayout();
            required = partition.equals(layout.partition());
        }
        Optional<List<X509Certificate>> chain = ca.map(FlashService::caChain);
        Optional<IdentityImageCheck.Identity> identity = IdentityImageCheck.check(bytes, image.toString(), layout,
                required, chain, Instant.now());
        if (identity.isEmpty() && ca.isPresent()) {
            throw EspfleetException.badInput("--ca " + ca.get() + " is for checking an identity, but " + image
                    + " holds none (no NVS namespace '" + layout.namespace() + "')");
        }
        identity.ifPresent(id -> listener.line(String.format("%s: identity of '%s': certificate and key are a pair, "
                + "CN = thing name%s", image, id.thingName(), ca.map(c -> ", issued by " + c).orElse(""))));
        return bytes;
    }

    private static List<X509Certificate> caChain(Path ca) {
        if (Files.isDirectory(ca)) {
            Path chain = ca.resolve(CertificateAuthority.CHAIN_FILE);
            return Pem.readCertificates(Files.isRegularFile(chain) ? chain
                    : ca.resolve(CertificateAuthority.CERTIFICATE_FILE));
        }
        return Pem.readCertificates(ca);
    }
}
