package dev.espfleet.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StagedSecretFilesTest {
    @TempDir
    Path tmp;

    private List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static void write(StagedSecretFiles.Staged file, int value) {
        file.write(new byte[] {(byte) value});
    }

    @Test
    void commitRenamesEveryFileOverItsTargetOwnerOnlyInCreationOrder() throws IOException {
        Path dir = tmp.resolve("out");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("b.bin"), "old");
        List<String> written = new ArrayList<>();
        try (StagedSecretFiles staged = new StagedSecretFiles(dir)) {
            StagedSecretFiles.Staged b = staged.create("b.bin");
            StagedSecretFiles.Staged a = staged.create("a.bin");
            write(a, 1);
            write(b, 2);
            assertEquals("old", Files.readString(dir.resolve("b.bin")), "nothing replaced before the commit");
            assertEquals(2, staged.commit(written::add));
        }
        assertEquals(List.of("b.bin", "a.bin"), written);
        assertEquals(List.of("a.bin", "b.bin"), names(dir));
        assertEquals(2, Files.readAllBytes(dir.resolve("b.bin"))[0]);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("a.bin"))));
        assertEquals(List.of("out"), names(tmp), "no staging folder or list left");
    }

    @Test
    void aFreshFolderArrivesWholeByOneRename() throws IOException {
        Path dir = tmp.resolve("new/out");
        List<String> written = new ArrayList<>();
        try (StagedSecretFiles staged = new StagedSecretFiles(dir)) {
            write(staged.create("x.bin"), 7);
            assertFalse(Files.exists(dir), "the folder appears only with the commit");
            staged.commit(written::add);
        }
        assertEquals(List.of("x.bin"), written);
        assertEquals(List.of("x.bin"), names(dir));
        assertEquals(List.of("out"), names(tmp.resolve("new")));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
    }

    @Test
    void aNameGivenTwiceIsSeenByTheFileSystem() {
        try (StagedSecretFiles staged = new StagedSecretFiles(tmp.resolve("out"))) {
            StagedSecretFiles.Staged first = staged.create("a.bin");
            assertNull(staged.create("a.bin"));
            first.discard();
        }
        assertThrows(IllegalArgumentException.class, () -> {
            try (StagedSecretFiles staged = new StagedSecretFiles(tmp.resolve("out"))) {
                staged.create(".hidden");
            }
        });
    }

    @Test
    void withoutACommitNothingIsLeftAndEarlierFilesKeepTheirContent() throws IOException {
        Path dir = tmp.resolve("out");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("a.bin"), "old");
        try (StagedSecretFiles staged = new StagedSecretFiles(dir)) {
            write(staged.create("a.bin"), 1);
            staged.create("b.bin").discard();
        }
        assertEquals(List.of("a.bin"), names(dir));
        assertEquals("old", Files.readString(dir.resolve("a.bin")));
        Path created = tmp.resolve("new/deeper");
        try (StagedSecretFiles staged = new StagedSecretFiles(created)) {
            write(staged.create("x.bin"), 1);
        }
        assertFalse(Files.exists(tmp.resolve("new")), "folders made for the batch go with it");
    }

    @Test
    void refusesATargetThatIsAFolderBeforeMovingAnything() throws IOException {
        Files.createDirectories(tmp.resolve("out/b.bin"));
        Files.writeString(tmp.resolve("out/a.bin"), "old");
        try (StagedSecretFiles staged = new StagedSecretFiles(tmp.resolve("out"))) {
            write(staged.create("a.bin"), 1);
            write(staged.create("b.bin"), 2);
            EspfleetException e = assertThrows(EspfleetException.class, () -> staged.commit(p -> { }));
            assertEquals(ExitStatus.BAD_INPUT, e.status());
            assertEquals(tmp.resolve("out/b.bin") + ": is a folder; give the path of the file to write", e.getMessage());
        }
        assertEquals("old", Files.readString(tmp.resolve("out/a.bin")));
        assertEquals(List.of("a.bin", "b.bin"), names(tmp.resolve("out")));
    }

    /** A rename that fails halfway: the files replaced before it get their older content back. */
    @Test
    void aFailureHalfwayIntoAnExistingFolderPutsTheOlderFilesBack() throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("out"));
        Files.writeString(dir.resolve("a.bin"), "old a");
        Files.writeString(dir.resolve("c.bin"), "old c");
        StagedSecretFiles.Replace failOnC = (staged, target) -> {
            if (target.getFileName().toString().equals("c.bin")) {
                throw new IOException("disk on fire");
            }
            Files.move(staged, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        };
        try (StagedSecretFiles staged = new StagedSecretFiles(dir, failOnC)) {
            write(staged.create("a.bin"), 1);
            write(staged.create("b.bin"), 2);
            write(staged.create("c.bin"), 3);
            EspfleetException e = assertThrows(EspfleetException.class, () -> staged.commit(name -> { }));
            assertEquals("cannot write " + dir.resolve("c.bin") + ": disk on fire", e.getMessage());
        }
        assertEquals(List.of("a.bin", "c.bin"), names(dir), "b.bin, new, is gone again; nothing staged is left");
        assertEquals("old a", Files.readString(dir.resolve("a.bin")));
        assertEquals("old c", Files.readString(dir.resolve("c.bin")));
    }

    @Test
    void aFileCreatedButNeverWrittenIsNotCommitted() throws IOException {
        Path dir = tmp.resolve("out");
        try (StagedSecretFiles staged = new StagedSecretFiles(dir)) {
            write(staged.create("a.bin"), 1);
            staged.create("b.bin").discard();
            assertThrows(IllegalStateException.class, () -> staged.commit(name -> { }));
        }
        assertFalse(Files.exists(dir));
    }

    /** A fresh folder that someone makes meanwhile, even empty, is not replaced. */
    @Test
    void aFolderMadeByOthersMeanwhileIsNotReplaced() throws IOException {
        Path dir = tmp.resolve("out");
        try (StagedSecretFiles staged = new StagedSecretFiles(dir)) {
            write(staged.create("a.bin"), 1);
            Files.createDirectory(dir);
            EspfleetException e = assertThrows(EspfleetException.class, () -> staged.commit(name -> { }));
            assertEquals(ExitStatus.BAD_INPUT, e.status());
        }
        assertEquals(List.of("out"), names(tmp), "the staging folder and its list are gone");
        assertEquals(List.of(), names(dir));
    }
}
