package dev.espfleet.provisioning;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.model.ThingName;
import dev.espfleet.nvs.NvsEntry;
import dev.espfleet.nvs.NvsImage;
import dev.espfleet.nvs.NvsKey;
import dev.espfleet.nvs.NvsPartitionReader;
import dev.espfleet.nvs.NvsType;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The check of an identity NVS image before it is written to a board ({@code flash --nvs}): the same
 * checks {@code provision} makes of a unit folder, made on what the image really holds. Read by the
 * identity layout (namespace and keys) the firmware reads it by.
 */
public final class IdentityImageCheck {
    private IdentityImageCheck() {
    }

    /** The identity an image holds, once checked. */
    public record Identity(ThingName thingName, X509Certificate certificate) {
    }

    /**
     * Checks the identity in {@code image}: thing name valid, certificate and key a pair, CN = the thing
     * name, certificate valid now and for TLS clients, and issued by the first certificate of
     * {@code caChain} when one is given. An image without the layout's namespace holds no identity: empty,
     * unless {@code identityRequired} (it is going to the identity partition of a known config).
     *
     * @param name names the image in messages (its path)
     */
    public static Optional<Identity> check(byte[] image, String name, IdentityLayout layout, boolean identityRequired,
                                           Optional<List<X509Certificate>> caChain, Instant now) {
        NvsImage nvs;
        try {
            nvs = NvsPartitionReader.read(image);
        } catch (EspfleetException e) {
            if (!identityRequired) {
                return Optional.empty(); // not an NVS image espfleet reads (an encrypted one, say): not an identity
            }
            throw EspfleetException.badInput(name + " is not an NVS image with an identity: " + e.getMessage());
        }
        String ns = layout.namespace().value();
        List<NvsEntry> entries = nvs.items().stream().filter(e -> e.namespace().equals(ns)).toList();
        if (entries.isEmpty()) {
            if (!identityRequired) {
                return Optional.empty();
            }
            throw EspfleetException.badInput(name + " holds no identity: no entries in NVS namespace '" + ns
                    + "', which the firmware reads it from");
        }
        String where = name + " (NVS namespace '" + ns + "')";
        String thingText = string(entries, layout.thingNameKey(), where);
        String certPem = string(entries, layout.deviceCertKey(), where);
        String keyPem = string(entries, layout.privateKeyKey(), where);
        String certName = where + " key '" + layout.deviceCertKey() + "'";
        String keyName = where + " key '" + layout.privateKeyKey() + "'";
        ThingName.problem(thingText).ifPresent(p -> {
            throw EspfleetException.badInput(where + " key '" + layout.thingNameKey() + "': " + p);
        });
        ThingName thing = ThingName.of(thingText);
        X509Certificate cert = Pem.parseCertificates(certPem, certName).get(0);
        PrivateKey key = Pem.parsePrivateKey(keyPem, keyName);
        IdentityChecks.requireKeyMatches(cert, certName, key, keyName);
        Optional<String> cn = CertificateAuthority.commonName(cert);
        if (!cn.equals(Optional.of(thing.value()))) {
            throw EspfleetException.badInput(certName + " is the certificate of '" + cn.orElse("(no CN)")
                    + "', but the image's thing name is '" + thing + "': the device would connect as a thing its "
                    + "certificate does not name");
        }
        IdentityChecks.requireValidAt(cert, certName, now);
        if (!CertificateAuthority.allowsClientAuth(cert)) {
            throw EspfleetException.badInput(certName + " is not for TLS clients: its extended key usage lacks "
                    + "clientAuth");
        }
        if (caChain.isPresent()) {
            IdentityChecks.requireChain(caChain.get(), "the CA");
            IdentityChecks.requireIssuedBy(cert, certName, caChain.get(),
                    "'" + caChain.get().get(0).getSubjectX500Principal().getName() + "'");
        }
        return Optional.of(new Identity(thing, cert));
    }

    private static String string(List<NvsEntry> entries, NvsKey key, String where) {
        NvsEntry entry = entries.stream().filter(e -> key.value().equals(e.key())).findFirst()
                .orElseThrow(() -> EspfleetException.badInput(where + " has no key '" + key + "'"));
        if (entry.type() != NvsType.STRING) {
            throw EspfleetException.badInput(where + " key '" + key + "' is " + entry.type() + ", expected a string");
        }
        return entry.stringValue();
    }
}
