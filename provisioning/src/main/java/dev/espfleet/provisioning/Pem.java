package dev.espfleet.provisioning;

import dev.espfleet.common.AtomicFiles;
import dev.espfleet.common.InputFiles;
import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;

/**
 * PEM encoding and decoding of keys (PKCS#8), certificates and CSRs (PKCS#10). Private keys are written
 * only through {@link #writePrivateKey}, which creates the file 0600 before the first byte; nothing here
 * puts key material into a message.
 */
public final class Pem {
    /** Far more than any key, certificate or CA bundle (the system's whole bundle is about 200 KiB). */
    public static final int MAX_PEM_BYTES = 1 << 20;

    private Pem() {
    }

    /** PKCS#8 {@code PRIVATE KEY} PEM, as {@code openssl pkey} writes it. */
    public static byte[] encodePrivateKey(PrivateKey key) {
        return encode("PRIVATE KEY", key.getEncoded()).getBytes(StandardCharsets.US_ASCII);
    }

    public static String encodeCertificate(X509Certificate certificate) {
        try {
            return encode("CERTIFICATE", certificate.getEncoded());
        } catch (CertificateEncodingException e) {
            throw new EspfleetException(ExitStatus.INTERNAL, "cannot encode certificate: " + e.getMessage(), null, e);
        }
    }

    public static String encodeCertificates(List<X509Certificate> certificates) {
        StringBuilder out = new StringBuilder();
        certificates.forEach(c -> out.append(encodeCertificate(c)));
        return out.toString();
    }

    public static String encodeCsr(PKCS10CertificationRequest csr) {
        try {
            return encode("CERTIFICATE REQUEST", csr.getEncoded());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Writes a private key as PKCS#8 PEM into a file that is mode 0600 from its creation. */
    public static void writePrivateKey(Path file, PrivateKey key) {
        AtomicFiles.writeSecret(file, encodePrivateKey(key));
    }

    public static void writeCertificates(Path file, List<X509Certificate> certificates) {
        AtomicFiles.write(file, encodeCertificates(certificates).getBytes(StandardCharsets.US_ASCII));
    }

    public static void writeCsr(Path file, PKCS10CertificationRequest csr) {
        AtomicFiles.write(file, encodeCsr(csr).getBytes(StandardCharsets.US_ASCII));
    }

    /** Reads a private key: PKCS#8 ({@code PRIVATE KEY}) or the traditional EC/RSA forms. */
    public static PrivateKey readPrivateKey(Path file) {
        return parsePrivateKey(read(file, "private key"), file);
    }

    /** A private key from PEM text; {@code file} names its source in messages. */
    public static PrivateKey parsePrivateKey(String text, Object file) {
        for (Object o : objects(text, file, "a private key")) {
            try {
                JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
                if (o instanceof PrivateKeyInfo info) {
                    return converter.getPrivateKey(info);
                }
                if (o instanceof PEMKeyPair pair) {
                    return converter.getPrivateKey(pair.getPrivateKeyInfo());
                }
                if (o instanceof PEMEncryptedKeyPair || o instanceof PKCS8EncryptedPrivateKeyInfo) {
                    throw EspfleetException.badInput(file + " holds an encrypted private key; espfleet reads "
                            + "unencrypted PKCS#8 keys only (openssl pkcs8 -topk8 -nocrypt converts one)");
                }
            } catch (org.bouncycastle.openssl.PEMException e) {
                throw EspfleetException.badInput(file + " holds a private key espfleet cannot read: expected "
                        + "EC P-256 or RSA (" + e.getMessage() + ")");
            }
        }
        throw EspfleetException.badInput(file + " holds no PEM private key");
    }

    /** Reads every certificate in a PEM file, in file order; at least one. */
    public static List<X509Certificate> readCertificates(Path file) {
        return parseCertificates(read(file, "certificate"), file);
    }

    /** Every certificate in PEM text, in order; at least one. {@code file} names its source in messages. */
    public static List<X509Certificate> parseCertificates(String text, Object file) {
        List<X509Certificate> certificates = new ArrayList<>();
        for (Object o : objects(text, file, "a certificate")) {
            if (o instanceof X509CertificateHolder holder) {
                certificates.add(toCertificate(holder, file));
            }
        }
        if (certificates.isEmpty()) {
            throw EspfleetException.badInput(file + " holds no PEM certificate");
        }
        return certificates;
    }

    /** Reads the first certificate of a PEM file. */
    public static X509Certificate readCertificate(Path file) {
        return readCertificates(file).get(0);
    }

    public static PKCS10CertificationRequest readCsr(Path file) {
        for (Object o : objects(read(file, "certificate request"), file, "a certificate request")) {
            if (o instanceof PKCS10CertificationRequest csr) {
                return csr;
            }
        }
        throw EspfleetException.badInput(file + " holds no PEM certificate request (PKCS#10)");
    }

    /** A certificate request in PEM text (one a device sent); {@code source} names it in refusals. */
    public static PKCS10CertificationRequest parseCsr(String text, Object source) {
        if (text.length() > MAX_PEM_BYTES) {
            throw EspfleetException.badInput(source + " is longer than " + MAX_PEM_BYTES + " bytes");
        }
        for (Object o : objects(text, source, "a certificate request")) {
            if (o instanceof PKCS10CertificationRequest csr) {
                return csr;
            }
        }
        throw EspfleetException.badInput(source + " holds no PEM certificate request (PKCS#10)");
    }

    static X509Certificate toCertificate(X509CertificateHolder holder, Object source) {
        try {
            return new JcaX509CertificateConverter().getCertificate(holder);
        } catch (CertificateException e) {
            throw EspfleetException.badInput(source + " holds a malformed certificate: " + e.getMessage());
        }
    }

    private static String read(Path file, String what) {
        return new String(InputFiles.read(file, MAX_PEM_BYTES, what), StandardCharsets.US_ASCII);
    }

    private static List<Object> objects(String text, Object file, String what) {
        List<Object> objects = new ArrayList<>();
        try (PEMParser parser = new PEMParser(new StringReader(text))) {
            for (Object o = parser.readObject(); o != null; o = parser.readObject()) {
                objects.add(o);
            }
        } catch (IOException | RuntimeException e) {
            throw EspfleetException.badInput(file + " is not valid PEM: expected " + what);
        }
        return objects;
    }

    private static String encode(String type, byte[] der) {
        StringWriter out = new StringWriter();
        try (PemWriter writer = new PemWriter(out)) {
            writer.writeObject(new PemObject(type, der));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }
}
