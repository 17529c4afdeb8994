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
 * written, and the folders created for them 0700, whatever the umask. A target that is a folder, or
 * below a file, is refused as bad input before anything is written.
 */
public final class AtomicFiles {
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    /** Files.createTempFile makes 0600 files; ordinary outputs get the usual 0644. */
    private static final Set<PosixFilePermission> ORDINARY = PosixFilePermissions.fromString("rw-r--r--");
    private static final Set<PosixFilePermission> PRIVATE_DIR = PosixFilePermissions.fromString("rwx------");

    private AtomicFiles() {
    }

    /**
     * Writes {@code data} to {@code target} atomically with default permissions. A crash of the process
     * leaves the old file or the new one; after a power cut the new content may not have reached the
     * disk yet (see {@link #writeDurable}).
     */
    public static void write(Path target, byte[] data) {
        write(target, data, false, false);
    }

    /** As {@link #write}, and on disk before it returns (file and directory synced): records of a unit. */
    public static void writeDurable(Path target, byte[] data) {
        write(target, data, false, true);
    }

    /**
     * Writes {@code data} atomically and durably; the file is created mode 0600 (a private key) and any
     * folder created for it 0700.
     */
    public static void writeSecret(Path target, byte[] data) {
        write(target, data, true, true);
    }

    /**
     * Refuses, as bad input, a target that cannot be a file: an existing folder, or a path below an
     * existing file. Commands that write several files call it for each before writing any.
     */
    public static void checkTarget(Path target) {
        Path absolute = target.toAbsolutePath();
        if (Files.isDirectory(absolute)) {
            throw new EspfleetException(ExitStatus.BAD_INPUT, target + ": is a folder; give the path of the file to write");
        }
        for (Path p = absolute.getParent(); p != null; p = p.getParent()) {
            if (Files.exists(p)) {
                if (!Files.isDirectory(p)) {
                    throw new EspfleetException(ExitStatus.BAD_INPUT,
                            "cannot write " + target + ": " + p + " is a file, not a folder");
                }
                return;
            }
        }
    }

    /**
     * Makes {@code dir} a folder, creating it and any missing parents mode 0700 whatever the umask (a
     * folder that holds keys: a unit, a CA, a bench's units). Folders that exist keep their mode. A
     * path that exists but is not a folder is bad input: nothing is written.
     */
    public static void createPrivateDirectories(Path dir) {
        Path absolute = dir.toAbsolutePath();
        if (Files.isDirectory(absolute)) {
            return;
        }
        if (Files.exists(absolute)) {
            throw EspfleetException.badInput(dir + " is a file, but a folder is expected there");
        }
        java.util.Deque<Path> missing = new java.util.ArrayDeque<>();
        for (Path p = absolute; p != null && !Files.isDirectory(p); p = p.getParent()) {
            if (Files.exists(p)) {
                throw EspfleetException.badInput(p + " is a file, but a folder is expected there (for " + dir + ")");
            }
            missing.push(p);
        }
        boolean posix = absolute.getFileSystem().supportedFileAttributeViews().contains("posix");
        try {
            for (Path p : missing) {
                try {
                    if (posix) {
                        Files.createDirectory(p, PosixFilePermissions.asFileAttribute(PRIVATE_DIR));
                        Files.setPosixFilePermissions(p, PRIVATE_DIR); // exactly 0700, whatever the umask took away
                    } else {
                        Files.createDirectory(p);
                    }
                } catch (FileAlreadyExistsException raced) {
                    if (!Files.isDirectory(p)) {
                        throw raced;
                    }
                }
            }
        } catch (IOException e) {
            throw new EspfleetException(ExitStatus.JOB_FAILED, "cannot create " + dir + ": " + describe(e), null, e);
        }
    }

    private static void write(Path target, byte[] data, boolean secret, boolean durable) {
        checkTarget(target);
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = null;
        try {
            createFolders(dir, secret);
            tmp = createTemp(dir, target.getFileName().toString(), secret);
            Files.write(tmp, data);
            if (durable) {
                try (java.nio.channels.FileChannel c = java.nio.channels.FileChannel.open(tmp,
                        java.nio.file.StandardOpenOption.WRITE)) {
                    c.force(true);
                }
            }
            try {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
            if (durable) {
                syncDirectory(dir);
            }
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

    /** Creates the missing folders of {@code dir}; for secrets 0700 ({@link #createPrivateDirectories}). */
    private static void createFolders(Path dir, boolean secret) throws IOException {
        if (secret) {
            createPrivateDirectories(dir);
        } else {
            Files.createDirectories(dir);
        }
    }

    /** Makes a rename durable: fsync of the directory (a no-op where the platform cannot open one). */
    static void syncDirectory(Path dir) {
        try (java.nio.channels.FileChannel c = java.nio.channels.FileChannel.open(dir,
                java.nio.file.StandardOpenOption.READ)) {
            c.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // directories cannot be opened for sync on every platform; the file itself is synced
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
