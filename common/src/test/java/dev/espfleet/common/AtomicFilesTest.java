package dev.espfleet.common;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
    @TempDir
    Path dir;

    @Test
    void secretFilesAreOwnerOnly() throws IOException {
        Path key = dir.resolve("key.pem");
        AtomicFiles.writeSecret(key, new byte[] {1, 2, 3});
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
        assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(key));
    }

    @Test
    void ordinaryFilesAreWorldReadable() throws IOException {
        Path out = dir.resolve("sub/out.bin");
        AtomicFiles.write(out, new byte[] {4});
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(out)));
    }

    @Test
    void secretFilesGetOwnerOnlyFolders() throws IOException {
        Path key = dir.resolve("keys/unit/key.pem");
        AtomicFiles.writeSecret(key, new byte[] {1});
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("keys"))));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("keys/unit"))));
    }

    @Test
    void targetBelowAFileIsRefusedAsBadInputLeavingNothing() throws IOException {
        Path blocker = dir.resolve("file");
        Files.writeString(blocker, "x");
        EspfleetException e = assertThrows(EspfleetException.class,
                () -> AtomicFiles.write(blocker.resolve("child.bin"), new byte[] {1}));
        assertEquals(ExitStatus.BAD_INPUT, e.status());
        assertEquals("cannot write " + blocker.resolve("child.bin") + ": " + blocker + " is a file, not a folder",
                e.getMessage());
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(1, s.count());
        }
    }

    @Test
    void folderAsTargetIsRefusedAndKept() throws IOException {
        Path folder = Files.createDirectory(dir.resolve("out.bin"));
        EspfleetException e = assertThrows(EspfleetException.class, () -> AtomicFiles.writeSecret(folder, new byte[] {1}));
        assertEquals(ExitStatus.BAD_INPUT, e.status());
        assertEquals(folder + ": is a folder; give the path of the file to write", e.getMessage());
        assertTrue(Files.isDirectory(folder));
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(1, s.count(), "no temporary file left");
        }
    }

    @Test
    void privateFoldersAreOwnerOnlyAndAFileInTheWayIsBadInput() throws IOException {
        Path unit = dir.resolve("units/sensor-1");
        AtomicFiles.createPrivateDirectories(unit);
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(unit)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(unit.getParent())));

        Path file = dir.resolve("file");
        Files.writeString(file, "x");
        EspfleetException e = assertThrows(EspfleetException.class,
                () -> AtomicFiles.createPrivateDirectories(file.resolve("unit")));
        assertEquals(ExitStatus.BAD_INPUT, e.status());
        assertEquals(file + " is a file, but a folder is expected there (for " + file.resolve("unit") + ")",
                e.getMessage());
    }
}
