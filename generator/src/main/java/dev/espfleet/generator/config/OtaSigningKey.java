package dev.espfleet.generator.config;

import dev.espfleet.common.EspfleetException;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.ECPublicKey;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** jobs.ota_signing_key: an EC P-256 public key in PEM (SubjectPublicKeyInfo), as the firmware embeds it. */
final class OtaSigningKey {
    private static final Pattern PEM = Pattern.compile(
            "-----BEGIN PUBLIC KEY-----\\s*([A-Za-z0-9+/=\\s]+?)\\s*-----END PUBLIC KEY-----");
    /** The order n of the NIST P-256 group (SEC 2 secp256r1). */
    private static final BigInteger P256_ORDER = new BigInteger(
            "FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16);

    private OtaSigningKey() {
    }

    /** The PEM block of {@code key} (normalised: header, 64-column base64, footer, "\n" line ends). */
    static String read(Path key, Path config) {
        String text;
        try {
            if (Files.size(key) > 16384) {
                throw EspfleetException.badInput(config + ": jobs.ota_signing_key: " + key + " is too large for a public"
                        + " key PEM");
            }
            text = Files.readString(key, StandardCharsets.US_ASCII);
        } catch (IOException | java.io.UncheckedIOException e) {
            throw EspfleetException.badInput(config + ": jobs.ota_signing_key: cannot read " + key + " (a PEM file"
                    + " relative to the config's folder): " + e.getMessage());
        }
        Matcher m = PEM.matcher(text);
        if (!m.find()) {
            throw EspfleetException.badInput(config + ": jobs.ota_signing_key: " + key + " holds no '-----BEGIN PUBLIC"
                    + " KEY-----' block; expected an EC P-256 public key (openssl ec -in PRIVATE.pem -pubout)");
        }
        byte[] der;
        try {
            der = Base64.getMimeDecoder().decode(m.group(1));
            ECPublicKey ec = (ECPublicKey) KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(der));
            if (!ec.getParams().getOrder().equals(P256_ORDER)) {
                throw new GeneralSecurityException("another curve");
            }
        } catch (IllegalArgumentException | GeneralSecurityException | ClassCastException e) {
            throw EspfleetException.badInput(config + ": jobs.ota_signing_key: " + key + " is not an EC P-256 public"
                    + " key (the firmware checks ECDSA P-256 signatures)");
        }
        return "-----BEGIN PUBLIC KEY-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END PUBLIC KEY-----\n";
    }
}
