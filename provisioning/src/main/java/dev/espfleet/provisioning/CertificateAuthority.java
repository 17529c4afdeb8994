package dev.espfleet.provisioning;

import dev.espfleet.common.AtomicFiles;
import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
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
 * <p>On disk (see {@link #saveNew}): {@code ca.pem} (this CA's certificate), {@code ca.key.pem} (0600) and
 * {@code chain.pem} (this CA's certificate up to and including the root, for {@code openssl verify -CAfile}
 * and a broker's {@code cafile}). A CA whose key lives in a PKCS#11 token keeps {@code key-uri} (the key's
 * RFC 7512 URI, without the PIN) instead of {@code ca.key.pem}: the key never leaves the token, which signs.
 */
public final class CertificateAuthority {
    public static final String CERTIFICATE_FILE = "ca.pem";
    public static final String KEY_FILE = "ca.key.pem";
    public static final String CHAIN_FILE = "chain.pem";
    /** A token-held CA's key: its PKCS#11 URI (RFC 7512) without the PIN, in place of {@link #KEY_FILE}. */
    public static final String KEY_URI_FILE = "key-uri";

    /** RFC 5280 4.1.2.2 allows 20 octets; 128 random bits are unguessable and fit with room to spare. */
    private static final int SERIAL_BITS = 128;

    private final List<X509Certificate> chain;
    private final PrivateKey key;
    /** Where the key lives when a PKCS#11 token holds it (no PIN in it). */
    private final Optional<Pkcs11Uri> keyUri;

    private CertificateAuthority(List<X509Certificate> chain, PrivateKey key, Optional<Pkcs11Uri> keyUri) {
        this.chain = List.copyOf(chain);
        this.key = key;
        this.keyUri = keyUri.map(Pkcs11Uri::withoutPin);
    }

    /** The PKCS#11 URI (without PIN) of the key when a token holds it; empty for a key file. */
    public Optional<Pkcs11Uri> keyUri() {
        return keyUri;
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
        return createRoot(commonName, organization, keyType.generate(random), Optional.empty(), validity, random);
    }

    /**
     * A new self-signed root CA whose key is generated inside the token (and never leaves it); the token signs the
     * certificate, which is stored in the token beside the key.
     */
    public static CertificateAuthority createRootInToken(String commonName, Optional<String> organization,
                                                         KeyType keyType, Pkcs11Token token, ValidityPeriod validity,
                                                         SecureRandom random) {
        caName(commonName, organization); // a bad name is refused before the token makes a key
        KeyPair keys = token.generate(keyType);
        CertificateAuthority ca = createRoot(commonName, organization, keys, Optional.of(token.uri()), validity, random);
        token.storeCertificate(keys.getPrivate(), ca.certificate());
        return ca;
    }

    private static CertificateAuthority createRoot(String commonName, Optional<String> organization, KeyPair keys,
                                                   Optional<Pkcs11Uri> keyUri, ValidityPeriod validity,
                                                   SecureRandom random) {
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
        return new CertificateAuthority(List.of(certificate), keys.getPrivate(), keyUri);
    }

    /** A new intermediate CA signed by this one; it may issue device certificates but no further CAs. */
    public CertificateAuthority createIntermediate(String commonName, Optional<String> organization, KeyType keyType,
                                                   ValidityPeriod validity, SecureRandom random) {
        requireWithinOwnValidity(validity, "the intermediate CA");
        return createIntermediate(commonName, organization, keyType.generate(random), Optional.empty(), validity, random);
    }

    /** {@link #createIntermediate} with the new CA's key generated inside a token. */
    public CertificateAuthority createIntermediateInToken(String commonName, Optional<String> organization,
                                                          KeyType keyType, Pkcs11Token token, ValidityPeriod validity,
                                                          SecureRandom random) {
        requireWithinOwnValidity(validity, "the intermediate CA");
        caName(commonName, organization);
        KeyPair keys = token.generate(keyType);
        CertificateAuthority ca = createIntermediate(commonName, organization, keys, Optional.of(token.uri()), validity,
                random);
        token.storeCertificate(keys.getPrivate(), ca.certificate());
        return ca;
    }

    private CertificateAuthority createIntermediate(String commonName, Optional<String> organization, KeyPair keys,
                                                    Optional<Pkcs11Uri> keyUri, ValidityPeriod validity,
                                                    SecureRandom random) {
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
        return new CertificateAuthority(newChain, keys.getPrivate(), keyUri);
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
     * A certificate proving to AWS IoT that whoever registers this CA holds its key ({@code RegisterCACertificate}'s
     * verification certificate): subject CN = the registration code AWS gave the account
     * ({@code GetRegistrationCode}), signed by this CA. The key pair is throwaway: AWS checks only the signature
     * and the CN.
     */
    public X509Certificate issueVerificationCertificate(String registrationCode, PublicKey publicKey,
                                                        ValidityPeriod validity, SecureRandom random) {
        if (registrationCode == null || !registrationCode.matches("[0-9a-fA-F]{64}")) {
            throw EspfleetException.badInput("AWS IoT's registration code '" + registrationCode
                    + "' is not 64 hex digits");
        }
        X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, registrationCode).build();
        X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(certificate(), serial(random),
                Date.from(validity.notBefore()), Date.from(validity.notAfter()), subject, publicKey);
        return sign(builder, key);
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

    /** What a folder holds as far as a CA goes; {@link #saveNew} and {@link #load} decide by this one rule. */
    private enum Contents {
        /** No such folder, or an empty one: room for a new CA. */
        NOTHING,
        /** ca.pem and ca.key.pem or key-uri (chain.pem too, unless an old root CA without it). */
        CA,
        /** Some of a CA's files but not ca.pem with ca.key.pem: an interrupted 'ca init' or a lost key. */
        INCOMPLETE_CA,
        /** A file, or a folder of other things. */
        OTHER
    }

    private static Contents contents(Path dir) {
        if (!Files.exists(dir)) {
            return Contents.NOTHING;
        }
        if (!Files.isDirectory(dir)) {
            return Contents.OTHER;
        }
        boolean cert = Files.isRegularFile(dir.resolve(CERTIFICATE_FILE));
        boolean key = Files.isRegularFile(dir.resolve(KEY_FILE)) || Files.isRegularFile(dir.resolve(KEY_URI_FILE));
        if (cert && key) {
            return Contents.CA;
        }
        if (cert || key || Files.exists(dir.resolve(CHAIN_FILE))) {
            return Contents.INCOMPLETE_CA;
        }
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            return files.findAny().isPresent() ? Contents.OTHER : Contents.NOTHING;
        } catch (java.io.IOException e) {
            return Contents.OTHER;
        }
    }

    /** True if {@code dir} holds a whole CA (it may still fail {@link #load}'s checks). */
    public static boolean exists(Path dir) {
        return contents(dir) == Contents.CA;
    }

    private static EspfleetException incomplete(Path dir) {
        if (!Files.isRegularFile(dir.resolve(KEY_FILE)) && Files.isRegularFile(dir.resolve(CERTIFICATE_FILE))) {
            return new EspfleetException(ExitStatus.BAD_INPUT, dir + " holds a CA certificate (" + CERTIFICATE_FILE
                    + ") without its key (" + KEY_FILE + "): it can issue nothing",
                    "restore " + KEY_FILE + " from where it is kept; certificates this CA issued still verify with "
                            + CERTIFICATE_FILE + ", so do not replace it");
        }
        return new EspfleetException(ExitStatus.BAD_INPUT, dir + " holds an incomplete CA (" + KEY_FILE
                + " without " + CERTIFICATE_FILE + "): an earlier 'ca init' was interrupted",
                "nothing can have been issued by it: remove " + dir + " and run 'espfleet ca init --out " + dir
                        + "' again");
    }

    /**
     * {@code dir} can take a new CA: it does not exist or is an empty folder. Checked before a token makes a key,
     * so a bad {@code --out} leaves no orphan key in the token.
     */
    public static void requireRoomFor(Path dir) {
        switch (contents(dir)) {
            case CA -> throw EspfleetException.badInput(dir + " already holds a CA (" + CERTIFICATE_FILE + "/"
                    + KEY_FILE + "); refusing to replace it: certificates it issued would no longer verify");
            case INCOMPLETE_CA -> throw incomplete(dir);
            case OTHER -> throw EspfleetException.badInput(Files.isDirectory(dir)
                    ? dir + " is not empty and holds no CA: a new CA gets a folder of its own"
                    : dir + " is a file, but a CA is a folder (" + CERTIFICATE_FILE + ", " + KEY_FILE + ", "
                    + CHAIN_FILE + ")");
            case NOTHING -> {
                // room for it
            }
        }
    }

    /**
     * Writes ca.pem, ca.key.pem (0600) or key-uri, and chain.pem as one step: into a new folder (0700) beside
     * {@code dir}, which is then renamed to {@code dir}. An interruption leaves no CA or the whole CA,
     * never a key without its certificate. {@code dir} must not exist or be an empty folder.
     */
    public void saveNew(Path dir) {
        requireRoomFor(dir);
        Path target = dir.toAbsolutePath();
        Path parent = target.getParent();
        AtomicFiles.createPrivateDirectories(parent);
        Path staging = null;
        try {
            staging = Files.createTempDirectory(parent, "." + target.getFileName() + ".",
                    java.nio.file.attribute.PosixFilePermissions.asFileAttribute(PRIVATE_DIR));
            Files.setPosixFilePermissions(staging, PRIVATE_DIR);
            if (keyUri.isPresent()) {
                // the token keeps the key; the folder only says where it is (never the PIN)
                AtomicFiles.writeDurable(staging.resolve(KEY_URI_FILE),
                        (keyUri.get() + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
            } else {
                Pem.writePrivateKey(staging.resolve(KEY_FILE), key);
            }
            AtomicFiles.writeDurable(staging.resolve(CHAIN_FILE),
                    Pem.encodeCertificates(chain).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            AtomicFiles.writeDurable(staging.resolve(CERTIFICATE_FILE),
                    Pem.encodeCertificate(certificate()).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            // rename(2): atomic, and it replaces an empty folder but never a folder with something in it
            Files.move(staging, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            staging = null;
            try (java.nio.channels.FileChannel c = java.nio.channels.FileChannel.open(parent,
                    java.nio.file.StandardOpenOption.READ)) {
                c.force(true);
            } catch (java.io.IOException | UnsupportedOperationException ignored) {
                // each file was synced; a directory that cannot be opened for sync is the platform's limit
            }
        } catch (java.io.IOException e) {
            throw new EspfleetException(ExitStatus.JOB_FAILED, "cannot write the CA to " + dir + ": "
                    + AtomicFiles.describe(e), null, e);
        } finally {
            if (staging != null) {
                deleteQuietly(staging);
            }
        }
    }

    private static final java.util.Set<java.nio.file.attribute.PosixFilePermission> PRIVATE_DIR =
            java.nio.file.attribute.PosixFilePermissions.fromString("rwx------");

    private static void deleteQuietly(Path dir) {
        try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
            files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (java.io.IOException | java.io.UncheckedIOException ignored) {
            // the failure being reported matters more
        }
    }

    /**
     * Loads a CA saved by {@link #saveNew}, checking that its key matches, that it is a CA, that the
     * chain reaches a self-signed root, and that every certificate in it is valid {@code now}.
     */
    public static CertificateAuthority load(Path dir, Instant now) {
        switch (contents(dir)) {
            case CA -> {
                // checked below
            }
            case INCOMPLETE_CA -> throw incomplete(dir);
            default -> throw new EspfleetException(ExitStatus.BAD_INPUT,
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
        if (Files.isRegularFile(dir.resolve(KEY_URI_FILE))) {
            return loadFromToken(dir, chain, chainFile.toString(), now);
        }
        PrivateKey key = Pem.readPrivateKey(dir.resolve(KEY_FILE));
        return fromParts(chain, chainFile.toString(), key, dir.resolve(KEY_FILE).toString(), now);
    }

    /** The CA's key from the token its key-uri names; the PIN from {@value Pkcs11Uri#PIN_VARIABLE}. */
    private static CertificateAuthority loadFromToken(Path dir, List<X509Certificate> chain, String chainName,
                                                      Instant now) {
        Path uriFile = dir.resolve(KEY_URI_FILE);
        String text = new String(dev.espfleet.common.InputFiles.read(uriFile, 8192, "PKCS#11 key URI"),
                java.nio.charset.StandardCharsets.UTF_8).strip();
        Pkcs11Uri uri = Pkcs11Uri.parse(text, uriFile.toString());
        if (uri.hasPin()) {
            throw EspfleetException.badInput(uriFile + " holds a PIN (pin-value): a CA folder must not; remove it and "
                    + "pass the PIN in " + Pkcs11Uri.PIN_VARIABLE);
        }
        Pkcs11Token token = Pkcs11Token.open(uri, System.getenv());
        CertificateAuthority ca = fromParts(chain, chainName, token.privateKey(), uri.toString(), now);
        return new CertificateAuthority(ca.chain, ca.key, Optional.of(uri));
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
        return new CertificateAuthority(chain, key, Optional.empty());
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
