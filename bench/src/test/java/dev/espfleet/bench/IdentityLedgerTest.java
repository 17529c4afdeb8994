package dev.espfleet.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.model.MacAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.util.Optional;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdentityLedgerTest {
    @TempDir
    Path tmp;

    private String url() {
        return "jdbc:sqlite:" + tmp.resolve("ledger.db");
    }

    @Test
    void knownMacGetsItsIdentityBack() {
        ThingNamePattern pattern = new ThingNamePattern("{product}-{seq:04}");
        try (IdentityLedger ledger = IdentityLedger.open(url())) {
            UnitRecord first = ledger.allocate(MacAddress.parse("24:0a:c4:00:00:01"), "sensor", pattern, "st1");
            UnitRecord second = ledger.allocate(MacAddress.parse("24:0a:c4:00:00:02"), "sensor", pattern, "st1");
            assertEquals("sensor-0001", first.thingName());
            assertEquals("sensor-0002", second.thingName());
            assertEquals(first, ledger.allocate(MacAddress.parse("24:0a:c4:00:00:01"), "sensor", pattern, "st2"));
        }
        try (IdentityLedger reopened = IdentityLedger.open(url())) {
            assertEquals("sensor-0001", reopened.allocate(MacAddress.parse("24:0a:c4:00:00:01"), "sensor", pattern, "st1").thingName());
            assertEquals(2, reopened.list().size());
        }
    }

    @Test
    void unitIsDoneOnlyWhenMarkedAndCertificatesAreUnique() {
        ThingNamePattern pattern = ThingNamePattern.defaultPattern();
        try (IdentityLedger ledger = IdentityLedger.open(url())) {
            UnitRecord unit = ledger.allocate(MacAddress.parse("24:0A:C4:00:00:01"), "sensor", pattern, "st1");
            assertEquals("sensor-240ac4000001", unit.thingName());
            assertEquals(UnitRecord.State.ALLOCATED, unit.state());
            assertEquals("24:0a:c4:00:00:01", unit.mac());
            ledger.markDone(unit.mac(), "ab12", "cd".repeat(32));
            ledger.allocate(MacAddress.parse("24:0a:c4:00:00:02"), "sensor", pattern, "st1");
            EspfleetException e = assertThrows(EspfleetException.class,
                    () -> ledger.recordCertificate("24:0a:c4:00:00:02", "ab12"));
            assertTrue(e.getMessage().contains("one identity to two devices"), e.getMessage());
            List<UnitRecord> all = ledger.list();
            assertEquals(UnitRecord.State.DONE, all.get(0).state());
            assertTrue(all.get(0).doneAt().isPresent());
            assertEquals(UnitRecord.State.ALLOCATED, all.get(1).state());
        }
    }

    @Test
    void concurrentStationsSharingOneFileNeverHandOutANameTwice() throws Exception {
        ThingNamePattern pattern = new ThingNamePattern("dev-{seq:05}");
        int stations = 4;
        int perStation = 25;
        ExecutorService pool = Executors.newFixedThreadPool(stations);
        List<Future<List<UnitRecord>>> results = new ArrayList<>();
        for (int s = 0; s < stations; s++) {
            int station = s;
            results.add(pool.submit(() -> {
                List<UnitRecord> mine = new ArrayList<>();
                try (IdentityLedger ledger = IdentityLedger.open(url())) { // its own connection, as a process would
                    for (int i = 0; i < perStation; i++) {
                        String mac = String.format("24:0a:c4:%02x:00:%02x", station, i);
                        mine.add(ledger.allocate(MacAddress.parse(mac), "p", pattern, "station-" + station));
                    }
                }
                return mine;
            }));
        }
        Set<String> names = new HashSet<>();
        for (Future<List<UnitRecord>> f : results) {
            for (UnitRecord r : f.get()) {
                assertTrue(names.add(r.thingName()), "name handed out twice: " + r.thingName());
            }
        }
        pool.shutdown();
        assertEquals(stations * perStation, names.size());
        try (IdentityLedger ledger = IdentityLedger.open(url())) {
            assertEquals(stations * perStation, ledger.list().size());
        }
    }

    @Test
    void patternsMustMakeDistinctValidNames() {
        assertThrows(EspfleetException.class, () -> new ThingNamePattern("{product}"));
        assertThrows(EspfleetException.class, () -> new ThingNamePattern("{product}-{serial}"));
        EspfleetException e = assertThrows(EspfleetException.class,
                () -> new ThingNamePattern("{product}/{mac}").apply("p", MacAddress.parse("24:0a:c4:00:00:01"), 1));
        assertEquals("--name-pattern '{product}/{mac}' gives invalid thing name 'p/240ac4000001': expected 1-128 "
                + "characters of [a-zA-Z0-9:_-], but it contains '/'", e.getMessage());
    }

    @Test
    void auditLogAppendsOneJsonLinePerEvent() throws Exception {
        Path log = tmp.resolve("audit.jsonl");
        try (AuditLog audit = new AuditLog(log)) {
            audit.append("unit-done", java.util.Map.of("mac", "24:0a:c4:00:00:01", "thing", "a\"b", "ok", true));
        }
        try (AuditLog audit = new AuditLog(log)) {
            audit.append("unit-failed", java.util.Map.of("reason", "line\nbreak"));
        }
        List<String> lines = Files.readAllLines(log);
        assertEquals(2, lines.size());
        assertTrue(lines.get(0).matches("\\{\"time\":\"[^\"]+\",\"event\":\"unit-done\",\"mac\":\"24:0a:c4:00:00:01\","
                + "\"ok\":true,\"thing\":\"a\\\\\"b\"}"), lines.get(0));
        assertTrue(lines.get(1).endsWith("\"reason\":\"line\\nbreak\"}"), lines.get(1));
    }

    @Test
    void readingALedgerThatDoesNotExistCreatesNothing() {
        Path typo = tmp.resolve("ledgr.db");
        EspfleetException e = assertThrows(EspfleetException.class,
                () -> IdentityLedger.openExisting("jdbc:sqlite:" + typo));
        assertEquals(ExitStatus.BAD_INPUT, e.status());
        assertEquals("no ledger at " + typo + " (--ledger jdbc:sqlite:" + typo + ")", e.getMessage());
        assertFalse(Files.exists(typo));
    }

    @Test
    void aFileThatIsNoLedgerIsBadInputWhenRead() throws Exception {
        Path text = tmp.resolve("notes.db");
        Files.writeString(text, "not a database, but long enough to have a header of one; ".repeat(4));
        EspfleetException notSqlite = assertThrows(EspfleetException.class,
                () -> IdentityLedger.openExisting("jdbc:sqlite:" + text));
        assertEquals(ExitStatus.BAD_INPUT, notSqlite.status());
        assertEquals("jdbc:sqlite:" + text + " is not an espfleet ledger: the file is not an SQLite database",
                notSqlite.getMessage());
        Path other = tmp.resolve("other.db");
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + other); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE things (x TEXT)");
        }
        EspfleetException noUnits = assertThrows(EspfleetException.class,
                () -> IdentityLedger.openExisting("jdbc:sqlite:" + other));
        assertEquals("jdbc:sqlite:" + other + " is not an espfleet ledger: it has no units table", noUnits.getMessage());
    }

    @Test
    void aLedgerFromBeforeIdentityFingerprintsIsReadAsItIsAndMigratedByTheBench() throws Exception {
        try (Connection c = DriverManager.getConnection(url()); Statement s = c.createStatement()) {
            s.execute("""
                    CREATE TABLE units (mac TEXT PRIMARY KEY, thing_name TEXT NOT NULL UNIQUE,
                        sequence BIGINT NOT NULL UNIQUE, cert_fingerprint TEXT UNIQUE,
                        state TEXT NOT NULL CHECK (state IN ('ALLOCATED', 'DONE')), station TEXT NOT NULL,
                        allocated_at TEXT NOT NULL, done_at TEXT)""");
            s.execute("INSERT INTO units VALUES ('24:0a:c4:00:00:01', 'old-0001', 1, 'ab', 'DONE', 'st', "
                    + "'2025-01-01T00:00:00Z', '2025-01-01T00:01:00Z')");
        }
        try (IdentityLedger read = IdentityLedger.openExisting(url())) {
            assertEquals(Optional.empty(), read.list().get(0).identityFingerprint());
        }
        try (Connection c = DriverManager.getConnection(url())) {
            assertFalse(c.getMetaData().getColumns(null, null, "units", "identity_sha256").next(),
                    "reading changed the ledger");
        }
        String id;
        try (IdentityLedger ledger = IdentityLedger.open(url())) {
            id = ledger.id();
            ledger.markDone("24:0a:c4:00:00:01", "ab", "ef".repeat(32));
            assertEquals(Optional.of("ef".repeat(32)), ledger.list().get(0).identityFingerprint());
            assertEquals("old-0001", ledger.list().get(0).thingName());
        }
        try (IdentityLedger again = IdentityLedger.open(url())) {
            assertEquals(id, again.id(), "a ledger keeps its id");
            assertEquals(Optional.empty(), again.list().get(0).endOfLine(), "no end-of-line test ran");
        }
        try (IdentityLedger other = IdentityLedger.open("jdbc:sqlite:" + tmp.resolve("other.db"))) {
            assertNotEquals(id, other.id());
        }
    }

    @Test
    void aLedgerFromBeforeAwsRegistrationGetsItsColumnsAndKeepsPendingUnitsForSync() throws Exception {
        try (Connection c = DriverManager.getConnection(url()); Statement s = c.createStatement()) {
            s.execute("""
                    CREATE TABLE units (mac TEXT PRIMARY KEY, thing_name TEXT NOT NULL UNIQUE,
                        sequence BIGINT NOT NULL UNIQUE, cert_fingerprint TEXT UNIQUE,
                        state TEXT NOT NULL CHECK (state IN ('ALLOCATED', 'DONE')), station TEXT NOT NULL,
                        allocated_at TEXT NOT NULL, done_at TEXT, identity_sha256 TEXT)""");
            s.execute("INSERT INTO units VALUES ('24:0a:c4:00:00:01', 'old-0001', 1, 'ab', 'DONE', 'st', "
                    + "'2025-01-01T00:00:00Z', '2025-01-01T00:01:00Z', NULL)");
            s.execute("INSERT INTO units VALUES ('24:0a:c4:00:00:02', 'old-0002', 2, 'cd', 'ALLOCATED', 'st', "
                    + "'2025-01-01T00:00:00Z', NULL, NULL)");
        }
        try (IdentityLedger read = IdentityLedger.openExisting(url())) {
            assertEquals(UnitRecord.Registration.NOT_ASKED, read.list().get(0).registration(), "an old ledger reads");
        }
        try (IdentityLedger ledger = IdentityLedger.open(url())) {
            assertEquals(UnitRecord.Registration.NOT_ASKED, ledger.list().get(0).registration());
            ledger.markRegistrationPending("24:0a:c4:00:00:01", "cannot reach AWS");
            ledger.markRegistrationPending("24:0a:c4:00:00:02", "not registered yet");
            // only a unit that was flashed and verified is sync's to register
            assertEquals(List.of("old-0001"), ledger.pendingRegistrations().stream().map(UnitRecord::thingName).toList());
            assertEquals(Optional.of("cannot reach AWS"), ledger.list().get(0).registration().detail());
            assertEquals("pending", ledger.list().get(0).registration().describe());
            ledger.markRegistered("24:0a:c4:00:00:01", "arn:thing", "arn:cert", "ab");
            UnitRecord.Registration r = ledger.list().get(0).registration();
            assertEquals(UnitRecord.RegistrationState.REGISTERED, r.state());
            assertEquals(Optional.of("arn:thing"), r.thingArn());
            assertEquals(Optional.of("arn:cert"), r.certificateArn());
            assertEquals(Optional.empty(), r.detail());
            assertTrue(r.registeredAt().isPresent());
            assertEquals(List.of(), ledger.pendingRegistrations());
        }
    }

    @Test
    void aBoardIsClaimedByOnePortAtATime() {
        try (IdentityLedger ledger = IdentityLedger.open(url())) {
            try (IdentityLedger.Claim first = ledger.claim("24:0a:c4:00:00:01", "st1", Duration.ZERO, () -> false)) {
                EspfleetException e = assertThrows(EspfleetException.class,
                        () -> ledger.claim("24:0A:C4:00:00:01", "st1", Duration.ofMillis(300), () -> false));
                assertEquals(ExitStatus.JOB_FAILED, e.status());
                assertTrue(e.getMessage().startsWith("board 24:0A:C4:00:00:01 is being provisioned by another port of "
                        + "this station"), e.getMessage());
                ledger.claim("24:0a:c4:00:00:02", "st1", Duration.ZERO, () -> false).close();
            }
            ledger.claim("24:0a:c4:00:00:01", "st1", Duration.ZERO, () -> false).close();
        }
    }

    @Test
    void aLedgerFromBeforeTheEndOfLineTestIsReadAsItIsAndGetsItsColumnsFromTheBench() throws Exception {
        try (Connection c = DriverManager.getConnection(url()); Statement s = c.createStatement()) {
            s.execute("""
                    CREATE TABLE units (mac TEXT PRIMARY KEY, thing_name TEXT NOT NULL UNIQUE,
                        sequence BIGINT NOT NULL UNIQUE, cert_fingerprint TEXT UNIQUE,
                        state TEXT NOT NULL CHECK (state IN ('ALLOCATED', 'DONE')), station TEXT NOT NULL,
                        allocated_at TEXT NOT NULL, done_at TEXT, identity_sha256 TEXT)""");
            s.execute("INSERT INTO units VALUES ('24:0a:c4:00:00:01', 'old-0001', 1, 'ab', 'DONE', 'st', "
                    + "'2025-01-01T00:00:00Z', '2025-01-01T00:01:00Z', '" + "ef".repeat(32) + "')");
            s.execute("INSERT INTO units VALUES ('24:0a:c4:00:00:02', 'old-0002', 2, 'cd', 'ALLOCATED', 'st', "
                    + "'2025-01-01T00:00:00Z', NULL, NULL)");
        }
        try (IdentityLedger read = IdentityLedger.openExisting(url())) {
            assertEquals(Optional.empty(), read.list().get(0).endOfLine());
            assertEquals(Optional.of("ef".repeat(32)), read.list().get(0).identityFingerprint());
        }
        try (Connection c = DriverManager.getConnection(url())) {
            assertFalse(c.getMetaData().getColumns(null, null, "units", "eol_result").next(),
                    "reading changed the ledger");
        }
        java.time.Instant at = java.time.Instant.parse("2026-01-05T10:00:09Z");
        try (IdentityLedger ledger = IdentityLedger.open(url())) {
            ledger.recordEndOfLine("24:0a:c4:00:00:02", new dev.espfleet.bench.eol.EndOfLineRecord(
                    dev.espfleet.bench.eol.EndOfLineOutcome.FAILED, "no report within 20 s of the reset", at));
            ledger.markDone("24:0a:c4:00:00:01", "ab", "ef".repeat(32), new dev.espfleet.bench.eol.EndOfLineRecord(
                    dev.espfleet.bench.eol.EndOfLineOutcome.REPORTED, "report matches", at));
        }
        try (IdentityLedger read = IdentityLedger.openExisting(url())) {
            UnitRecord done = read.list().get(0);
            UnitRecord failed = read.list().get(1);
            assertEquals(UnitRecord.State.DONE, done.state());
            assertEquals(Optional.of(new dev.espfleet.bench.eol.EndOfLineRecord(
                    dev.espfleet.bench.eol.EndOfLineOutcome.REPORTED, "report matches", at)), done.endOfLine());
            assertEquals(Optional.of(at), done.doneAt());
            assertEquals(UnitRecord.State.ALLOCATED, failed.state(), "a failed test leaves the unit allocated");
            assertEquals("no report within 20 s of the reset", failed.endOfLine().orElseThrow().detail());
            assertEquals("old-0002", failed.thingName());
        }
    }
}
