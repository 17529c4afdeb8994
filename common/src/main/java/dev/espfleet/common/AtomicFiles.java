package dev.espfleet.common;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Writes files so that a reader never sees half of one: bytes go to a temporary file in the same
 * directory, which is then renamed over the target. Secret files are created 0600 before any byte is
 * written.
 */
public final class AtomicFiles {
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    /** Files.createTempFile makes 0600 files; ordinary outputs get the usual 0644. */
    private static final Set<PosixFilePermission> ORDINARY = PosixFilePermissions.fromString("rw-r--r--");

    private AtomicFiles() {
    }

    /** Writes {@code data} to {@code target} atomically with default permissions. */
    public static void write(Path target, byte[] data) {
        write(target, data, false);
    }

    /** Writes {@code data} to {@code target} atomically; the file is created mode 0600 (a private key). */
    public static void writeSecret(Path target, byte[] data) {
        write(target, data, true);
    }

    private static void write(Path target, byte[] data, boolean secret) {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            tmp = createTemp(dir, target.getFileName().toString(), secret);
            Files.write(tmp, data);
            try {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (IOException e) {
            throw new EspfleetException(ExitStatus.JOB_FAILED,
                    "cannot write " + target + ": " + describe(e), null, e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the original failure is the one worth reporting
                }
            }
        }
    }

    private static Path createTemp(Path dir, String name, boolean secret) throws IOException {
        boolean posix = dir.getFileSystem().supportedFileAttributeViews().contains("posix");
        if (!posix) {
            return Files.createTempFile(dir, "." + name + ".", ".tmp");
        }
        FileAttribute<Set<PosixFilePermission>> mode = PosixFilePermissions.asFileAttribute(OWNER_ONLY);
        Path tmp = Files.createTempFile(dir, "." + name + ".", ".tmp", mode);
        if (!secret) {
            Files.setPosixFilePermissions(tmp, ORDINARY);
        }
        return tmp;
    }

    /** A one-line description of an I/O failure, without the exception class name. */
    public static String describe(IOException e) {
        if (e instanceof java.nio.file.NoSuchFileException) {
            return "no such file or directory";
        }
        if (e instanceof java.nio.file.AccessDeniedException) {
            return "permission denied";
        }
        if (e instanceof FileAlreadyExistsException) {
            return "already exists";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }
}
