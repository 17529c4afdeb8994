package dev.espfleet.provisioning;

import dev.espfleet.common.EspfleetException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;

/**
 * A local certificate authority for offline benches: a self-signed root or an intermediate under a given
 * root, which issues device (clientAuth) and test-broker (serverAuth) certificates.
 *
 * <p>On disk (see {@link #save}): {@code ca.pem} (this CA's certificate), {@code ca.key.pem} (0600) and
 * {@code chain.pem} (this CA's certificate up to and including the root, for {@code openssl verify -CAfile}
 * and a broker's {@code cafile}).
 */
public final class CertificateAuthority {
    public static final String CERTIFICATE_FILE = "ca.pem";
    public static final String KEY_FILE = "ca.key.pem";
    public static final String CHAIN_FILE = "chain.pem";

    /** RFC 5280 4.1.2.2 allows 20 octets; 128 random bits are unguessable and fit with room to spare. */
    private static final int SERIAL_BITS = 128;

    private final List<X509Certificate> chain;
    private final PrivateKey key;

    private CertificateAuthority(List<X509Certificate> chain, PrivateKey key) {
        this.chain = List.copyOf(chain);
        this.key = key;
    }

    /** This CA's certificate. */
    public X509Certificate certificate() {
        return chain.get(0);
    }

    /** This CA's certificate, then its issuers up to and including the self-signed root. */
    public List<X509Certificate> chain() {
        return chain;
    }

    public X509Certificate root() {
        return chain.get(chain.size() - 1);
    }

    PrivateKey privateKey() {
        return key;
    }

    /** A new self-signed root CA. */
    public static CertificateAuthority createRoot(String commonName, Optional<String> organization, KeyType keyType,
                                                  ValidityPeriod validity, SecureRandom random) {
        KeyPair keys = keyType.generate(random);
        X500Name subject = caName(commonName, organization);
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(subject, serial(random),
                Date.from(validity.notBefore()), Date.from(validity.notAfter()), subject, keys.getPublic());
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false,
                            ext.createSubjectKeyIdentifier(keys.getPublic()));
        } catch (CertIOException | NoSuchAlgorithmException e) {
            throw IdentityChecks.internal("cannot build a CA certificate", e);
        }
        X509Certificate certificate = sign(builder, keys.getPrivate());
        return new CertificateAuthority(List.of(certificate), keys.getPrivate());
    }

    /** A new intermediate CA signed by this one; it may issue device certificates but no further CAs. */
    public CertificateAuthority createIntermediate(String commonName, Optional<String> organization, KeyType keyType,
                                                   ValidityPeriod validity, SecureRandom random) {
        requireWithinOwnValidity(validity, "the intermediate CA");
        KeyPair keys = keyType.generate(random);
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(certificate(), serial(random),
                Date.from(validity.notBefore()), Date.from(validity.notAfter()), caName(commonName, organization),
                keys.getPublic());
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false,
                            ext.createSubjectKeyIdentifier(keys.getPublic()))
                    .addExtension(Extension.authorityKeyIdentifier, false,
                            ext.createAuthorityKeyIdentifier(certificate().getPublicKey()));
        } catch (CertIOException | NoSuchAlgorithmException e) {
            throw IdentityChecks.internal("cannot build an intermediate CA certificate", e);
        }
        List<X509Certificate> newChain = new ArrayList<>();
        newChain.add(sign(builder, key));
        newChain.addAll(chain);
        return new CertificateAuthority(newChain, keys.getPrivate());
    }

    /**
     * Issues a device certificate for a CSR: subject as requested (CN = thing name), clientAuth EKU,
     * keyUsage digitalSignature, CA:false, SKI and AKI. The CSR's signature and CN are checked first.
     */
    public X509Certificate issueDeviceCertificate(PKCS10CertificationRequest csr, String csrName,
                                                  ValidityPeriod validity, SecureRandom random) {
        CertificateRequests.requireValid(csr, csrName);
        return issue(csr.getSubject(), CertificateRequests.publicKey(csr), KeyPurposeId.id_kp_clientAuth,
                null, validity, random);
    }

    /**
     * Issues a TLS server certificate (serverAuth EKU) for a local test broker, with the given DNS names
     * and IP addresses as subjectAltName.
     */
    public X509Certificate issueServerCertificate(PublicKey publicKey, String commonName, List<String> dnsNames,
                                                  List<InetAddress> addresses, ValidityPeriod validity,
                                                  SecureRandom random) {
        List<GeneralName> names = new ArrayList<>();
        dnsNames.forEach(d -> names.add(new GeneralName(GeneralName.dNSName, d)));
        addresses.forEach(a -> names.add(new GeneralName(GeneralName.iPAddress, a.getHostAddress())));
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
        return issue(subject, publicKey, KeyPurposeId.id_kp_serverAuth,
                new GeneralNames(names.toArray(GeneralName[]::new)), validity, random);
    }

    private X509Certificate issue(X500Name subject, PublicKey publicKey, KeyPurposeId purpose,
                                  GeneralNames altNames, ValidityPeriod validity, SecureRandom random) {
        requireWithinOwnValidity(validity, "the certificate");
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(certificate(), serial(random),
                Date.from(validity.notBefore()), Date.from(validity.notAfter()), subject, publicKey);
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(publicKey))
                    .addExtension(Extension.authorityKeyIdentifier, false,
                            ext.createAuthorityKeyIdentifier(certificate().getPublicKey()));
            if (altNames != null) {
                builder.addExtension(Extension.subjectAlternativeName, false, altNames);
            }
        } catch (CertIOException | NoSuchAlgorithmException e) {
            throw IdentityChecks.internal("cannot build a certificate", e);
        }
        return sign(builder, key);
    }

    /**
     * {@code days} from {@code now}, but ending no later than this CA: for defaults, where the user asked
     * for no particular length. An explicit length that does not fit is refused instead.
     */
    public ValidityPeriod validityWithin(Instant now, int days) {
        ValidityPeriod wanted = ValidityPeriod.days(now, days);
        Instant caNotAfter = certificate().getNotAfter().toInstant();
        return wanted.notAfter().isAfter(caNotAfter) ? new ValidityPeriod(wanted.notBefore(), caNotAfter) : wanted;
    }

    /** A certificate outliving its issuer would fail verification on the day the CA expires. */
    private void requireWithinOwnValidity(ValidityPeriod validity, String what) {
        Instant caNotAfter = certificate().getNotAfter().toInstant();
        if (validity.notAfter().isAfter(caNotAfter)) {
            throw EspfleetException.badInput("the requested validity of " + what + " ends " + validity.notAfter()
                    + ", after the CA's own (" + caNotAfter + "); ask for fewer days");
        }
    }

    /** Writes ca.pem, ca.key.pem (0600) and chain.pem into {@code dir}; refuses to replace an existing CA. */
    public void saveNew(Path dir) {
        Path keyFile = dir.resolve(KEY_FILE);
        if (Files.exists(keyFile) || Files.exists(dir.resolve(CERTIFICATE_FILE))) {
            throw EspfleetException.badInput(dir + " already holds a CA (" + CERTIFICATE_FILE + "/" + KEY_FILE
                    + "); refusing to replace it: certificates it issued would no longer verify");
        }
        Pem.writePrivateKey(keyFile, key);
        Pem.writeCertificates(dir.resolve(CHAIN_FILE), chain);
        Pem.writeCertificates(dir.resolve(CERTIFICATE_FILE), List.of(certificate()));
    }

    /**
     * Loads a CA saved by {@link #saveNew}, checking that its key matches, that it is a CA, that the
     * chain reaches a self-signed root, and that every certificate in it is valid {@code now}.
     */
    public static CertificateAuthority load(Path dir, Instant now) {
        if (!Files.isRegularFile(dir.resolve(CERTIFICATE_FILE)) || !Files.isRegularFile(dir.resolve(KEY_FILE))) {
            throw new EspfleetException(dev.espfleet.common.ExitStatus.BAD_INPUT,
                    dir + " is not an espfleet CA: expected " + CERTIFICATE_FILE + " and " + KEY_FILE + " in it",
                    "create one with 'espfleet ca init --out " + dir + "'");
        }
        Path chainFile = Files.isRegularFile(dir.resolve(CHAIN_FILE)) ? dir.resolve(CHAIN_FILE)
                : dir.resolve(CERTIFICATE_FILE);
        List<X509Certificate> chain = Pem.readCertificates(chainFile);
        X509Certificate own = Pem.readCertificate(dir.resolve(CERTIFICATE_FILE));
        if (!chain.get(0).equals(own)) {
            throw EspfleetException.badInput(chainFile + " does not start with " + dir.resolve(CERTIFICATE_FILE));
        }
        PrivateKey key = Pem.readPrivateKey(dir.resolve(KEY_FILE));
        return fromParts(chain, chainFile.toString(), key, dir.resolve(KEY_FILE).toString(), now);
    }

    /** Checks and assembles a CA from a chain (CA first, root last) and the CA's key. */
    public static CertificateAuthority fromParts(List<X509Certificate> chain, String chainName, PrivateKey key,
                                                 String keyName, Instant now) {
        X509Certificate own = chain.get(0);
        if (own.getBasicConstraints() < 0) {
            throw EspfleetException.badInput(chainName + " is not a CA certificate (basicConstraints CA:false)");
        }
        IdentityChecks.requireKeyMatches(own, chainName, key, keyName);
        IdentityChecks.requireChain(chain, chainName);
        for (X509Certificate c : chain) {
            IdentityChecks.requireValidAt(c, "CA certificate '" + c.getSubjectX500Principal().getName() + "' in "
                    + chainName, now);
        }
        return new CertificateAuthority(chain, key);
    }

    /** The CN of the certificate's subject; empty if none. */
    public static Optional<String> commonName(X509Certificate certificate) {
        return DeviceSubject.commonName(X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded()));
    }

    /** True if the certificate carries the clientAuth extended key usage. */
    public static boolean allowsClientAuth(X509Certificate certificate) {
        try {
            List<String> eku = certificate.getExtendedKeyUsage();
            return eku == null || eku.contains(KeyPurposeId.id_kp_clientAuth.getId());
        } catch (CertificateParsingException e) {
            return false;
        }
    }

    private static X500Name caName(String commonName, Optional<String> organization) {
        if (commonName == null || commonName.isBlank() || commonName.length() > 64) {
            throw EspfleetException.badInput("invalid CA name '" + commonName + "': expected 1-64 characters");
        }
        X500NameBuilder builder = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName);
        organization.filter(o -> !o.isBlank()).ifPresent(o -> builder.addRDN(BCStyle.O, o));
        return builder.build();
    }

    /** A random positive serial of {@value #SERIAL_BITS} bits. */
    static BigInteger serial(SecureRandom random) {
        BigInteger serial;
        do {
            serial = new BigInteger(SERIAL_BITS, random);
        } while (serial.signum() == 0);
        return serial;
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey signingKey) {
        return Pem.toCertificate(builder.build(CertificateRequests.signer(signingKey)), "a new certificate");
    }
}
