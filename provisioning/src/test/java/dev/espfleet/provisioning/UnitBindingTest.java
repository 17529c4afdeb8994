package dev.espfleet.provisioning;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.model.AwsEndpoint;
import dev.espfleet.model.ThingName;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A unit folder serves one thing, one key and (on a bench) one board of one ledger: unit.json says which. */
class UnitBindingTest {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Instant NOW = Instant.now();
    private static final DevicePolicy POLICY = new DevicePolicy("p-device", "{}\n");
    private static final UnitBinding.Board BOARD_A = new UnitBinding.Board("24:0a:c4:00:00:01", "ledger-1", 1, "st1",
            Optional.empty());
    private static CertificateAuthority ca;
    private static ServerCa serverCa;

    @TempDir
    Path tmp;

    @BeforeAll
    static void makeCa() {
        ca = CertificateAuthorityTest.root("binding root");
        serverCa = new ServerCa(List.of(ca.certificate()), Path.of("ca.pem"));
    }

    private UnitProvisioner.Report provision(String thing, Path dir, Optional<UnitBinding.Board> board) {
        return new UnitProvisioner(RANDOM).provision(new UnitRequest(dir, DeviceSubject.of(ThingName.of(thing), null, null),
                KeyType.EC_P256, Optional.of(AwsEndpoint.of("a.example.com")), new CertificateSource.LocalCa(ca, "ca", OptionalInt.empty()),
                serverCa, POLICY, IdentityLayout.DEFAULT, 0x6000, Optional.empty(), false, board), NOW);
    }

    private static EspfleetException refused(Runnable r) {
        EspfleetException e = assertThrows(EspfleetException.class, r::run);
        assertEquals(ExitStatus.BAD_INPUT, e.status());
        return e;
    }

    private List<Path> listing() throws Exception {
        try (Stream<Path> files = Files.walk(tmp)) {
            return files.sorted().toList();
        }
    }

    @Test
    void unitJsonNamesTheThingTheKeyAndTheBoard() throws Exception {
        Path dir = tmp.resolve("dev-1");
        UnitProvisioner.Report report = provision("dev-1", dir, Optional.of(BOARD_A));
        UnitBinding b = UnitBinding.read(dir).orElseThrow();
        assertEquals(ThingName.of("dev-1"), b.thing());
        assertEquals(UnitBinding.keyFingerprint(KeyType.publicKeyOf(Pem.readPrivateKey(dir.resolve("key.pem")))),
                b.keySha256());
        assertEquals("24:0a:c4:00:00:01", b.board().orElseThrow().mac());
        assertEquals("ledger-1", b.board().orElseThrow().ledgerId());
        assertEquals(1, b.board().orElseThrow().sequence());
        assertEquals("st1", b.board().orElseThrow().station());
        assertTrue(report.lines().get(0).startsWith("unit.json: dev-1 on board 24:0a:c4:00:00:01 (ledger ledger-1 row 1"),
                report.lines().toString());

        UnitBinding.recordFlashed(dir, "ab".repeat(32), NOW);
        assertEquals(Optional.of("ab".repeat(32)), UnitBinding.read(dir).orElseThrow().identitySha256());
    }

    @Test
    void reworkOfTheSameBoardUnderTheSameLedgerReusesTheIdentity() throws Exception {
        Path dir = tmp.resolve("dev-1");
        provision("dev-1", dir, Optional.of(BOARD_A));
        byte[] key = Files.readAllBytes(dir.resolve("key.pem"));
        byte[] cert = Files.readAllBytes(dir.resolve("cert.pem"));
        UnitBinding.Board sameBoardOtherStation = new UnitBinding.Board("24:0A:C4:00:00:01", "ledger-1", 1, "st2",
                Optional.empty());
        UnitProvisioner.Report again = provision("dev-1", dir, Optional.of(sameBoardOtherStation));
        assertEquals("key.pem: reused (EC 256-bit)", again.lines().get(0));
        assertArrayEquals(key, Files.readAllBytes(dir.resolve("key.pem")));
        assertArrayEquals(cert, Files.readAllBytes(dir.resolve("cert.pem")));
    }

    @Test
    void aUnitFolderIsNeverFlashedOntoAnotherBoard() throws Exception {
        Path dir = tmp.resolve("dev-1");
        provision("dev-1", dir, Optional.of(BOARD_A));
        List<Path> before = listing();
        EspfleetException e = refused(() -> provision("dev-1", dir, Optional.of(new UnitBinding.Board(
                "24:0a:c4:00:00:09", "ledger-1", 1, "st1", Optional.empty()))));
        assertEquals(dir + " belongs to board 24:0a:c4:00:00:01 (ledger ledger-1 row 1, station st1), not to board "
                + "24:0a:c4:00:00:09 (" + dir.resolve("unit.json") + "): a unit's key serves one board", e.getMessage());
        assertEquals("check --ledger and --units: a new ledger hands out names from the start again, and they meet "
                + "the unit folders of the old one", e.hint().orElseThrow());
        assertEquals(before, listing());
    }

    @Test
    void aNewLedgerDoesNotTakeOverTheUnitFoldersOfAnother() {
        Path dir = tmp.resolve("dev-1");
        provision("dev-1", dir, Optional.of(BOARD_A));
        EspfleetException e = refused(() -> provision("dev-1", dir, Optional.of(new UnitBinding.Board(
                "24:0a:c4:00:00:01", "ledger-2", 1, "st1", Optional.empty()))));
        assertEquals(dir + " was bound to board 24:0a:c4:00:00:01 by ledger ledger-1 (row 1), not by this ledger "
                + "(ledger-2, row 1)", e.getMessage());
    }

    @Test
    void aUnitMadeForNoBoardIsNotFlashedByTheBench() {
        Path dir = tmp.resolve("dev-1");
        provision("dev-1", dir, Optional.empty());
        EspfleetException e = refused(() -> provision("dev-1", dir, Optional.of(BOARD_A)));
        assertEquals(dir + " was made by 'espfleet provision' for thing 'dev-1' and is bound to no board ("
                + dir.resolve("unit.json") + "); it is not flashed onto board 24:0a:c4:00:00:01", e.getMessage());
    }

    @Test
    void aKeyCopiedIntoANewFolderGetsNoSecondCertificate() throws Exception {
        provision("dev-1", tmp.resolve("dev-1"), Optional.empty());
        Path copy = tmp.resolve("dev-2");
        Files.createDirectories(copy);
        Files.copy(tmp.resolve("dev-1/key.pem"), copy.resolve("key.pem"));
        List<Path> before = listing();
        EspfleetException e = refused(() -> provision("dev-2", copy, Optional.empty()));
        assertEquals(copy.resolve("key.pem") + " is bound to no unit (no unit.json) and no certificate or request here "
                + "names dev-2: a key copied from another unit is never certified again", e.getMessage());
        assertEquals("pass --rotate to give the unit a new key", e.hint().orElseThrow());
        assertEquals(before, listing());
    }

    @Test
    void aKeyCopiedOverAnotherUnitsKeyGetsNoSecondCertificate() throws Exception {
        provision("dev-1", tmp.resolve("dev-1"), Optional.empty());
        provision("dev-2", tmp.resolve("dev-2"), Optional.empty());
        Files.copy(tmp.resolve("dev-1/key.pem"), tmp.resolve("dev-2/key.pem"), StandardCopyOption.REPLACE_EXISTING);
        EspfleetException e = refused(() -> provision("dev-2", tmp.resolve("dev-2"), Optional.empty()));
        assertTrue(e.getMessage().startsWith(tmp.resolve("dev-2/key.pem") + " is not the key "
                + tmp.resolve("dev-2/unit.json") + " binds to dev-2"), e.getMessage());
    }

    @Test
    void aUnitFolderFromBeforeUnitJsonJoinsItsBoardOnlyWhenTheLedgerRecordsItsCertificate() throws Exception {
        Path dir = tmp.resolve("dev-1");
        provision("dev-1", dir, Optional.empty());
        Files.delete(dir.resolve("unit.json"));
        String certId = UnitProvisioner.awsCertificateId(Pem.readCertificate(dir.resolve("cert.pem")));

        EspfleetException e = refused(() -> provision("dev-1", dir, Optional.of(BOARD_A)));
        assertEquals(dir + " holds a key bound to no board (no unit.json), and the ledger records no certificate for "
                + "board 24:0a:c4:00:00:01: the key may be on another board", e.getMessage());
        assertFalse(Files.exists(dir.resolve("unit.json")));

        provision("dev-1", dir, Optional.of(new UnitBinding.Board(BOARD_A.mac(), "ledger-1", 1, "st1",
                Optional.of(certId))));
        assertEquals(BOARD_A.mac(), UnitBinding.read(dir).orElseThrow().board().orElseThrow().mac());
    }

    @Test
    void outputThatIsAFileACaOrSomeoneElsesFolderIsRefusedAndNothingIsWritten() throws Exception {
        Path file = tmp.resolve("file");
        Files.writeString(file, "x");
        assertEquals(file + " is a file, but a unit is a folder: use another --out",
                refused(() -> provision("dev-1", file, Optional.empty())).getMessage());
        Path caDir = tmp.resolve("ca");
        ca.saveNew(caDir);
        assertEquals(caDir + " is a CA folder (ca.pem, ca.key.pem), not a unit folder: use another --out",
                refused(() -> provision("dev-1", caDir, Optional.empty())).getMessage());
        Path notes = tmp.resolve("notes");
        Files.createDirectories(notes);
        Files.writeString(notes.resolve("todo.txt"), "x");
        List<Path> before = listing();
        assertEquals(notes + " is not empty and is not a unit folder (no unit.json or key.pem in it): a unit gets a "
                + "folder of its own", refused(() -> provision("dev-1", notes, Optional.empty())).getMessage());
        assertEquals(before, listing());
    }

    @Test
    void aMalformedUnitJsonIsBadInput() throws Exception {
        Path dir = tmp.resolve("dev-1");
        provision("dev-1", dir, Optional.empty());
        Files.writeString(dir.resolve("unit.json"), "{\"thing\": \"dev-1\",");
        assertTrue(refused(() -> UnitBinding.read(dir)).getMessage().startsWith(dir.resolve("unit.json")
                + " is not a unit binding espfleet wrote: "));
    }

    @Test
    void aUnitLockIsHeldByOneHolderAtATime() throws Exception {
        Path dir = tmp.resolve("dev-1");
        try (UnitLock held = UnitLock.acquire(dir, "station a", Duration.ZERO, () -> false)) {
            EspfleetException e = assertThrows(EspfleetException.class,
                    () -> UnitLock.acquire(dir, "station b", Duration.ofMillis(300), () -> false));
            assertEquals(ExitStatus.JOB_FAILED, e.status());
            assertTrue(e.getMessage().startsWith("unit " + dir + " is being provisioned by station a, pid "
                    + ProcessHandle.current().pid() + ", since "), e.getMessage());
            assertTrue(e.getMessage().endsWith("; waited 0.3 s for it"), e.getMessage());
        }
        try (UnitLock again = UnitLock.acquire(dir, "station b", Duration.ZERO, () -> false)) {
            assertTrue(Files.readString(dir.resolve(".lock")).startsWith("station b, pid "));
        }
    }
}
