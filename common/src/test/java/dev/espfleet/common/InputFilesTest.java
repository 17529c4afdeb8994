package dev.espfleet.common;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

class InputFilesTest {
    @TempDir
    Path dir;

    private EspfleetException refusal(Path file, long max) {
        EspfleetException e = assertThrows(EspfleetException.class, () -> InputFiles.read(file, max, "CSV"));
        assertEquals(ExitStatus.BAD_INPUT, e.status());
        return e;
    }

    @Test
    void readsAFileUpToItsBound() throws IOException {
        Path f = dir.resolve("in.csv");
        Files.write(f, new byte[] {1, 2, 3});
        assertArrayEquals(new byte[] {1, 2, 3}, InputFiles.read(f, 3, "CSV"));
    }

    /** /proc files say they hold 0 bytes and hold more: what is there is read, up to the bound. */
    @Test
    void readsAFileHoldingMoreThanItsSizeSaid() throws IOException {
        Path status = Path.of("/proc/self/status");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isRegularFile(status) && Files.size(status) == 0);
        String text = new String(InputFiles.read(status, 1 << 20, "status file"), java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(true, text.startsWith("Name:"), text);
        assertEquals(Path.of("/proc/self/status") + ": more than 10 bytes; a status file is at most 10 bytes (0xa)",
                assertThrows(EspfleetException.class, () -> InputFiles.read(status, 10, "status file")).getMessage());
    }

    @Test
    void refusesAFileLargerThanTheBoundBeforeReadingIt() throws IOException {
        Path f = dir.resolve("big.csv");
        Files.write(f, new byte[4]);
        assertEquals(f + ": 4 bytes; a CSV is at most 3 bytes (0x3)", refusal(f, 3).getMessage());
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void refusesDevZeroWithoutReadingForever() {
        assertEquals("/dev/zero: not a regular file (a device, pipe or socket); the CSV must be a file",
                refusal(Path.of("/dev/zero"), 1 << 20).getMessage());
    }

    @Test
    @Timeout(value = 10, unit = TimeUnit.SECONDS)
    void refusesAFifoWithoutOpeningIt() throws Exception {
        Path fifo = dir.resolve("fifo");
        Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
        assertEquals(0, mkfifo.waitFor());
        // opening a FIFO that has no writer would block forever
        assertEquals(fifo + ": not a regular file (a device, pipe or socket); the CSV must be a file",
                refusal(fifo, 1 << 20).getMessage());
    }

    @Test
    void refusesAFolderAndAMissingFile() {
        assertEquals(dir + ": is a folder; the CSV must be a file", refusal(dir, 100).getMessage());
        assertEquals(dir.resolve("nope.csv") + ": no such CSV file", refusal(dir.resolve("nope.csv"), 100).getMessage());
    }
}
