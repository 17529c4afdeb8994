package dev.espfleet.common;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Reads an input file with an upper bound on its size. The bound is checked while reading, not from
 * the file's size, so {@code /dev/zero}, a FIFO or a file that grows is refused after {@code max + 1}
 * bytes instead of filling the heap.
 */
public final class BoundedInput {
    private BoundedInput() {
    }

    /** The input is larger than the limit; its message reads well after "cannot read FILE: ". */
    public static final class TooLargeException extends IOException {
        private final long limit;

        TooLargeException(long limit) {
            super("larger than " + describeSize(limit) + ", the most espfleet reads from such a file");
            this.limit = limit;
        }

        public long limit() {
            return limit;
        }
    }

    /** All bytes of {@code file}, at most {@code max}; a folder or a larger input is an IOException. */
    public static byte[] read(Path file, int max) throws IOException {
        if (Files.isDirectory(file)) {
            throw new IOException("it is a folder, not a file");
        }
        try (InputStream in = Files.newInputStream(file)) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(max, 64 * 1024));
            byte[] buffer = new byte[64 * 1024];
            long total = 0;
            for (int n; (n = in.read(buffer)) > 0; ) {
                total += n;
                if (total > max) {
                    throw new TooLargeException(max);
                }
                out.write(buffer, 0, n);
            }
            return out.toByteArray();
        }
    }

    /** 1048576 as "1 MiB", 65536 as "64 KiB", 1000 as "1000 bytes". */
    public static String describeSize(long bytes) {
        if (bytes >= 1 << 20 && bytes % (1 << 20) == 0) {
            return bytes / (1 << 20) + " MiB";
        }
        if (bytes >= 1 << 10 && bytes % (1 << 10) == 0) {
            return bytes / (1 << 10) + " KiB";
        }
        return bytes + " bytes";
    }
}
