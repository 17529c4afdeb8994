package dev.espfleet.common;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * A batch of secret files in one folder that replace their targets all together or not at all: each file
 * is written to a temporary file beside its target (mode 0600, synced to disk), and only {@link #commit}
 * renames them over their targets, in the order reserved, then syncs the folder once. {@link #close}
 * without a commit removes the temporary files, so a refusal halfway through a batch leaves the folder as
 * it was. Names are reserved in order by one thread; {@link #write} may be called from several at once.
 *
 * <p>As {@link AtomicFiles#writeSecret} for each file, with one folder sync for the batch instead of one
 * per file. What it keeps in memory is the list of names.
 */
public final class StagedSecretFiles implements AutoCloseable {
    private static final FileAttribute<?>[] OWNER_ONLY = {
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))};

    private final Path dir;
    private final String run;
    private final boolean posix;
    private final boolean createdDir;
    private final List<String> names = new ArrayList<>();
    private int renamed;
    private boolean committed;

    /** A batch writing into {@code dir}, created mode 0700 if missing ({@link AtomicFiles#createPrivateDirectories}). */
    public StagedSecretFiles(Path dir) {
        createdDir = !Files.isDirectory(dir);
        AtomicFiles.createPrivateDirectories(dir);
        this.dir = dir;
        this.run = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
        this.posix = dir.toAbsolutePath().getFileSystem().supportedFileAttributeViews().contains("posix");
    }

    /**
     * Adds {@code name} (a file name in the folder) to the batch; a target that is a folder is refused as
     * {@link AtomicFiles#checkTarget} refuses it (the folder itself is known to be one). The caller keeps
     * names unique.
     */
    public void reserve(String name) {
        Path target = dir.resolve(name);
        if (Files.isDirectory(target)) {
            throw new EspfleetException(ExitStatus.BAD_INPUT, target + ": is a folder; give the path of the file to write");
        }
        names.add(name);
    }

    /** Writes the content of a reserved name to its temporary file, synced; thread-safe. */
    public void write(String name, byte[] data) {
        Path tmp = temporary(name);
        try (FileChannel c = posix
                ? FileChannel.open(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), OWNER_ONLY)
                : FileChannel.open(tmp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(data);
            while (b.hasRemaining()) {
                c.write(b);
            }
            c.force(true);
        } catch (IOException e) {
            throw new EspfleetException(ExitStatus.JOB_FAILED, "cannot write " + dir.resolve(name) + ": "
                    + AtomicFiles.describe(e), null, e);
        }
    }

    /** Renames every reserved file over its target, in order, and syncs the folder; the targets in order. */
    public List<Path> commit() {
        List<Path> targets = new ArrayList<>(names.size());
        for (String name : names) {
            Path target = dir.resolve(name);
            try {
                try {
                    Files.move(temporary(name), target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(temporary(name), target, StandardCopyOption.REPLACE_EXISTING);
                }
            } catch (IOException e) {
                throw new EspfleetException(ExitStatus.JOB_FAILED, "cannot write " + target + ": "
                        + AtomicFiles.describe(e), null, e);
            }
            renamed++;
            targets.add(target);
        }
        syncDirectory();
        committed = true;
        return targets;
    }

    /**
     * Without a successful commit: removes the temporary files, any target this batch already renamed, and
     * the folder if this batch created it and it is empty again.
     */
    @Override
    public void close() {
        if (committed) {
            return;
        }
        for (int i = 0; i < names.size(); i++) {
            try {
                Files.deleteIfExists(i < renamed ? dir.resolve(names.get(i)) : temporary(names.get(i)));
            } catch (IOException ignored) {
                // the failure that stopped the batch is the one worth reporting
            }
        }
        if (createdDir) {
            try {
                Files.deleteIfExists(dir);
            } catch (IOException ignored) {
                // not empty (someone else wrote there) or gone: leave it
            }
        }
    }

    private Path temporary(String name) {
        return dir.resolve("." + name + "." + run + ".tmp");
    }

    private void syncDirectory() {
        try (FileChannel c = FileChannel.open(dir, StandardOpenOption.READ)) {
            c.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // directories cannot be opened for sync on every platform; the files themselves are synced
        }
    }
}
