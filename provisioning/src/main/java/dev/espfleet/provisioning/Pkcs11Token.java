package dev.espfleet.provisioning;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.ProviderException;
import java.security.Security;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A token found by a {@link Pkcs11Uri}, through the JDK's SunPKCS11 provider configured at run time (library from
 * {@code module-path}, the slot whose token the URI's attributes select), logged in with the PIN.
 *
 * <p>The slot is found by the token's label, serial, manufacturer and model as RFC 7512 section 2.3 says: SunPKCS11
 * itself selects a slot only by number, so the slot list and token information are read through the JDK's own
 * PKCS#11 wrapper ({@code sun.security.pkcs11.wrapper}, which espfleet's jar manifest exports to itself; run from
 * classes, pass {@code --add-exports jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED}).
 *
 * <p>Keys made here are generated in the token (C_GenerateKeyPair) as token objects that are private, sensitive
 * and not extractable: the private key never leaves the token, and signing happens inside it. The PIN is never
 * printed, logged or written.
 */
public final class Pkcs11Token {
    private static final String WRAPPER = "sun.security.pkcs11.wrapper.";
    /** CKF_OS_LOCKING_OK (PKCS#11 v2.40 section 5.4): the library may be called from several threads. */
    private static final long CKF_OS_LOCKING_OK = 0x2L;
    /** One provider per library, slot and key label in this JVM: SunPKCS11 keeps sessions per instance. */
    private static final Map<String, Provider> PROVIDERS = new ConcurrentHashMap<>();

    private final Pkcs11Uri uri;
    private final Provider provider;
    private final KeyStore keyStore;
    private final String label;

    private Pkcs11Token(Pkcs11Uri uri, Provider provider, KeyStore keyStore) {
        this.uri = uri;
        this.provider = provider;
        this.keyStore = keyStore;
        this.label = uri.object().orElseThrow();
    }

    /**
     * Opens the token the URI names and logs in: the PIN from the URI, else {@value Pkcs11Uri#PIN_VARIABLE} in
     * {@code environment}. A missing library, no matching token, or a PIN the token refuses is one clear error.
     */
    public static Pkcs11Token open(Pkcs11Uri uri, Map<String, String> environment) {
        if (!Files.isRegularFile(uri.modulePath())) {
            throw new EspfleetException(ExitStatus.UNAVAILABLE, "PKCS#11 module " + uri.modulePath()
                    + " does not exist (" + uri + ")", "install the token's library (SoftHSM2: apt-get install softhsm2) "
                    + "or correct module-path");
        }
        long slot = findSlot(uri);
        char[] pin = uri.pin(environment).orElseThrow(() -> new EspfleetException(ExitStatus.BAD_INPUT,
                "no PIN for the PKCS#11 token of " + uri, "set " + Pkcs11Uri.PIN_VARIABLE + " (or add pin-value=... to the "
                + "URI given on the command line; a CA folder keeps its URI without the PIN)"));
        Provider provider = provider(uri, slot);
        try {
            KeyStore keyStore = KeyStore.getInstance("PKCS11", provider);
            keyStore.load(null, pin);
            return new Pkcs11Token(uri, provider, keyStore);
        } catch (java.io.IOException e) {
            throw loginFailure(uri, e);
        } catch (GeneralSecurityException | ProviderException e) {
            throw new EspfleetException(ExitStatus.UNAVAILABLE, "cannot open the PKCS#11 token of " + uri + ": "
                    + describe(e), null, e);
        } finally {
            Arrays.fill(pin, '\0');
        }
    }

    private static EspfleetException loginFailure(Pkcs11Uri uri, Exception e) {
        String why = describe(e);
        if (why.contains("CKR_PIN_INCORRECT") || why.contains("CKR_PIN_LEN_RANGE")) {
            return new EspfleetException(ExitStatus.BAD_INPUT, "the PKCS#11 token of " + uri + " refused the PIN ("
                    + (why.contains("CKR_PIN_LEN_RANGE") ? "CKR_PIN_LEN_RANGE" : "CKR_PIN_INCORRECT") + ")",
                    "check " + Pkcs11Uri.PIN_VARIABLE + "; tokens lock after a few wrong PINs");
        }
        if (why.contains("CKR_PIN_LOCKED")) {
            return new EspfleetException(ExitStatus.BAD_INPUT, "the PKCS#11 token of " + uri + " is locked "
                    + "(CKR_PIN_LOCKED): too many wrong PINs", "the token's security officer must unlock it");
        }
        return new EspfleetException(ExitStatus.UNAVAILABLE, "cannot log in to the PKCS#11 token of " + uri + ": " + why,
                null, e);
    }

    /** The deepest message of a PKCS#11 failure (CKR_... names come from the JDK's wrapper). */
    private static String describe(Throwable e) {
        String message = String.valueOf(e.getMessage());
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null) {
                message = t.getMessage();
            }
        }
        return message;
    }

    /** The provider signing with this token's keys (also registered with the JCA, last, for Bouncy Castle's signers). */
    public Provider provider() {
        return provider;
    }

    public Pkcs11Uri uri() {
        return uri;
    }

    /** True if the token holds a key or certificate under the URI's label. */
    public boolean hasObject() {
        try {
            return keyStore.containsAlias(label);
        } catch (java.security.KeyStoreException e) {
            throw failure("read the objects of", e);
        }
    }

    /**
     * Generates a key pair inside the token under the URI's label: a token object, private, sensitive, not
     * extractable, for signing only. Refused when the label is taken (a key is never replaced).
     */
    public KeyPair generate(KeyType type) {
        if (hasObject()) {
            throw new EspfleetException(ExitStatus.BAD_INPUT, "the token of " + uri + " already holds an object labelled '"
                    + label + "'; refusing to replace it: certificates it issued would no longer verify",
                    "choose another object= for a new CA, or use the existing one by its CA folder");
        }
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(type == KeyType.EC_P256 ? "EC" : "RSA", provider);
            switch (type) {
                case EC_P256 -> generator.initialize(new ECGenParameterSpec("secp256r1"));
                case RSA_2048 -> generator.initialize(2048);
                case RSA_3072 -> generator.initialize(3072);
                default -> throw new IllegalStateException(type.name());
            }
            return generator.generateKeyPair();
        } catch (GeneralSecurityException | ProviderException e) {
            throw failure("generate a " + type.cliName() + " key in", e);
        }
    }

    /**
     * Stores the key's certificate in the token under the URI's label and binds the key to it (same CKA_ID and
     * label), so the key is found again by its label.
     */
    public void storeCertificate(PrivateKey key, X509Certificate certificate) {
        try {
            keyStore.setKeyEntry(label, key, null, new Certificate[] {certificate});
        } catch (java.security.KeyStoreException | ProviderException e) {
            throw failure("store the CA certificate in", e);
        }
    }

    /** The private key under the URI's label; an error naming the labels there are when it is missing. */
    public PrivateKey privateKey() {
        try {
            if (keyStore.isKeyEntry(label)) {
                java.security.Key key = keyStore.getKey(label, null);
                if (key instanceof PrivateKey p) {
                    return p;
                }
            }
            List<String> aliases = java.util.Collections.list(keyStore.aliases());
            throw new EspfleetException(ExitStatus.BAD_INPUT, "the token of " + uri + " holds no private key labelled '"
                    + label + "'" + (aliases.isEmpty() ? " (it holds no keys with certificates)"
                    : " (it holds: " + String.join(", ", aliases) + ")"),
                    "check object= in the URI (in the CA folder's key-uri file)");
        } catch (GeneralSecurityException | ProviderException e) {
            throw failure("read the key from", e);
        }
    }

    /** The certificate stored with the key under the URI's label, if any. */
    public Optional<X509Certificate> certificate() {
        try {
            Certificate c = keyStore.getCertificate(label);
            return c instanceof X509Certificate x ? Optional.of(x) : Optional.empty();
        } catch (java.security.KeyStoreException e) {
            throw failure("read the certificate from", e);
        }
    }

    private EspfleetException failure(String what, Exception e) {
        return new EspfleetException(ExitStatus.JOB_FAILED, "cannot " + what + " the PKCS#11 token of " + uri + ": "
                + describe(e), null, e);
    }

    /**
     * A SunPKCS11 provider for one slot, configured at run time (the JDK's inline configuration, which starts with
     * "--"). Keys it generates get the attributes that keep them in the token.
     */
    private static Provider provider(Pkcs11Uri uri, long slot) {
        String label = uri.object().orElseThrow();
        String key = uri.modulePath() + "\0" + slot + "\0" + label;
        return PROVIDERS.computeIfAbsent(key, k -> {
            String hexLabel = HexFormat.of().formatHex(label.getBytes(StandardCharsets.UTF_8));
            String config = "--name = espfleet-" + PROVIDERS.size() + "\n"
                    + "library = " + quoted(uri.modulePath().toString()) + "\n"
                    + "slot = " + slot + "\n"
                    // PKCS#11 v2.40 section 4.9: a token object, usable only after login, never readable or exportable
                    + "attributes(generate, CKO_PRIVATE_KEY, *) = {\n"
                    + "  CKA_TOKEN = true\n  CKA_PRIVATE = true\n  CKA_SENSITIVE = true\n  CKA_EXTRACTABLE = false\n"
                    + "  CKA_SIGN = true\n  CKA_DECRYPT = false\n  CKA_LABEL = 0h" + hexLabel + "\n}\n"
                    + "attributes(generate, CKO_PUBLIC_KEY, *) = {\n"
                    + "  CKA_TOKEN = true\n  CKA_VERIFY = true\n  CKA_ENCRYPT = false\n  CKA_LABEL = 0h" + hexLabel
                    + "\n}\n";
            Provider base = Security.getProvider("SunPKCS11");
            if (base == null) {
                throw new EspfleetException(ExitStatus.UNAVAILABLE, "this Java runtime has no SunPKCS11 provider "
                        + "(module jdk.crypto.cryptoki)", "use a full JDK or JRE 17 or later");
            }
            Provider p;
            try {
                p = base.configure(config);
            } catch (RuntimeException e) {
                throw new EspfleetException(ExitStatus.UNAVAILABLE, "cannot load PKCS#11 module " + uri.modulePath()
                        + " for slot " + slot + ": " + describe(e), null, e);
            }
            // last in the list: only a key of this token makes the JCA pick it (Bouncy Castle's signers, key checks)
            Security.addProvider(p);
            return p;
        });
    }

    /** A value in SunPKCS11's configuration syntax; a path with a quote or line break could rewrite the config. */
    private static String quoted(String value) {
        if (value.indexOf('"') >= 0 || value.indexOf('\n') >= 0 || value.indexOf('\r') >= 0 || value.indexOf('\\') >= 0) {
            throw EspfleetException.badInput("module-path '" + value + "' holds a quote, backslash or line break, "
                    + "which the PKCS#11 configuration cannot carry");
        }
        return "\"" + value + "\"";
    }

    /** Information about one slot with a token, as RFC 7512 names it. */
    record SlotToken(long slotId, String slotDescription, String slotManufacturer, String token, String manufacturer,
                     String model, String serial) {
        boolean matches(Pkcs11Uri uri) {
            return uri.slotId().map(id -> id == slotId).orElse(true)
                    && uri.attribute("slot-description").map(slotDescription::equals).orElse(true)
                    && uri.attribute("slot-manufacturer").map(slotManufacturer::equals).orElse(true)
                    && uri.attribute("token").map(token::equals).orElse(true)
                    && uri.attribute("manufacturer").map(manufacturer::equals).orElse(true)
                    && uri.attribute("model").map(model::equals).orElse(true)
                    && uri.attribute("serial").map(serial::equals).orElse(true);
        }
    }

    private static long findSlot(Pkcs11Uri uri) {
        List<SlotToken> tokens = slots(uri);
        List<SlotToken> matching = tokens.stream().filter(t -> t.matches(uri)).toList();
        if (matching.size() == 1) {
            return matching.get(0).slotId();
        }
        if (matching.isEmpty()) {
            throw new EspfleetException(ExitStatus.UNAVAILABLE, "no token matches " + uri + (tokens.isEmpty()
                    ? ": the module shows no token" : ": the module shows " + String.join(", ", tokens.stream()
                    .map(t -> "'" + t.token() + "' (serial " + t.serial() + ", slot " + t.slotId() + ")").toList())),
                    "check token= in the URI; SoftHSM2 finds its tokens through SOFTHSM2_CONF");
        }
        throw EspfleetException.badInput("several tokens match " + uri + " (slots " + String.join(", ",
                matching.stream().map(t -> Long.toString(t.slotId())).toList()) + "): add serial= to the URI");
    }

    /** Every slot with a token, read through the JDK's PKCS#11 wrapper (the instance SunPKCS11 shares). */
    static List<SlotToken> slots(Pkcs11Uri uri) {
        try {
            Class<?> pkcs11 = Class.forName(WRAPPER + "PKCS11");
            Class<?> initArgsClass = Class.forName(WRAPPER + "CK_C_INITIALIZE_ARGS");
            Object initArgs = initArgsClass.getConstructor().newInstance();
            initArgsClass.getField("flags").setLong(initArgs, CKF_OS_LOCKING_OK);
            Method getInstance = pkcs11.getMethod("getInstance", String.class, String.class, initArgsClass, boolean.class);
            Object module = getInstance.invoke(null, uri.modulePath().toString(), "C_GetFunctionList", initArgs, false);
            long[] slots = (long[]) pkcs11.getMethod("C_GetSlotList", boolean.class).invoke(module, true);
            Method tokenInfo = pkcs11.getMethod("C_GetTokenInfo", long.class);
            Method slotInfo = pkcs11.getMethod("C_GetSlotInfo", long.class);
            List<SlotToken> out = new ArrayList<>();
            for (long slot : slots) {
                Object t = tokenInfo.invoke(module, slot);
                Object s = slotInfo.invoke(module, slot);
                out.add(new SlotToken(slot, text(s, "slotDescription"), text(s, "manufacturerID"), text(t, "label"),
                        text(t, "manufacturerID"), text(t, "model"), text(t, "serialNumber")));
            }
            return out;
        } catch (IllegalAccessException | ClassNotFoundException | NoSuchMethodException | NoSuchFieldException
                 | InstantiationException e) {
            throw new EspfleetException(ExitStatus.INTERNAL, "cannot list the tokens of " + uri.modulePath()
                    + ": the JDK's PKCS#11 wrapper is not accessible (" + e + ")",
                    "run espfleet with its jar (java -jar espfleet.jar), or pass --add-exports "
                            + "jdk.crypto.cryptoki/sun.security.pkcs11.wrapper=ALL-UNNAMED to java", e);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause();
            throw new EspfleetException(ExitStatus.UNAVAILABLE, "cannot list the tokens of PKCS#11 module "
                    + uri.modulePath() + ": " + describe(cause), "check module-path and, for SoftHSM2, SOFTHSM2_CONF",
                    cause);
        }
    }

    /**
     * A blank-padded CK_UTF8CHAR field: the wrapper gives one char per octet, so the octets are put back and read
     * as UTF-8, then the padding (PKCS#11 section 3.2) is dropped.
     */
    private static String text(Object info, String field) throws NoSuchFieldException, IllegalAccessException {
        Field f = info.getClass().getField(field);
        char[] chars = (char[]) f.get(info);
        byte[] bytes = new byte[chars.length];
        for (int i = 0; i < chars.length; i++) {
            bytes[i] = (byte) chars[i];
        }
        return new String(bytes, StandardCharsets.UTF_8).stripTrailing();
    }
}
