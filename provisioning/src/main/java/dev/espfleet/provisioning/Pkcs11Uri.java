package dev.espfleet.provisioning;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import java.io.ByteArrayOutputStream;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A PKCS#11 URI (RFC 7512) naming a private key in a token:
 * {@code pkcs11:token=espfleet-ca;object=ca-key?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-value=1234}.
 *
 * <p>Path attributes (RFC 7512 section 2.3) select the slot, token and object; query attributes name the module
 * and the PIN. Values are percent-decoded (section 2.3: {@code %XX} is one octet; the octets are UTF-8). What
 * espfleet cannot honour safely is refused, not ignored: {@code pin-source} (the RFC lets it run a command or read
 * any file), {@code module-name} (a library looked up by name on a search path is not the one you checked), a
 * relative {@code module-path}, vendor attributes ({@code x-...}), an attribute given twice, and any attribute
 * the RFC does not define. The PIN ({@code pin-value}) is kept apart: {@link #toString()} and
 * {@link #withoutPin()} never show it.
 */
public final class Pkcs11Uri {
    public static final String SCHEME = "pkcs11:";
    /** Where the PIN comes from when the URI has none (the URI kept in a CA folder never has one). */
    public static final String PIN_VARIABLE = "ESPFLEET_PKCS11_PIN";

    /** RFC 7512 section 2.3, pk11-path-attr: what selects the library, slot, token and object. */
    private static final Set<String> PATH_ATTRIBUTES = Set.of("token", "manufacturer", "serial", "model",
            "library-manufacturer", "library-description", "library-version", "object", "type", "id",
            "slot-manufacturer", "slot-description", "slot-id");
    /** The query attributes espfleet honours (RFC 7512 section 2.3, pk11-query-attr). */
    private static final Set<String> QUERY_ATTRIBUTES = Set.of("module-path", "pin-value");

    private final Map<String, String> path;
    private final Path modulePath;
    private final Optional<char[]> pin;

    private Pkcs11Uri(Map<String, String> path, Path modulePath, Optional<char[]> pin) {
        this.path = Map.copyOf(path);
        this.modulePath = modulePath;
        this.pin = pin;
    }

    /**
     * Parses and checks a URI; {@code source} names it in messages (e.g. {@code --key-uri}). A bad URI is exit 2
     * with what was expected; the PIN never appears in a message.
     */
    public static Pkcs11Uri parse(String uri, String source) {
        if (uri == null || !uri.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
            throw bad(source, "expected a PKCS#11 URI (RFC 7512) starting with 'pkcs11:', e.g. "
                    + "pkcs11:token=espfleet-ca;object=ca-key?module-path=/usr/lib/softhsm/libsofthsm2.so");
        }
        String rest = uri.substring(SCHEME.length());
        int q = rest.indexOf('?');
        String pathPart = q < 0 ? rest : rest.substring(0, q);
        String queryPart = q < 0 ? "" : rest.substring(q + 1);
        Map<String, String> path = attributes(pathPart, ';', source, PATH_ATTRIBUTES, "path");
        Map<String, String> query = attributes(queryPart, '&', source, QUERY_ATTRIBUTES, "query");

        String module = query.get("module-path");
        if (module == null) {
            throw bad(source, "no module-path: name the PKCS#11 library, e.g. ?module-path=/usr/lib/softhsm/libsofthsm2.so");
        }
        Path modulePath = Path.of(module);
        if (!modulePath.isAbsolute()) {
            throw bad(source, "module-path '" + module + "' is relative: a library is loaded into espfleet, so give "
                    + "its absolute path");
        }
        if (!path.containsKey("token") && !path.containsKey("serial") && !path.containsKey("slot-id")) {
            throw bad(source, "no token, serial or slot-id: say which token holds the key, e.g. token=espfleet-ca");
        }
        if (!path.containsKey("object")) {
            throw bad(source, "no object: name the key in the token by its label, e.g. object=ca-key"
                    + (path.containsKey("id") ? " (espfleet finds keys by label; id alone is not enough)" : ""));
        }
        for (String name : path.keySet()) {
            if (name.startsWith("library-")) {
                throw bad(source, name + " is not supported: module-path already says which library");
            }
        }
        String type = path.get("type");
        if (type != null && !type.equals("private")) {
            throw bad(source, "type=" + type + ": the CA's key is a private key (type=private, or leave type out)");
        }
        String slotId = path.get("slot-id");
        if (slotId != null && !slotId.matches("[0-9]{1,19}")) {
            throw bad(source, "slot-id '" + slotId + "' is not a decimal number (RFC 7512 section 2.3)");
        }
        Optional<char[]> pin = Optional.ofNullable(query.get("pin-value")).map(String::toCharArray);
        return new Pkcs11Uri(path, modulePath, pin);
    }

    private static Map<String, String> attributes(String part, char separator, String source, Set<String> known,
                                                  String where) {
        Map<String, String> out = new LinkedHashMap<>();
        if (part.isEmpty()) {
            return out;
        }
        for (String attribute : part.split(java.util.regex.Pattern.quote(String.valueOf(separator)), -1)) {
            int eq = attribute.indexOf('=');
            if (eq <= 0) {
                // a query fragment may be a mistyped pin-value: never echoed
                throw bad(source, (where.equals("path") ? "'" + safe(attribute) + "'" : "an attribute") + " in the "
                        + where + " is not name=value");
            }
            String name = attribute.substring(0, eq);
            String value = decode(attribute.substring(eq + 1), source, name);
            if (name.equals("pin-source")) {
                throw bad(source, "pin-source is not accepted (it may run a command or read any file): pass the PIN in "
                        + PIN_VARIABLE + " or as pin-value");
            }
            if (name.equals("module-name")) {
                throw bad(source, "module-name is not accepted (a library found on a search path may not be the one "
                        + "you mean): give module-path=/absolute/path/to/the/library.so");
            }
            if (name.startsWith("x-")) {
                throw bad(source, "vendor attribute '" + name + "' is not supported");
            }
            if (!known.contains(name)) {
                String other = where.equals("path") ? (QUERY_ATTRIBUTES.contains(name) ? ": it belongs in the query, after '?'" : "")
                        : (PATH_ATTRIBUTES.contains(name) ? ": it belongs in the path, before '?'" : "");
                throw bad(source, "unknown " + where + " attribute '" + name + "'" + (other.isEmpty()
                        ? " (RFC 7512: " + String.join(", ", new java.util.TreeSet<>(known)) + ")" : other));
            }
            if (out.put(name, value) != null) {
                throw bad(source, "attribute '" + name + "' is given twice");
            }
            if (!name.equals("pin-value") && !name.equals("id") && value.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
                throw bad(source, "attribute '" + name + "' holds a control character");
            }
        }
        return out;
    }

    /** RFC 7512 section 2.3: %XX is one octet; the octets of a value are UTF-8 (id excepted, see {@link #id()}). */
    private static String decode(String value, String source, String name) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '%') {
                if (i + 2 >= value.length() || Character.digit(value.charAt(i + 1), 16) < 0
                        || Character.digit(value.charAt(i + 2), 16) < 0) {
                    throw bad(source, "attribute '" + name + "' has a bad percent-encoding (expected %XX with two hex "
                            + "digits)");
                }
                bytes.write(Integer.parseInt(value.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                byte[] utf8 = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
                bytes.write(utf8, 0, utf8.length);
            }
        }
        if (name.equals("id")) {
            // id is raw octets; keep them one char per octet, hex-encoded by id()
            return HexFormat.of().formatHex(bytes.toByteArray());
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes.toByteArray()))
                    .toString();
        } catch (CharacterCodingException e) {
            throw bad(source, "attribute '" + name + "' is not UTF-8 once percent-decoded");
        }
    }

    private static EspfleetException bad(String source, String why) {
        return new EspfleetException(ExitStatus.BAD_INPUT, source + ": " + why);
    }

    /** A fragment of the URI's path fit for a message (the PIN is a query attribute, never in the path). */
    private static String safe(String s) {
        return s.length() > 40 ? s.substring(0, 40) + "..." : s;
    }

    public Path modulePath() {
        return modulePath;
    }

    public Optional<String> token() {
        return Optional.ofNullable(path.get("token"));
    }

    public Optional<String> object() {
        return Optional.ofNullable(path.get("object"));
    }

    /** The object's CKA_ID, when the URI gives one. */
    public Optional<byte[]> id() {
        return Optional.ofNullable(path.get("id")).map(HexFormat.of()::parseHex);
    }

    public Optional<Long> slotId() {
        return Optional.ofNullable(path.get("slot-id")).map(Long::parseLong);
    }

    /** A path attribute that selects the token (token, manufacturer, model, serial, slot-description...). */
    public Optional<String> attribute(String name) {
        return Optional.ofNullable(path.get(name));
    }

    /** The PIN: the URI's pin-value, else {@value #PIN_VARIABLE}; empty when neither is set. */
    public Optional<char[]> pin(Map<String, String> environment) {
        if (pin.isPresent()) {
            return Optional.of(pin.get().clone());
        }
        return Optional.ofNullable(environment.get(PIN_VARIABLE)).filter(p -> !p.isEmpty()).map(String::toCharArray);
    }

    public boolean hasPin() {
        return pin.isPresent();
    }

    /** The same URI without its PIN: what a CA folder keeps. */
    public Pkcs11Uri withoutPin() {
        return new Pkcs11Uri(path, modulePath, Optional.empty());
    }

    /**
     * The URI as text, percent-encoded where RFC 7512 requires, attributes in a fixed order, without the PIN
     * (always: a URI printed, logged or written never carries it).
     */
    @Override
    public String toString() {
        StringBuilder s = new StringBuilder(SCHEME);
        boolean first = true;
        for (String name : new java.util.TreeSet<>(path.keySet())) {
            if (!first) {
                s.append(';');
            }
            first = false;
            String value = path.get(name);
            s.append(name).append('=').append(name.equals("id") ? percentAll(HexFormat.of().parseHex(value))
                    : encode(value, false));
        }
        s.append("?module-path=").append(encode(modulePath.toString(), true));
        return s.toString();
    }

    /**
     * RFC 7512 section 2.3: unreserved characters and pk11-path-res-avail (":[]@!$'()*+,=") stay, and in the
     * query also "/?|"; everything else is %XX.
     */
    private static String encode(String value, boolean query) {
        String keep = query ? "-._~:[]@!$'()*+,=/?|" : "-._~:[]@!$'()*+,=";
        StringBuilder s = new StringBuilder();
        for (byte b : value.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (b & 0xff);
            if (c < 0x80 && (Character.isLetterOrDigit(c) || keep.indexOf(c) >= 0)) {
                s.append(c);
            } else {
                s.append('%').append(String.format("%02X", b & 0xff));
            }
        }
        return s.toString();
    }

    private static String percentAll(byte[] bytes) {
        StringBuilder s = new StringBuilder();
        for (byte b : bytes) {
            s.append('%').append(String.format("%02X", b & 0xff));
        }
        return s.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Pkcs11Uri u && u.path.equals(path) && u.modulePath.equals(modulePath);
    }

    @Override
    public int hashCode() {
        return path.hashCode() * 31 + modulePath.hashCode();
    }
}
