package dev.espfleet.bench;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The record of which device (by MAC) has which thing name and certificate. The database enforces what
 * must never happen: a MAC with two identities, a thing name used twice, a certificate on two devices
 * (unique constraints). Allocation happens in the database, so several benches sharing one ledger
 * (SQLite file or PostgreSQL) never hand out the same name. Rows are never deleted.
 */
public final class IdentityLedger implements AutoCloseable {
    private static final int ATTEMPTS = 20;
    private static final String SCHEMA = """
            CREATE TABLE IF NOT EXISTS units (
                mac TEXT PRIMARY KEY,
                thing_name TEXT NOT NULL UNIQUE,
                sequence BIGINT NOT NULL UNIQUE,
                cert_fingerprint TEXT UNIQUE,
                state TEXT NOT NULL CHECK (state IN ('ALLOCATED', 'DONE')),
                station TEXT NOT NULL,
                allocated_at TEXT NOT NULL,
                done_at TEXT
            )""";

    private final String url;
    private final Connection connection;
    private final boolean sqlite;

    private IdentityLedger(String url, Connection connection) {
        this.url = url;
        this.connection = connection;
        this.sqlite = url.startsWith("jdbc:sqlite:");
    }

    /** Opens (and creates when new) the ledger at a JDBC URL: {@code jdbc:sqlite:FILE} or {@code jdbc:postgresql:...}. */
    public static IdentityLedger open(String url) {
        if (!url.startsWith("jdbc:sqlite:") && !url.startsWith("jdbc:postgresql:")) {
            throw EspfleetException.badInput("--ledger '" + url + "': expected jdbc:sqlite:FILE or "
                    + "jdbc:postgresql://HOST/DB");
        }
        if (url.startsWith("jdbc:sqlite:")) {
            Path parent = Path.of(url.substring("jdbc:sqlite:".length())).toAbsolutePath().getParent();
            if (parent != null && !Files.isDirectory(parent)) {
                throw EspfleetException.badInput("--ledger " + url + ": folder " + parent + " does not exist");
            }
        }
        try {
            Connection c = DriverManager.getConnection(url);
            IdentityLedger ledger = new IdentityLedger(url, c);
            try (Statement s = c.createStatement()) {
                if (ledger.sqlite) {
                    // several bench processes may share the file: wait for the write lock instead of failing
                    s.execute("PRAGMA busy_timeout = 30000");
                    s.execute("PRAGMA journal_mode = WAL");
                    s.execute("PRAGMA synchronous = FULL");
                }
                s.execute(SCHEMA);
            }
            return ledger;
        } catch (SQLException e) {
            throw new EspfleetException(ExitStatus.UNAVAILABLE, "cannot open ledger " + url + ": " + e.getMessage(),
                    null, e);
        }
    }

    /**
     * The identity of the device with this MAC: the existing one when the MAC is known (rework), else a new
     * thing name from the pattern and the next sequence number, recorded before it is returned.
     */
    public synchronized UnitRecord allocate(String mac, String product, ThingNamePattern pattern, String station) {
        for (int attempt = 1; ; attempt++) {
            try {
                return inTransaction(() -> {
                    Optional<UnitRecord> known = find(mac);
                    if (known.isPresent()) {
                        return known.get();
                    }
                    long sequence = nextSequence();
                    String thing = pattern.apply(product, mac, sequence);
                    try (PreparedStatement p = connection.prepareStatement("INSERT INTO units (mac, thing_name, "
                            + "sequence, state, station, allocated_at) VALUES (?, ?, ?, 'ALLOCATED', ?, ?)")) {
                        p.setString(1, mac);
                        p.setString(2, thing);
                        p.setLong(3, sequence);
                        p.setString(4, station);
                        p.setString(5, Instant.now().toString());
                        p.executeUpdate();
                    }
                    return find(mac).orElseThrow();
                });
            } catch (SQLException e) {
                if (!isConflict(e) || attempt >= ATTEMPTS) {
                    throw failure("allocate an identity for " + mac, e);
                }
                // another station took the same sequence number or name first: take the next one
            }
        }
    }

    /** Records the certificate of an allocated unit (the fingerprint is unique across the ledger). */
    public synchronized void recordCertificate(String mac, String fingerprint) {
        update("record the certificate of " + mac,
                "UPDATE units SET cert_fingerprint = ? WHERE mac = ?", fingerprint, mac);
    }

    /** Marks a unit done; call only after its flash was verified. */
    public synchronized void markDone(String mac, String fingerprint) {
        update("mark " + mac + " done",
                "UPDATE units SET state = 'DONE', cert_fingerprint = ?, done_at = ? WHERE mac = ?",
                fingerprint, Instant.now().toString(), mac);
    }

    public synchronized Optional<UnitRecord> find(String mac) throws SQLException {
        try (PreparedStatement p = connection.prepareStatement("SELECT * FROM units WHERE mac = ?")) {
            p.setString(1, mac);
            try (ResultSet r = p.executeQuery()) {
                return r.next() ? Optional.of(record(r)) : Optional.empty();
            }
        }
    }

    public synchronized List<UnitRecord> list() {
        try (Statement s = connection.createStatement();
             ResultSet r = s.executeQuery("SELECT * FROM units ORDER BY sequence")) {
            List<UnitRecord> out = new ArrayList<>();
            while (r.next()) {
                out.add(record(r));
            }
            return out;
        } catch (SQLException e) {
            throw failure("read the ledger", e);
        }
    }

    @Override
    public synchronized void close() {
        try {
            connection.close();
        } catch (SQLException ignored) {
            // closing a ledger that failed is not worth a second error
        }
    }

    private long nextSequence() throws SQLException {
        try (Statement s = connection.createStatement();
             ResultSet r = s.executeQuery("SELECT COALESCE(MAX(sequence), 0) + 1 FROM units")) {
            r.next();
            return r.getLong(1);
        }
    }

    private void update(String what, String sql, String... values) {
        try {
            inTransaction(() -> {
                try (PreparedStatement p = connection.prepareStatement(sql)) {
                    for (int i = 0; i < values.length; i++) {
                        p.setString(i + 1, values[i]);
                    }
                    if (p.executeUpdate() != 1) {
                        throw new SQLException("no such unit in the ledger");
                    }
                }
                return null;
            });
        } catch (SQLException e) {
            throw failure(what, e);
        }
    }

    private interface Work<T> {
        T run() throws SQLException;
    }

    /** One transaction; on SQLite it takes the write lock at BEGIN so concurrent benches queue, not fail. */
    private <T> T inTransaction(Work<T> work) throws SQLException {
        if (sqlite) {
            try (Statement s = connection.createStatement()) {
                s.execute("BEGIN IMMEDIATE");
            }
            try {
                T result = work.run();
                try (Statement s = connection.createStatement()) {
                    s.execute("COMMIT");
                }
                return result;
            } catch (SQLException | RuntimeException e) {
                try (Statement s = connection.createStatement()) {
                    s.execute("ROLLBACK");
                }
                throw e;
            }
        }
        connection.setAutoCommit(false);
        try {
            T result = work.run();
            connection.commit();
            return result;
        } catch (SQLException | RuntimeException e) {
            connection.rollback();
            throw e;
        } finally {
            connection.setAutoCommit(true);
        }
    }

    private static boolean isConflict(SQLException e) {
        String state = e.getSQLState();
        String message = String.valueOf(e.getMessage());
        return "23505".equals(state) || message.contains("UNIQUE constraint failed") || message.contains("SQLITE_BUSY");
    }

    private EspfleetException failure(String what, SQLException e) {
        String message = String.valueOf(e.getMessage());
        if (message.contains("UNIQUE constraint failed: units.cert_fingerprint") || "23505".equals(e.getSQLState())) {
            return new EspfleetException(ExitStatus.JOB_FAILED, "ledger " + url + " refused to " + what
                    + ": it would give one identity to two devices (" + message + ")");
        }
        return new EspfleetException(ExitStatus.JOB_FAILED, "ledger " + url + ": cannot " + what + ": " + message,
                null, e);
    }

    private static UnitRecord record(ResultSet r) throws SQLException {
        String done = r.getString("done_at");
        return new UnitRecord(r.getString("mac"), r.getString("thing_name"), r.getLong("sequence"),
                Optional.ofNullable(r.getString("cert_fingerprint")), UnitRecord.State.valueOf(r.getString("state")),
                r.getString("station"), Instant.parse(r.getString("allocated_at")),
                Optional.ofNullable(done).map(Instant::parse));
    }
}
