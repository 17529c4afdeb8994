package dev.espfleet.provisioning;

import dev.espfleet.common.AtomicFiles;
import dev.espfleet.common.InputFiles;
import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.Json;
import dev.espfleet.common.JsonReader;
import dev.espfleet.model.ThingName;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@code unit.json}: what a unit folder belongs to. A folder serves one thing with one key and, once a
 * bench has flashed it, one board (its MAC) under one ledger row. The binding is written before the key,
 * so no key ever lies in a folder without saying whose it is; a folder whose binding names another
 * thing, key, board or ledger is refused instead of reused.
 *
 * @param keySha256 SHA-256 of the key's public half (DER SubjectPublicKeyInfo), lower-case hex
 * @param board the board and ledger row, for a unit made by the bench
 * @param identitySha256 SHA-256 of the identity image last written to the board and verified
 */
public record UnitBinding(ThingName thing, String keySha256, Optional<Board> board, Instant created,
                          Optional<String> identitySha256, Optional<Instant> flashedAt) {
    public static final String FILE = "unit.json";
    /** unit.json is a few hundred bytes; anything much larger is not one. */
    private static final int MAX_BYTES = 64 * 1024;

    /**
     * The board a bench unit belongs to: its MAC, the ledger that named it (the ledger's own id, not its
     * URL, which differs between stations) and the row's sequence number, and the station that bound it.
     *
     * @param ledgerCertificate the certificate the ledger records for this MAC (AWS certificate id), if any:
     *        how a unit folder written before unit.json existed proves it is this board's
     */
    public record Board(String mac, String ledgerId, long sequence, String station,
                        Optional<String> ledgerCertificate) {
        public Board {
            ledgerCertificate = ledgerCertificate == null ? Optional.empty() : ledgerCertificate;
        }

        /** Same board under the same ledger: what the binding compares (the station may differ on rework). */
        boolean sameAs(Board other) {
            return mac.equalsIgnoreCase(other.mac) && ledgerId.equals(other.ledgerId);
        }

        String describe() {
            return "board " + mac + " (ledger " + ledgerId + " row " + sequence + ", station " + station + ")";
        }
    }

    public UnitBinding {
        java.util.Objects.requireNonNull(thing, "thing");
    }

    /** SHA-256 of the public key, as recorded in {@code key_sha256}. */
    public static String keyFingerprint(PublicKey key) {
        return sha256(key.getEncoded());
    }

    public static String sha256(byte[] data) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
        } catch (NoSuchAlgorithmException e) {
            throw IdentityChecks.internal("no SHA-256 in this Java runtime", e);
        }
    }

    /** The binding of a unit folder, if it has one; a malformed unit.json is bad input. */
    public static Optional<UnitBinding> read(Path unitDir) {
        Path file = unitDir.resolve(FILE);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        String text = new String(InputFiles.read(file, MAX_BYTES, "unit binding"), StandardCharsets.UTF_8);
        Map<String, String> fields = fields(text, file);
        try {
            Optional<Board> board = Optional.ofNullable(fields.get("mac")).map(mac -> new Board(mac,
                    require(fields, "ledger", file), Long.parseLong(require(fields, "sequence", file)),
                    require(fields, "station", file), Optional.empty()));
            String thing = require(fields, "thing", file);
            ThingName.problem(thing).ifPresent(p -> {
                throw EspfleetException.badInput(file + ": " + p);
            });
            return Optional.of(new UnitBinding(ThingName.of(thing), require(fields, "key_sha256", file),
                    board, Instant.parse(require(fields, "created", file)),
                    Optional.ofNullable(fields.get("identity_sha256")),
                    Optional.ofNullable(fields.get("flashed_at")).map(Instant::parse)));
        } catch (NumberFormatException | DateTimeParseException e) {
            throw EspfleetException.badInput(file + " is not a unit binding espfleet wrote: " + e.getMessage());
        }
    }

    /** Writes unit.json durably (it must be on disk before the key it names). */
    public void write(Path unitDir) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("thing", thing.value());
        fields.put("key_sha256", keySha256);
        board.ifPresent(b -> {
            fields.put("mac", b.mac());
            fields.put("ledger", b.ledgerId());
            fields.put("sequence", b.sequence());
            fields.put("station", b.station());
        });
        fields.put("created", created.toString());
        identitySha256.ifPresent(s -> fields.put("identity_sha256", s));
        flashedAt.ifPresent(t -> fields.put("flashed_at", t.toString()));
        StringBuilder json = new StringBuilder("{\n");
        int i = 0;
        for (Map.Entry<String, Object> e : fields.entrySet()) {
            Object v = e.getValue();
            json.append("  ").append(Json.quote(e.getKey())).append(": ")
                    .append(v instanceof Number ? v.toString() : Json.quote(v.toString()))
                    .append(++i < fields.size() ? ",\n" : "\n");
        }
        json.append("}\n");
        AtomicFiles.writeDurable(unitDir.resolve(FILE), json.toString().getBytes(StandardCharsets.UTF_8));
    }

    /** Records the identity image that was written to the board and verified. */
    public static void recordFlashed(Path unitDir, String identitySha256, Instant at) {
        UnitBinding b = read(unitDir).orElseThrow(() -> EspfleetException.badInput(unitDir.resolve(FILE)
                + " disappeared while the unit was being flashed"));
        new UnitBinding(b.thing, b.keySha256, b.board, b.created, Optional.of(identitySha256), Optional.of(at))
                .write(unitDir);
    }

    /** unit.json's members: strings, and whole numbers written as such (the sequence). */
    private static Map<String, String> fields(String text, Path file) {
        Object root;
        try {
            root = JsonReader.parse(text, file.toString());
        } catch (EspfleetException e) {
            throw EspfleetException.badInput(file + " is not a unit binding espfleet wrote: " + e.getMessage());
        }
        if (!(root instanceof Map<?, ?> members)) {
            throw EspfleetException.badInput(file + " is not a unit binding espfleet wrote: not a JSON object");
        }
        Map<String, String> fields = new LinkedHashMap<>();
        members.forEach((k, v) -> {
            if (v instanceof BigDecimal d && wholeLong(d)) {
                fields.put((String) k, Long.toString(d.longValueExact()));
            } else if (v instanceof String str) {
                fields.put((String) k, str);
            } else {
                throw EspfleetException.badInput(file + " is not a unit binding espfleet wrote: \"" + k
                        + "\" is neither text nor a whole number");
            }
        });
        return fields;
    }

    private static String require(Map<String, String> fields, String key, Path file) {
        String value = fields.get(key);
        if (value == null) {
            throw EspfleetException.badInput(file + " is not a unit binding espfleet wrote: no \"" + key + "\"");
        }
        return value;
    }

    private static boolean wholeLong(BigDecimal d) {
        try {
            d.longValueExact();
            return true;
        } catch (ArithmeticException e) {
            return false;
        }
    }
}
