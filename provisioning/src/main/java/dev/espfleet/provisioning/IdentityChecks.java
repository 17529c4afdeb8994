package dev.espfleet.provisioning;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;

/**
 * The checks made before an identity is used or flashed. Each failure is one line naming the file and
 * what was expected, with exit status 2.
 */
public final class IdentityChecks {
    private static final SecureRandom RANDOM = new SecureRandom();

    private IdentityChecks() {
    }

    /** The certificate's public key belongs to {@code key}: a random challenge signed by one verifies with the other. */
    public static void requireKeyMatches(X509Certificate certificate, String certificateName,
                                         PrivateKey key, String keyName) {
        requireKeyMatches(certificate.getPublicKey(), certificateName, key, keyName);
    }

    static void requireKeyMatches(PublicKey publicKey, String certificateName, PrivateKey key, String keyName) {
        String mismatch = certificateName + " does not match the private key " + keyName;
        if (!publicKey.getAlgorithm().equals(key.getAlgorithm())) {
            throw EspfleetException.badInput(mismatch + ": the certificate holds a "
                    + KeyType.describe(publicKey) + " key, the private key is " + KeyType.describe(key));
        }
        byte[] challenge = new byte[32];
        RANDOM.nextBytes(challenge);
        boolean matches;
        try {
            String algorithm = KeyType.signatureAlgorithmFor(key);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(challenge);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(publicKey);
            verifier.update(challenge);
            matches = verifier.verify(signature);
        } catch (GeneralSecurityException e) {
            // A key on another curve or of another size lands here; it is a mismatch all the same.
            matches = false;
        }
        if (!matches) {
            throw EspfleetException.badInput(mismatch + ": they are not a key pair");
        }
    }

    /** {@code now} lies within the certificate's notBefore..notAfter. */
    public static void requireValidAt(X509Certificate certificate, String certificateName, Instant now) {
        Instant notBefore = certificate.getNotBefore().toInstant();
        Instant notAfter = certificate.getNotAfter().toInstant();
        if (now.isAfter(notAfter)) {
            throw EspfleetException.badInput(certificateName + " expired at " + notAfter + " (now " + now + ")");
        }
        if (now.isBefore(notBefore)) {
            throw EspfleetException.badInput(certificateName + " is not valid until " + notBefore
                    + " (now " + now + "); check the clock of this machine");
        }
    }

    /**
     * The certificate was issued by the first certificate of {@code caChain} (issuer name and signature).
     * The chain itself is checked when the CA is loaded ({@link CertificateAuthority#load}).
     */
    public static void requireIssuedBy(X509Certificate certificate, String certificateName,
                                       List<X509Certificate> caChain, String caName) {
        X509Certificate issuer = caChain.get(0);
        boolean sameName = certificate.getIssuerX500Principal().equals(issuer.getSubjectX500Principal());
        if (!sameName || !signedBy(certificate, issuer.getPublicKey())) {
            throw EspfleetException.badInput(certificateName + " does not chain to the CA " + caName
                    + ": it was issued by '" + certificate.getIssuerX500Principal().getName()
                    + "', the CA is '" + issuer.getSubjectX500Principal().getName() + "'"
                    + (sameName ? " (same name, different key)" : ""));
        }
    }

    /** Each certificate of {@code chain} is signed by the next, and the last signs itself. */
    static void requireChain(List<X509Certificate> chain, String chainName) {
        for (int i = 0; i < chain.size(); i++) {
            X509Certificate c = chain.get(i);
            X509Certificate issuer = i + 1 < chain.size() ? chain.get(i + 1) : c;
            if (!c.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())
                    || !signedBy(c, issuer.getPublicKey())) {
                throw EspfleetException.badInput(chainName + " is not a chain to a root: certificate " + (i + 1)
                        + " ('" + c.getSubjectX500Principal().getName() + "') is not signed by "
                        + (i + 1 < chain.size() ? "the next one" : "itself"));
            }
        }
    }

    static boolean signedBy(X509Certificate certificate, PublicKey issuerKey) {
        try {
            certificate.verify(issuerKey);
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    static EspfleetException internal(String message, Exception cause) {
        return new EspfleetException(ExitStatus.INTERNAL, message + ": " + cause.getMessage(), null, cause);
    }
}
