package dev.espfleet.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
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

    @Test
    void commitRenamesEveryFileOverItsTargetOwnerOnly() throws IOException {
        Path dir = tmp.resolve("out");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("b.bin"), "old");
        List<Path> written;
        try (StagedSecretFiles staged = new StagedSecretFiles(dir)) {
            staged.reserve("a.bin");
            staged.reserve("b.bin");
            staged.write("b.bin", new byte[] {2});
            staged.write("a.bin", new byte[] {1});
            assertEquals("old", Files.readString(dir.resolve("b.bin")), "nothing replaced before the commit");
            written = staged.commit();
        }
        assertEquals(List.of(dir.resolve("a.bin"), dir.resolve("b.bin")), written);
        assertEquals(List.of("a.bin", "b.bin"), names(dir));
        assertEquals(2, Files.readAllBytes(dir.resolve("b.bin"))[0]);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("a.bin"))));
    }

    @Test
    void withoutACommitNothingIsLeftAndEarlierFilesKeepTheirContent() throws IOException {
        Path dir = tmp.resolve("out");
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("a.bin"), "old");
        try (StagedSecretFiles staged = new StagedSecretFiles(dir)) {
            staged.reserve("a.bin");
            staged.reserve("b.bin");
            staged.write("a.bin", new byte[] {1});
        }
        assertEquals(List.of("a.bin"), names(dir));
        assertEquals("old", Files.readString(dir.resolve("a.bin")));
        Path created = tmp.resolve("new/deeper");
        try (StagedSecretFiles staged = new StagedSecretFiles(created)) {
            staged.reserve("x.bin");
            staged.write("x.bin", new byte[] {1});
        }
        assertFalse(Files.exists(created), "a folder made for the batch goes with it");
    }

    @Test
    void refusesATargetThatIsAFolder() throws IOException {
        Files.createDirectories(tmp.resolve("out/a.bin"));
        try (StagedSecretFiles staged = new StagedSecretFiles(tmp.resolve("out"))) {
            EspfleetException e = assertThrows(EspfleetException.class, () -> staged.reserve("a.bin"));
            assertEquals(ExitStatus.BAD_INPUT, e.status());
            assertEquals(tmp.resolve("out/a.bin") + ": is a folder; give the path of the file to write", e.getMessage());
        }
    }
}
