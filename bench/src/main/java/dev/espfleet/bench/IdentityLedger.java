package dev.espfleet.bench;

import dev.espfleet.bench.eol.EndOfLineOutcome;
import dev.espfleet.bench.eol.EndOfLineRecord;
import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.model.MacAddress;
import dev.espfleet.model.ThingName;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import org.sqlite.SQLiteConfig;

/**
 * The record of which device (by MAC) has which thing name and certificate. The database enforces what
 * must never happen: a MAC with two identities, a thing name used twice, a certificate on two devices
 * (unique constraints). Allocation happens in the database, so several benches sharing one ledger
 * (SQLite file or PostgreSQL) never hand out the same name. Rows are never deleted.
 *
 * <p>Every ledger has an id of its own (a random UUID in {@code ledger_info}), which unit folders record
 * ({@code unit.json}): a folder made under one ledger is never taken over by another.
 */
public final class IdentityLedger implements AutoCloseable {
    private static final int ATTEMPTS = 20;
    /**
     * PostgreSQL deadlines (pgjdbc's connectTimeout, loginTimeout and socketTimeout): a server that accepts
     * the connection and never answers is an error after these, not a hang. A URL may set its own.
     */
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    static final Duration LOGIN_TIMEOUT = Duration.ofSeconds(10);
    static final Duration SOCKET_TIMEOUT = Duration.ofSeconds(60);
    /** SQLite: how long a writer waits for another process's write lock on the same file. */
    static final Duration SQLITE_BUSY_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration CLAIM_POLL = Duration.ofMillis(200);
    private static final String SCHEMA = """
            CREATE TABLE IF NOT EXISTS units (
                mac TEXT PRIMARY KEY,
                thing_name TEXT NOT NULL UNIQUE,
                sequence BIGINT NOT NULL UNIQUE,
                cert_fingerprint TEXT UNIQUE,
                state TEXT NOT NULL CHECK (state IN ('ALLOCATED', 'DONE')),
                station TEXT NOT NULL,
                allocated_at TEXT NOT NULL,
                done_at TEXT,
                identity_sha256 TEXT,
                eol_result TEXT,
                eol_detail TEXT,
                eol_at TEXT
            )""";
    /**
     * Columns added after the first ledgers (the end-of-line test's, then AWS registration's), each made by
     * {@link #prepare} when missing (name, SQL type). The AWS registration of a unit: {@code registration} is NULL (not asked), PENDING (flashed and verified, not yet
     * registered: {@code espfleet aws sync} does it) or REGISTERED, with what AWS calls it.
     */
    private static final List<String[]> ADDED_COLUMNS = List.of(
            new String[] {"identity_sha256", "TEXT"},
            new String[] {"eol_result", "TEXT"},
            new String[] {"eol_detail", "TEXT"},
            new String[] {"eol_at", "TEXT"},
            new String[] {"registration", "TEXT"},
            new String[] {"registration_detail", "TEXT"},
            new String[] {"thing_arn", "TEXT"},
            new String[] {"certificate_arn", "TEXT"},
            new String[] {"aws_certificate_id", "TEXT"},
            new String[] {"registered_at", "TEXT"});
    private static final String INFO_SCHEMA =
            "CREATE TABLE IF NOT EXISTS ledger_info (name TEXT PRIMARY KEY, value TEXT NOT NULL)";

    private final String url;
    private final Connection connection;
    private final boolean sqlite;
    private final Optional<String> id;
    private final boolean hasIdentityColumn;
    private final boolean hasEndOfLineColumns;
    /** A ledger opened to read may be older than the registration columns. */
    private boolean hasRegistrationColumns = true;
    /** MACs claimed by this process: the database's lock does not keep two ports of one station apart. */
    private final Set<String> claimed = ConcurrentHashMap.newKeySet();

    private IdentityLedger(String url, Connection connection, Optional<String> id, boolean hasIdentityColumn,
                           boolean hasEndOfLineColumns) {
        this.url = url;
        this.connection = connection;
        this.sqlite = isSqlite(url);
        this.id = id;
        this.hasIdentityColumn = hasIdentityColumn;
        this.hasEndOfLineColumns = hasEndOfLineColumns;
    }

    /**
     * Opens the ledger at a JDBC URL for a bench: {@code jdbc:sqlite:FILE} (created 0600 when new) or
     * {@code jdbc:postgresql:...} (its tables created when missing). Older ledgers are brought up to date.
     */
    public static IdentityLedger open(String url) {
        requireKnownKind(url);
        if (isSqlite(url)) {
            sqliteFile(url).ifPresent(file -> createPrivately(url, file));
        }
        Connection c = connect(url, false);
        try {
            prepare(url, c);
            return new IdentityLedger(url, c, Optional.of(ledgerId(url, c)), true, true);
        } catch (SQLException e) {
            closeQuietly(c);
            throw openFailure(url, e);
        }
    }

    /**
     * Opens an existing ledger to read it, changing nothing: a missing SQLite file, or a database
     * without the units table, is bad input (exit 2) rather than a new empty ledger.
     */
    public static IdentityLedger openExisting(String url) {
        requireKnownKind(url);
        if (isSqlite(url)) {
            Optional<Path> file = sqliteFile(url);
            if (file.isPresent() && !Files.isRegularFile(file.get())) {
                throw new EspfleetException(ExitStatus.BAD_INPUT, "no ledger at " + file.get() + " (--ledger "
                        + redact(url) + (Files.isDirectory(file.get()) ? "): it is a folder" : ")"),
                        "a bench makes the ledger (default: units/ledger.db); name an existing one with --ledger");
            }
        }
        Connection c = connect(url, true);
        try {
            boolean hasUnits;
            if (isSqlite(url)) {
                try (Statement s = c.createStatement(); ResultSet r = s.executeQuery(
                        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'units'")) {
                    hasUnits = r.next() && r.getInt(1) == 1;
                }
            } else {
                try (Statement s = c.createStatement();
                     ResultSet r = s.executeQuery("SELECT to_regclass('units') IS NOT NULL")) {
                    hasUnits = r.next() && r.getBoolean(1);
                }
            }
            if (!hasUnits) {
                throw EspfleetException.badInput(redact(url) + " is not an espfleet ledger: it has no units table");
            }
            Optional<String> id = Optional.empty();
            if (hasTable(c, "ledger_info")) {
                try (Statement s = c.createStatement();
                     ResultSet r = s.executeQuery("SELECT value FROM ledger_info WHERE name = 'id'")) {
                    id = r.next() ? Optional.of(r.getString(1)) : Optional.empty();
                }
            }
            IdentityLedger ledger = new IdentityLedger(url, c, id, hasColumn(c, "units", "identity_sha256"),
                    hasColumn(c, "units", "eol_result"));
            ledger.hasRegistrationColumns = hasColumn(c, "units", "registration");
            return ledger;
        } catch (SQLException e) {
            closeQuietly(c);
            throw openFailure(url, e);
        } catch (RuntimeException e) {
            closeQuietly(c);
            throw e;
        }
    }

    /**
     * Checks a ledger URL before a bench writes anything: its kind, and for SQLite that its folder exists
     * and the file is not a folder.
     */
    public static void requireUsableUrl(String url) {
        requireKnownKind(url);
        if (isSqlite(url)) {
            sqliteFile(url).ifPresent(file -> {
                Path parent = file.toAbsolutePath().getParent();
                if (parent != null && !Files.isDirectory(parent)) {
                    throw EspfleetException.badInput("--ledger " + redact(url) + ": folder " + parent
                            + " does not exist");
                }
                if (Files.isDirectory(file)) {
                    throw EspfleetException.badInput("--ledger " + redact(url) + ": " + file
                            + " is a folder, not a ledger file");
                }
            });
        }
    }

    /** This ledger's own id, recorded in the unit folders it names. */
    public String id() {
        return id.orElseThrow(() -> new IllegalStateException("a ledger opened to read may have no id"));
    }

    /** The URL with any password hidden, for messages. */
    public String describe() {
        return redact(url);
    }

    private static boolean isSqlite(String url) {
        return url.startsWith("jdbc:sqlite:");
    }

    private static void requireKnownKind(String url) {
        if (!isSqlite(url) && !url.startsWith("jdbc:postgresql:")) {
            throw EspfleetException.badInput("--ledger '" + redact(url) + "': expected jdbc:sqlite:FILE or "
                    + "jdbc:postgresql://HOST/DB");
        }
    }

    /** The database file of a SQLite URL; empty for an in-memory database. */
    private static Optional<Path> sqliteFile(String url) {
        String rest = url.substring("jdbc:sqlite:".length());
        int query = rest.indexOf('?');
        String name = query >= 0 ? rest.substring(0, query) : rest;
        if (name.isEmpty() || name.startsWith(":memory:") || name.startsWith("file:")) {
            return Optional.empty();
        }
        return Optional.of(Path.of(name));
    }

    /** A new SQLite ledger is created 0600 before SQLite opens it; SQLite gives its -wal and -shm the same mode. */
    private static void createPrivately(String url, Path file) {
        requireUsableUrl(url);
        if (Files.exists(file)) {
            return;
        }
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        } catch (java.nio.file.FileAlreadyExistsException raced) {
            // another bench created it first
        } catch (IOException | UnsupportedOperationException e) {
            throw new EspfleetException(ExitStatus.JOB_FAILED, "cannot create ledger " + file + ": " + e.getMessage(),
                    null, e);
        }
    }

    private static Connection connect(String url, boolean readOnly) {
        Properties properties = new Properties();
        if (isSqlite(url)) {
            SQLiteConfig config = new SQLiteConfig();
            config.setReadOnly(readOnly);
            config.setBusyTimeout((int) SQLITE_BUSY_TIMEOUT.toMillis());
            properties = config.toProperties();
        } else {
            properties.setProperty("connectTimeout", Long.toString(CONNECT_TIMEOUT.toSeconds()));
            properties.setProperty("loginTimeout", Long.toString(LOGIN_TIMEOUT.toSeconds()));
            properties.setProperty("socketTimeout", Long.toString(SOCKET_TIMEOUT.toSeconds()));
            properties.setProperty("tcpKeepAlive", "true");
            properties.setProperty("ApplicationName", "espfleet");
        }
        try {
            Connection c = DriverManager.getConnection(url, properties);
            if (readOnly && !isSqlite(url)) {
                c.setReadOnly(true);
            }
            return c;
        } catch (SQLException e) {
            throw openFailure(url, e);
        }
    }

    /** Creates the tables of a new ledger and brings an older one up to date. */
    private static void prepare(String url, Connection c) throws SQLException {
        for (int attempt = 1; ; attempt++) {
            try (Statement s = c.createStatement()) {
                if (isSqlite(url)) {
                    s.execute("PRAGMA journal_mode = WAL");
                    s.execute("PRAGMA synchronous = FULL");
                    s.execute("BEGIN IMMEDIATE"); // one bench at a time creates or migrates the file
                    try {
                        s.execute(SCHEMA);
                        s.execute(INFO_SCHEMA);
                        for (String[] column : ADDED_COLUMNS) {
                            if (!hasColumn(c, "units", column[0])) {
                                s.execute("ALTER TABLE units ADD COLUMN " + column[0] + " " + column[1]);
                            }
                        }
                        s.execute("COMMIT");
                    } catch (SQLException e) {
                        s.execute("ROLLBACK");
                        throw e;
                    }
                } else {
                    s.execute(SCHEMA);
                    s.execute(INFO_SCHEMA);
                    for (String[] column : ADDED_COLUMNS) {
                        s.execute("ALTER TABLE units ADD COLUMN IF NOT EXISTS " + column[0] + " " + column[1]);
                    }
                }
                return;
            } catch (SQLException e) {
                // two stations creating the tables at once: PostgreSQL lets one win (a unique violation
                // on its catalog for the other), after which the tables exist
                if (isSqlite(url) || attempt >= 3 || !"23505".equals(e.getSQLState()) && !"42P07".equals(e.getSQLState())) {
                    throw e;
                }
            }
        }
    }

    private static String ledgerId(String url, Connection c) throws SQLException {
        try (PreparedStatement p = c.prepareStatement(
                "INSERT INTO ledger_info (name, value) VALUES ('id', ?) ON CONFLICT (name) DO NOTHING")) {
            p.setString(1, UUID.randomUUID().toString());
            p.executeUpdate();
        }
        try (Statement s = c.createStatement();
             ResultSet r = s.executeQuery("SELECT value FROM ledger_info WHERE name = 'id'")) {
            if (!r.next()) {
                throw new SQLException("ledger_info has no id");
            }
            return r.getString(1);
        }
    }

    private static boolean hasTable(Connection c, String table) throws SQLException {
        try (ResultSet r = c.getMetaData().getTables(null, null, table, null)) {
            return r.next();
        }
    }

    private static boolean hasColumn(Connection c, String table, String column) throws SQLException {
        try (ResultSet r = c.getMetaData().getColumns(null, null, table, column)) {
            return r.next();
        }
    }

    /**
     * The identity of the device with this MAC: the existing one when the MAC is known (rework), else a new
     * thing name from the pattern and the next sequence number, recorded before it is returned.
     */
    public synchronized UnitRecord allocate(MacAddress board, String product, ThingNamePattern pattern, String station) {
        String mac = board.toString();
        for (int attempt = 1; ; attempt++) {
            try {
                return inTransaction(() -> {
                    Optional<UnitRecord> known = find(mac);
                    if (known.isPresent()) {
                        return known.get();
                    }
                    long sequence = nextSequence();
                    ThingName thing = pattern.apply(product, board, sequence);
                    try (PreparedStatement p = connection.prepareStatement("INSERT INTO units (mac, thing_name, "
                            + "sequence, state, station, allocated_at) VALUES (?, ?, ?, 'ALLOCATED', ?, ?)")) {
                        p.setString(1, mac);
                        p.setString(2, thing.value());
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

    /** A board held by one station while it is provisioned; closing releases it. */
    public interface Claim extends AutoCloseable {
        @Override
        void close();
    }

    /**
     * Holds the board with this MAC for the whole provision, flash and record, so that two ports or two
     * stations never work on one board's identity at once. With PostgreSQL the hold is a session
     * advisory lock on the MAC's hash, shared by every station and released by the server if this
     * station dies; within a process a set of claimed MACs. Waits at most {@code wait}, less when
     * {@code cancelled} says so.
     */
    public Claim claim(String mac, String holder, Duration wait, BooleanSupplier cancelled) {
        String key = mac.toLowerCase(Locale.ROOT);
        Instant deadline = Instant.now().plus(wait);
        while (!claimed.add(key)) {
            if (cancelled.getAsBoolean() || !Instant.now().isBefore(deadline)) {
                throw busy(mac, "another port of this station", wait, cancelled);
            }
            pause();
        }
        if (sqlite) {
            return () -> claimed.remove(key);
        }
        long lockKey = lockKey(key);
        try {
            synchronized (this) {
                try (PreparedStatement p = connection.prepareStatement("SELECT set_config('application_name', ?, false)")) {
                    p.setString(1, truncate("espfleet " + holder, 63));
                    p.executeQuery().close();
                }
            }
            while (true) {
                boolean locked;
                synchronized (this) {
                    try (PreparedStatement p = connection.prepareStatement("SELECT pg_try_advisory_lock(?)")) {
                        p.setLong(1, lockKey);
                        try (ResultSet r = p.executeQuery()) {
                            locked = r.next() && r.getBoolean(1);
                        }
                    }
                }
                if (locked) {
                    return () -> {
                        try {
                            synchronized (this) {
                                try (PreparedStatement p = connection.prepareStatement("SELECT pg_advisory_unlock(?)")) {
                                    p.setLong(1, lockKey);
                                    p.executeQuery().close();
                                }
                            }
                        } catch (SQLException e) {
                            // the session ends with the bench, and the server releases the lock then
                        } finally {
                            claimed.remove(key);
                        }
                    };
                }
                if (cancelled.getAsBoolean() || !Instant.now().isBefore(deadline)) {
                    throw busy(mac, holderOf(lockKey).orElse("another station"), wait, cancelled);
                }
                pause();
            }
        } catch (SQLException e) {
            claimed.remove(key);
            throw failure("claim board " + mac, e);
        } catch (RuntimeException e) {
            claimed.remove(key);
            throw e;
        }
    }

    /** Who holds an advisory lock, from the server's lock and session views. */
    private synchronized Optional<String> holderOf(long lockKey) {
        try (PreparedStatement p = connection.prepareStatement("SELECT a.application_name, host(a.client_addr), "
                + "a.backend_start FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = "
                + "'advisory' AND l.granted AND l.classid = CAST(? AS bigint)::oid AND l.objid = CAST(? AS bigint)::oid "
                + "AND l.objsubid = 1")) {
            p.setLong(1, lockKey >>> 32);
            p.setLong(2, lockKey & 0xffffffffL);
            try (ResultSet r = p.executeQuery()) {
                if (r.next()) {
                    return Optional.of("'" + r.getString(1) + "'" + (r.getString(2) != null ? " at " + r.getString(2)
                            : "") + " (connected since " + r.getTimestamp(3).toInstant() + ")");
                }
            }
        } catch (SQLException e) {
            // the name of the holder is a courtesy; the refusal stands without it
        }
        return Optional.empty();
    }

    private EspfleetException busy(String mac, String who, Duration wait, BooleanSupplier cancelled) {
        return new EspfleetException(ExitStatus.JOB_FAILED, "board " + mac + " is being provisioned by " + who
                + " (ledger " + redact(url) + ")" + (cancelled.getAsBoolean() ? "; stopped waiting for it"
                : "; waited " + wait.toSeconds() + " s for it"),
                "one board is provisioned by one station at a time; run again when that one is done");
    }

    /** 64 bits of SHA-256 of the MAC: the advisory lock every station takes for this board. */
    static long lockKey(String mac) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest(("espfleet unit " + mac.toLowerCase(Locale.ROOT)).getBytes(StandardCharsets.US_ASCII));
            return ByteBuffer.wrap(digest).getLong();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void pause() {
        try {
            Thread.sleep(CLAIM_POLL.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EspfleetException(ExitStatus.JOB_FAILED, "interrupted while waiting for a board's claim");
        }
    }

    private static String truncate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max);
    }

    /** Records the certificate of an allocated unit (the fingerprint is unique across the ledger). */
    public synchronized void recordCertificate(String mac, String fingerprint) {
        update("record the certificate of " + mac,
                "UPDATE units SET cert_fingerprint = ? WHERE mac = ?", fingerprint, mac);
    }

    /**
     * Marks a unit done; call only after its flash was verified. {@code identitySha256} is the SHA-256 of
     * the identity image that was written and verified.
     */
    public synchronized void markDone(String mac, String fingerprint, String identitySha256) {
        update("mark " + mac + " done",
                "UPDATE units SET state = 'DONE', cert_fingerprint = ?, done_at = ?, identity_sha256 = ? WHERE mac = ?",
                fingerprint, Instant.now().toString(), identitySha256, mac);
    }

    /**
     * Marks a unit done after its end-of-line test passed, recording the test in the same statement (so a unit is
     * never done without it, nor it recorded without the unit done).
     */
    public synchronized void markDone(String mac, String fingerprint, String identitySha256, EndOfLineRecord eol) {
        update("mark " + mac + " done",
                "UPDATE units SET state = 'DONE', cert_fingerprint = ?, done_at = ?, identity_sha256 = ?, "
                        + "eol_result = ?, eol_detail = ?, eol_at = ? WHERE mac = ?",
                fingerprint, eol.at().toString(), identitySha256, eol.outcome().word(), eol.detail(),
                eol.at().toString(), mac);
    }

    /** Records a unit's end-of-line test that failed; the unit's state stays what it was. */
    public synchronized void recordEndOfLine(String mac, EndOfLineRecord eol) {
        update("record the end-of-line test of " + mac,
                "UPDATE units SET eol_result = ?, eol_detail = ?, eol_at = ? WHERE mac = ?",
                eol.outcome().word(), eol.detail(), eol.at().toString(), mac);
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
        closeQuietly(connection);
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
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
            return new EspfleetException(ExitStatus.JOB_FAILED, "ledger " + redact(url) + " refused to " + what
                    + ": it would give one identity to two devices (" + message + ")");
        }
        if (isUnreachable(e)) {
            return unreachable(url, e);
        }
        return new EspfleetException(ExitStatus.JOB_FAILED, "ledger " + redact(url) + ": cannot " + what + ": "
                + message, null, e);
    }

    /** Why a ledger could not be opened, with the exit status that says whose problem it is. */
    private static EspfleetException openFailure(String url, SQLException e) {
        String message = String.valueOf(e.getMessage());
        if (isSqlite(url)) {
            if (message.contains("SQLITE_NOTADB")) {
                return EspfleetException.badInput(redact(url) + " is not an espfleet ledger: the file is not an SQLite "
                        + "database");
            }
            return new EspfleetException(ExitStatus.UNAVAILABLE, "cannot open ledger " + redact(url) + ": " + message,
                    null, e);
        }
        String state = String.valueOf(e.getSQLState());
        if (state.startsWith("28")) {
            return new EspfleetException(ExitStatus.UNAVAILABLE, "ledger " + redact(url) + " refused the login: "
                    + message, "check user and password in --ledger (jdbc:postgresql://HOST/DB?user=U&password=P)", e);
        }
        if (state.equals("3D000")) {
            return new EspfleetException(ExitStatus.UNAVAILABLE, "ledger " + redact(url) + ": " + message,
                    "create the database first (createdb), or check its name in --ledger", e);
        }
        return unreachable(url, e);
    }

    private static boolean isUnreachable(SQLException e) {
        if (String.valueOf(e.getSQLState()).startsWith("08")) {
            return true;
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SocketTimeoutException || t instanceof ConnectException
                    || t instanceof UnknownHostException) {
                return true;
            }
        }
        return false;
    }

    private static EspfleetException unreachable(String url, SQLException e) {
        return new EspfleetException(ExitStatus.UNAVAILABLE, "cannot reach ledger " + redact(url) + ": "
                + String.valueOf(e.getMessage()), "check the host and port in --ledger, that PostgreSQL runs there and "
                + "accepts connections from this machine (listen_addresses, pg_hba.conf, firewall); espfleet gives "
                + "up after " + CONNECT_TIMEOUT.toSeconds() + " s to connect and log in and " + SOCKET_TIMEOUT.toSeconds()
                + " s for an answer", e);
    }

    /** A JDBC URL without its password, for messages. */
    static String redact(String url) {
        return url.replaceAll("(?i)(password=)[^&]*", "$1***");
    }

    private UnitRecord record(ResultSet r) throws SQLException {
        String done = r.getString("done_at");
        return new UnitRecord(r.getString("mac"), r.getString("thing_name"), r.getLong("sequence"),
                Optional.ofNullable(r.getString("cert_fingerprint")), UnitRecord.State.valueOf(r.getString("state")),
                r.getString("station"), Instant.parse(r.getString("allocated_at")),
                Optional.ofNullable(done).map(Instant::parse),
                hasIdentityColumn ? Optional.ofNullable(r.getString("identity_sha256")) : Optional.empty(),
                hasEndOfLineColumns ? endOfLine(r) : Optional.empty(),
                hasRegistrationColumns ? registration(r) : UnitRecord.Registration.NOT_ASKED);
    }

    /** The row's end-of-line test; a result this espfleet does not know is shown as it is, as a failure. */
    private static Optional<EndOfLineRecord> endOfLine(ResultSet r) throws SQLException {
        String result = r.getString("eol_result");
        if (result == null) {
            return Optional.empty();
        }
        String at = r.getString("eol_at");
        return Optional.of(new EndOfLineRecord(EndOfLineOutcome.ofWord(result).orElse(EndOfLineOutcome.FAILED),
                Optional.ofNullable(r.getString("eol_detail")).orElse(""),
                at == null ? Instant.EPOCH : Instant.parse(at)));
    }

    private static UnitRecord.Registration registration(ResultSet r) throws SQLException {
        String state = r.getString("registration");
        if (state == null) {
            return UnitRecord.Registration.NOT_ASKED;
        }
        return new UnitRecord.Registration(UnitRecord.RegistrationState.valueOf(state),
                Optional.ofNullable(r.getString("registration_detail")), Optional.ofNullable(r.getString("thing_arn")),
                Optional.ofNullable(r.getString("certificate_arn")), Optional.ofNullable(r.getString("aws_certificate_id")),
                Optional.ofNullable(r.getString("registered_at")).map(Instant::parse));
    }

    /**
     * The unit will be registered with AWS and is not yet: set before its flash is recorded, so a unit that was
     * flashed is never left without a registration to do (a crash in between leaves it pending, and
     * {@code aws sync} registers it). {@code why} says what is still to happen or what failed.
     */
    public synchronized void markRegistrationPending(String mac, String why) {
        update("mark the registration of " + mac + " pending",
                "UPDATE units SET registration = 'PENDING', registration_detail = ? WHERE mac = ?", truncate(why, 500), mac);
    }

    /** The unit's thing and certificate are in AWS IoT, as these ARNs and ID say. */
    public synchronized void markRegistered(String mac, String thingArn, String certificateArn, String certificateId) {
        update("record the registration of " + mac, "UPDATE units SET registration = 'REGISTERED', registration_detail = "
                + "NULL, thing_arn = ?, certificate_arn = ?, aws_certificate_id = ?, registered_at = ? WHERE mac = ?",
                thingArn, certificateArn, certificateId, Instant.now().toString(), mac);
    }

    /** Units flashed and verified whose registration is pending, in sequence order ({@code aws sync}'s work). */
    public synchronized List<UnitRecord> pendingRegistrations() {
        return list().stream().filter(u -> u.state() == UnitRecord.State.DONE
                && u.registration().state() == UnitRecord.RegistrationState.PENDING).toList();
    }
}
