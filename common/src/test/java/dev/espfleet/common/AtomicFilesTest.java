package dev.espfleet.common;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

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
    void failedWriteLeavesNoTemporaryFileBehind() throws IOException {
        Path blocker = dir.resolve("file");
        Files.writeString(blocker, "x");
        EspfleetException e = assertThrows(EspfleetException.class,
                () -> AtomicFiles.write(blocker.resolve("child.bin"), new byte[] {1}));
        assertEquals(ExitStatus.JOB_FAILED, e.status());
        try (Stream<Path> s = Files.list(dir)) {
            assertEquals(1, s.count());
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
