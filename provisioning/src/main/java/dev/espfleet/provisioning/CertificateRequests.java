package dev.espfleet.provisioning;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.model.ThingName;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.X509EncodedKeySpec;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

/** PKCS#10 certificate signing requests for devices. */
public final class CertificateRequests {
    private CertificateRequests() {
    }

    /** A CSR for {@code subject}, signed with the device's private key (proof of possession). */
    public static PKCS10CertificationRequest create(KeyPair keys, DeviceSubject subject) {
        return new JcaPKCS10CertificationRequestBuilder(subject.toX500Name(), keys.getPublic())
                .build(signer(keys.getPrivate()));
    }

    /**
     * Checks that a CSR's signature is valid and its CN is a valid thing name; returns the thing name.
     * {@code source} names the CSR in messages.
     */
    public static ThingName requireValid(PKCS10CertificationRequest csr, Object source) {
        boolean valid;
        try {
            valid = csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(publicKey(csr)));
        } catch (OperatorCreationException | PKCSException e) {
            throw EspfleetException.badInput("cannot check the signature of " + source + ": " + e.getMessage());
        }
        if (!valid) {
            throw EspfleetException.badInput("the signature of " + source
                    + " does not match its public key: the request was altered or signed with another key");
        }
        String cn = DeviceSubject.commonName(csr.getSubject()).orElseThrow(() -> EspfleetException.badInput(
                source + " has subject '" + csr.getSubject() + "': expected exactly one CN (the thing name)"));
        return ThingName.of(cn);
    }

    /**
     * The CSR's public key through the JDK's key factories. They are looked up by name: the JDK does not
     * register them under the key algorithm OIDs that Bouncy Castle's JCA helpers ask for.
     */
    static PublicKey publicKey(PKCS10CertificationRequest csr) {
        SubjectPublicKeyInfo info = csr.getSubjectPublicKeyInfo();
        ASN1ObjectIdentifier oid = info.getAlgorithm().getAlgorithm();
        String algorithm = X9ObjectIdentifiers.id_ecPublicKey.equals(oid) ? "EC"
                : PKCSObjectIdentifiers.rsaEncryption.equals(oid) ? "RSA" : null;
        if (algorithm == null) {
            throw EspfleetException.badInput("unsupported key algorithm " + oid
                    + " in a certificate request: expected EC P-256 or RSA");
        }
        try {
            return KeyFactory.getInstance(algorithm).generatePublic(new X509EncodedKeySpec(info.getEncoded()));
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw EspfleetException.badInput("the " + algorithm + " public key of a certificate request is malformed: "
                    + e.getMessage());
        }
    }

    static ContentSigner signer(PrivateKey key) {
        try {
            return new JcaContentSignerBuilder(KeyType.signatureAlgorithmFor(key)).build(key);
        } catch (OperatorCreationException e) {
            throw new EspfleetException(ExitStatus.INTERNAL, "cannot sign with a " + KeyType.describe(key)
                    + " key: " + e.getMessage(), null, e);
        }
    }
}
