package dev.espfleet.nvs;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;

/** Espressif's reference vectors in {@code src/test/resources/nvs-vectors}, and a hex diff for mismatches. */
final class Vectors {
    private Vectors() {
    }

    static Path root() {
        String configured = System.getProperty("nvs.vectors");
        Path root = configured != null ? Path.of(configured) : Path.of("src/test/resources/nvs-vectors");
        if (!Files.isDirectory(root)) {
            fail("NVS reference vectors not found at " + root.toAbsolutePath().normalize());
        }
        return root;
    }

    static Path dir(String name) {
        return root().resolve(name);
    }

    static List<Path> cases(String under) {
        try (Stream<Path> s = Files.list(under.isEmpty() ? root() : root().resolve(under))) {
            return s.filter(d -> Files.isRegularFile(d.resolve("args.txt"))).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The generator's arguments from {@code args.txt}, without any trailing remark in parentheses. */
    static List<String> args(Path dir) {
        try {
            String line = Files.readString(dir.resolve("args.txt")).strip();
            int remark = line.indexOf("  (");
            if (remark >= 0) {
                line = line.substring(0, remark);
            }
            return List.of(line.strip().split("\\s+"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] bytes(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Fails with the offset of the first differing byte and 32 bytes of both sides around it. */
    static void assertSameBytes(byte[] expected, byte[] actual, String what) {
        if (Arrays.equals(expected, actual)) {
            return;
        }
        int at = Arrays.mismatch(expected, actual);
        int from = Math.max(0, at - at % 16 - 16);
        StringBuilder sb = new StringBuilder();
        sb.append(String.format("%s differs from Espressif's output at offset 0x%x (expected %d bytes, got %d)%n",
                what, at, expected.length, actual.length));
        sb.append("expected:\n").append(hex(expected, from)).append("actual:\n").append(hex(actual, from));
        fail(sb.toString());
    }

    private static String hex(byte[] b, int from) {
        StringBuilder sb = new StringBuilder();
        for (int row = from; row < Math.min(b.length, from + 48); row += 16) {
            sb.append(String.format("  %06x:", row));
            for (int i = row; i < Math.min(b.length, row + 16); i++) {
                sb.append(String.format(" %02x", b[i]));
            }
            sb.append('\n');
        }
        return sb.toString();
    }
}
