package dev.espfleet.common;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BoundedInputTest {
    @TempDir
    Path dir;

    @Test
    void readsAFileUpToTheLimit() throws IOException {
        Path file = dir.resolve("a");
        Files.write(file, new byte[] {1, 2, 3});
        assertArrayEquals(new byte[] {1, 2, 3}, BoundedInput.read(file, 3));
        assertThrows(BoundedInput.TooLargeException.class, () -> BoundedInput.read(file, 2));
    }

    @Test
    void refusesEndlessInputWithoutReadingIt() {
        // /dev/zero has size 0 and never ends: only a bound checked while reading stops it
        BoundedInput.TooLargeException e = assertThrows(BoundedInput.TooLargeException.class,
                () -> BoundedInput.read(Path.of("/dev/zero"), 1 << 20));
        assertEquals("larger than 1 MiB, the most espfleet reads from such a file", e.getMessage());
    }

    @Test
    void refusesAFolder() {
        IOException e = assertThrows(IOException.class, () -> BoundedInput.read(dir, 10));
        assertEquals("it is a folder, not a file", e.getMessage());
    }
}
