package dev.espfleet.common;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Arrays;

/**
 * Reads an input file whole, refusing what cannot be one: a folder, a device or pipe ({@code /dev/zero}
 * never ends, a FIFO without a writer blocks forever on open), or a file larger than the caller's bound
 * for that kind of input. The size is checked before anything is read, and no more than that size is
 * read (a file that grows meanwhile is read as it was), so no input can exhaust memory.
 */
public final class InputFiles {
    private InputFiles() {
    }

    /**
     * The bytes of {@code file}, at most {@code maxBytes}. {@code what} names the kind of input in messages
     * ("CSV", "NVS image", "key file"); every refusal is {@link ExitStatus#BAD_INPUT}, one line starting
     * with the file's path.
     */
    public static byte[] read(Path file, long maxBytes, String what) {
        BasicFileAttributes attributes = check(file, what);
        if (attributes.size() > maxBytes) {
            throw tooLarge(file, maxBytes, what, attributes.size() + " bytes");
        }
        try (InputStream in = Files.newInputStream(file)) {
            return bounded(file, read(in, (int) attributes.size(), maxBytes), maxBytes, what);
        } catch (AccessDeniedException e) {
            throw bad(file + ": cannot read: permission denied");
        } catch (IOException e) {
            throw bad(file + ": cannot read: " + AtomicFiles.describe(e));
        }
    }

    private static byte[] bounded(Path file, byte[] data, long maxBytes, String what) {
        if (data.length > maxBytes) {
            throw tooLarge(file, maxBytes, what, "more than " + maxBytes + " bytes");
        }
        return data;
    }

    /**
     * The bytes of {@code in}: the {@code expected} bytes the file was seen to have, read into one array of
     * that size (no chunks copied together, and one read call, which matters to a run reading thousands of
     * files), or fewer if it has shrunk meanwhile; what it may have grown by since it was looked at is not
     * read. A file seen empty (as files under /proc are) is read to its end, at most {@code maxBytes + 1}.
     */
    private static byte[] read(InputStream in, int expected, long maxBytes) throws IOException {
        if (expected == 0) {
            return in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBytes + 1));
        }
        byte[] data = new byte[expected];
        int n = in.readNBytes(data, 0, expected);
        return n < expected ? Arrays.copyOf(data, n) : data;
    }

    /**
     * Opens {@code file} to be read as a stream, of any length (the caller bounds what it keeps), after the
     * same refusals as {@link #read}: a folder, a device or pipe, a missing or unreadable file.
     */
    public static InputStream open(Path file, String what) {
        check(file, what);
        try {
            return Files.newInputStream(file);
        } catch (AccessDeniedException e) {
            throw bad(file + ": cannot read: permission denied");
        } catch (IOException e) {
            throw bad(file + ": cannot read: " + AtomicFiles.describe(e));
        }
    }

    private static BasicFileAttributes check(Path file, String what) {
        BasicFileAttributes attributes;
        try {
            attributes = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            throw bad(file + ": no such " + what + " file");
        } catch (IOException e) {
            throw bad(file + ": cannot read: " + AtomicFiles.describe(e));
        }
        if (attributes.isDirectory()) {
            throw bad(file + ": is a folder; the " + what + " must be a file");
        }
        if (!attributes.isRegularFile()) {
            throw bad(file + ": not a regular file (a device, pipe or socket); the " + what + " must be a file");
        }
        return attributes;
    }

    private static EspfleetException tooLarge(Path file, long maxBytes, String what, String size) {
        return bad(String.format("%s: %s; a %s is at most %d bytes (0x%x)", file, size, what, maxBytes, maxBytes));
    }

    private static EspfleetException bad(String message) {
        return new EspfleetException(ExitStatus.BAD_INPUT, message);
    }
}
