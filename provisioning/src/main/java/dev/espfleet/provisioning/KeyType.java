package dev.espfleet.provisioning;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyFactory;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.interfaces.ECKey;
import java.security.interfaces.RSAKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.Arrays;
import java.util.stream.Collectors;
import org.bouncycastle.jcajce.provider.asymmetric.util.EC5Util;
import org.bouncycastle.math.ec.ECCurve;
import org.bouncycastle.math.ec.FixedPointCombMultiplier;

/**
 * The key types a device or CA may have. EC P-256 is the default: AWS IoT Core and mbedTLS accept it and
 * generating one costs a fraction of an RSA key. Keys come from the JDK's providers; Bouncy Castle only
 * encodes and builds the PKIX structures.
 */
public enum KeyType {
    EC_P256("ec-p256", "EC", "SHA256withECDSA"),
    RSA_2048("rsa-2048", "RSA", "SHA256withRSA"),
    RSA_3072("rsa-3072", "RSA", "SHA256withRSA");

    private final String cliName;
    private final String jcaAlgorithm;
    private final String signatureAlgorithm;

    KeyType(String cliName, String jcaAlgorithm, String signatureAlgorithm) {
        this.cliName = cliName;
        this.jcaAlgorithm = jcaAlgorithm;
        this.signatureAlgorithm = signatureAlgorithm;
    }

    /** The name used on the command line, e.g. {@code ec-p256}. */
    public String cliName() {
        return cliName;
    }

    public static KeyType fromCliName(String name) {
        for (KeyType t : values()) {
            if (t.cliName.equalsIgnoreCase(name) || t.name().equalsIgnoreCase(name)) {
                return t;
            }
        }
        throw EspfleetException.badInput("unknown key type '" + name + "': expected one of "
                + Arrays.stream(values()).map(KeyType::cliName).collect(Collectors.joining(", ")));
    }

    /** Generates a fresh key pair with the platform's strong random source. */
    public KeyPair generate(SecureRandom random) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(jcaAlgorithm);
            switch (this) {
                case EC_P256 -> generator.initialize(new ECGenParameterSpec("secp256r1"), random);
                case RSA_2048 -> generator.initialize(2048, random);
                case RSA_3072 -> generator.initialize(3072, random);
                default -> throw new IllegalStateException(name());
            }
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new EspfleetException(ExitStatus.INTERNAL,
                    "this Java runtime cannot generate " + cliName + " keys: " + e.getMessage(), null, e);
        }
    }

    /** The signature algorithm a key of this family signs certificates and CSRs with. */
    static String signatureAlgorithmFor(PrivateKey key) {
        return signatureAlgorithmFor(key.getAlgorithm());
    }

    static String signatureAlgorithmFor(PublicKey key) {
        return signatureAlgorithmFor(key.getAlgorithm());
    }

    private static String signatureAlgorithmFor(String jcaAlgorithm) {
        return switch (jcaAlgorithm) {
            case "EC" -> EC_P256.signatureAlgorithm;
            case "RSA" -> RSA_2048.signatureAlgorithm;
            default -> throw EspfleetException.badInput("unsupported key algorithm " + jcaAlgorithm
                    + ": expected EC (P-256) or RSA");
        };
    }

    /**
     * The public half of a private key: for RSA from the CRT parameters, for EC as Q = d x G. Lets an
     * existing key file be reused for a new CSR without a separate public key file.
     */
    public static PublicKey publicKeyOf(PrivateKey key) {
        try {
            if (key instanceof RSAPrivateCrtKey rsa) {
                return KeyFactory.getInstance("RSA")
                        .generatePublic(new RSAPublicKeySpec(rsa.getModulus(), rsa.getPublicExponent()));
            }
            if (key instanceof ECPrivateKey ec) {
                ECParameterSpec params = ec.getParams();
                ECCurve curve = EC5Util.convertCurve(params.getCurve());
                org.bouncycastle.math.ec.ECPoint q = new FixedPointCombMultiplier()
                        .multiply(EC5Util.convertPoint(curve, params.getGenerator()), ec.getS()).normalize();
                ECPoint point = new ECPoint(q.getAffineXCoord().toBigInteger(), q.getAffineYCoord().toBigInteger());
                return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(point, params));
            }
        } catch (GeneralSecurityException e) {
            throw EspfleetException.badInput("cannot derive the public key of a " + describe(key) + " private key: "
                    + e.getMessage());
        }
        throw EspfleetException.badInput("unsupported private key " + describe(key) + ": expected EC P-256 or RSA");
    }

    /** A short description for messages, e.g. "EC P-256" or "RSA-3072". */
    static String describe(java.security.Key key) {
        if (key instanceof RSAKey rsa) {
            return "RSA-" + rsa.getModulus().bitLength();
        }
        if (key instanceof ECKey ec) {
            return "EC " + ec.getParams().getCurve().getField().getFieldSize() + "-bit";
        }
        return key.getAlgorithm();
    }
}
