package dev.espfleet.services;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.flasher.image.AppDescription;
import dev.espfleet.flasher.image.AppImage;
import dev.espfleet.flasher.targets.ChipSpec;
import dev.espfleet.generator.config.DeviceConfig;
import dev.espfleet.generator.model.PartitionLayout;
import dev.espfleet.model.Chip;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * An AWS IoT job for the firmware's {@code ota} operation (docs/jobs.md): the job document the device reads
 * ({@code operation}, {@code url}, {@code sha256}, {@code version}, {@code size}, {@code allowDowngrade}) and, for a
 * thing group, the input of {@code aws iot create-job --cli-input-json}. The image is checked before it goes out:
 * a valid ESP-IDF app image (checksum, appended SHA-256), for the config's chip and project, no larger than an OTA
 * slot, and newer than the version it replaces unless a downgrade is allowed.
 *
 * @param jobId the job's id (AWS: 1-64 of {@code a-zA-Z0-9_-})
 * @param document the job document, JSON
 * @param createJob {@code aws iot create-job --cli-input-json} input, when a thing group was given
 */
public record OtaJobDocument(String jobId, String document, Optional<String> createJob, AppDescription image,
        String sha256, int size) {

    /**
     * @param imageName the image's file name, for messages
     * @param thingGroup a thing group name for the create-job input, or empty
     */
    public record Request(byte[] image, String imageName, String url, DeviceConfig config, String replaces,
            boolean allowDowngrade, Optional<String> jobId, Optional<String> thingGroup,
            Optional<java.security.PrivateKey> signingKey) {
    }

    public static OtaJobDocument prepare(Request r) {
        if (!r.url().startsWith("https://") || r.url().length() <= "https://".length()) {
            throw EspfleetException.badInput("--url: the device downloads over HTTPS only; expected https://HOST/PATH, got '"
                    + r.url() + "'");
        }
        AppImage parsed;
        try {
            parsed = AppImage.parse(r.image());
        } catch (EspfleetException e) {
            throw EspfleetException.badInput(r.imageName() + ": not an ESP-IDF app image (" + e.getMessage() + ")");
        }
        parsed.problem(r.image()).ifPresent(p -> {
            throw EspfleetException.badInput(r.imageName() + ": " + p);
        });
        AppDescription desc = AppDescription.of(r.image()).orElseThrow(() -> EspfleetException.badInput(r.imageName()
                + ": no esp_app_desc_t at offset 0x20: not an app built by ESP-IDF (a bootloader?)"));
        Chip target = r.config().target();
        Optional<Chip> chip = ChipSpec.byImageChipId(parsed.chipId());
        if (chip.isEmpty() || chip.get() != target) {
            throw EspfleetException.badInput(r.imageName() + ": the image is for " + chip.map(Chip::idfName)
                    .orElse("chip id " + parsed.chipId()) + "; the config's target is " + target.idfName());
        }
        String project = r.config().product().name().replace('-', '_');
        if (!desc.projectName().equals(project)) {
            throw EspfleetException.badInput(r.imageName() + ": the image is project '" + desc.projectName()
                    + "'; the config's is '" + project + "' (product.name)");
        }
        int order = FirmwareVersion.compare(desc.version(), r.replaces());
        if (order == 0) {
            throw EspfleetException.badInput(r.imageName() + ": the image is version " + desc.version()
                    + ", the version it replaces (--replaces); nothing to update");
        }
        if (order < 0 && !r.allowDowngrade()) {
            throw EspfleetException.badInput(r.imageName() + ": the image is version " + desc.version()
                    + ", older than --replaces " + r.replaces() + "; give --allow-downgrade to send it anyway");
        }
        int slot = PartitionLayout.of(r.config()).stream().filter(p -> p.name().equals("ota_0")).findFirst()
                .orElseThrow(() -> EspfleetException.badInput("the config's partition table has no OTA slot"))
                .size();
        if (r.image().length > slot) {
            throw EspfleetException.badInput(String.format("%s: %d bytes do not fit an OTA slot of %d bytes",
                    r.imageName(), r.image().length, slot));
        }
        String jobId = r.jobId().orElse(("ota-" + project + "-" + desc.version()).replaceAll("[^A-Za-z0-9_-]", "-"));
        CreateJobInput.checkJobId(jobId);
        String sha256 = sha256(r.image());
        String document = "{\"operation\":\"ota\",\"url\":" + json(r.url()) + ",\"sha256\":\"" + sha256
                + "\",\"version\":" + json(desc.version()) + ",\"size\":" + r.image().length + ",\"allowDowngrade\":"
                + r.allowDowngrade() + r.signingKey().map(k -> ",\"signature\":\"" + signature(k, r.image()) + "\"")
                        .orElse("") + "}";
        Optional<String> createJob = r.thingGroup().map(group -> CreateJobInput.forThingGroup(r.config(), jobId, group,
                document, "ota " + desc.projectName() + " " + r.replaces() + " -> " + desc.version()));
        return new OtaJobDocument(jobId, document + "\n", createJob, desc, sha256, r.image().length);
    }

    /**
     * The image's signature for a firmware built with {@code jobs.ota_signing_key}: ECDSA P-256 over the image's
     * SHA-256, DER, base64 (what mbedtls_pk_verify with MBEDTLS_MD_SHA256 checks against the public key).
     */
    static String signature(java.security.PrivateKey key, byte[] image) {
        if (!(key instanceof java.security.interfaces.ECPrivateKey ec) || ec.getParams().getCurve().getField()
                .getFieldSize() != 256 || !ec.getParams().getOrder().equals(P256_ORDER)) {
            throw EspfleetException.badInput("--sign-key: not an EC P-256 private key (jobs.ota_signing_key is an EC"
                    + " P-256 public key; the firmware checks ECDSA P-256 signatures)");
        }
        try {
            java.security.Signature s = java.security.Signature.getInstance("SHA256withECDSA");
            s.initSign(key);
            s.update(image);
            return java.util.Base64.getEncoder().encodeToString(s.sign());
        } catch (java.security.GeneralSecurityException e) {
            throw EspfleetException.badInput("--sign-key: cannot sign with this key: " + e.getMessage());
        }
    }

    /** The order n of the NIST P-256 group (SEC 2 secp256r1). */
    private static final java.math.BigInteger P256_ORDER = new java.math.BigInteger(
            "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16);

    private static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
    }

    /** A JSON string literal. */
    static String json(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
