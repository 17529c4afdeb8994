package dev.espfleet.common;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HexFormat;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;

/**
 * A batch of secret files for one folder that all arrive together or not at all, in memory that does not
 * grow with their number (a mass-manufacturing run of any size):
 *
 * <ul>
 * <li>{@link #create} makes each file exclusively (mode 0600) in a private staging folder, in the calling
 * thread's order: a name given twice is seen there, by the file system, not by a set in memory. The names
 * go to a list file beside the staging folder, in that order.</li>
 * <li>{@link Staged#write} fills and syncs a file; any thread may write any file.</li>
 * <li>{@link #commit}: if the folder did not exist, the staging folder (a sibling of it) becomes the
 * folder by one rename; otherwise each file is renamed over its target, in creation order, after every
 * target has been checked not to be a folder. Either way the folder is synced once.</li>
 * <li>{@link #close} without a commit removes the staging folder, the list, and any folder the batch
 * created: a refusal halfway through leaves things as they were.</li>
 * </ul>
 *
 * <p>Names are plain file names: no separator, no line break, not starting with '.' (the batch's own files
 * are hidden ones).
 */
public final class StagedSecretFiles implements AutoCloseable {
    private static final FileAttribute<?>[] OWNER_ONLY = {
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))};
    private static final Set<StandardOpenOption> CREATE = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);

    private final Path dir;
    private final boolean posix;
    /** True if {@code dir} did not exist: the staging folder is its sibling and becomes it. */
    private final boolean fresh;
    private final Path staging;
    private final Path list;
    /** Folders made for the batch (the parents of a fresh folder), outermost first. */
    private final Deque<Path> madeParents = new ArrayDeque<>();
    private BufferedWriter names;
    private long count;
    private boolean committed;

    /** A batch writing into {@code dir}, which is created mode 0700 (with missing parents) by the commit. */
    public StagedSecretFiles(Path dir) {
        this.dir = dir;
        Path absolute = dir.toAbsolutePath().normalize();
        if (Files.exists(absolute) && !Files.isDirectory(absolute)) {
            throw EspfleetException.badInput(dir + " is a file, but a folder is expected there");
        }
        fresh = !Files.isDirectory(absolute);
        String run = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextLong());
        Path parent = absolute.getParent();
        if (fresh) {
            if (parent == null) {
                throw EspfleetException.badInput(dir + ": cannot make the root folder");
            }
            for (Path p = parent; p != null && !Files.isDirectory(p); p = p.getParent()) {
                madeParents.push(p);
            }
            AtomicFiles.createPrivateDirectories(parent);
            staging = parent.resolve("." + absolute.getFileName() + "." + run + ".tmp");
        } else {
            staging = absolute.resolve(".espfleet-staged." + run + ".tmp");
        }
        list = staging.resolveSibling(staging.getFileName() + ".names");
        posix = absolute.getFileSystem().supportedFileAttributeViews().contains("posix");
        try {
            AtomicFiles.createPrivateDirectories(staging);
            names = Files.newBufferedWriter(list, StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE);
        } catch (IOException | RuntimeException e) {
            close();
            throw e instanceof IOException io ? failed("cannot write in " + dir, io) : (RuntimeException) e;
        }
    }

    /** A file of the batch, created and empty until {@link #write}; its channel is held until then. */
    public final class Staged {
        private final String name;
        private final FileChannel channel;

        private Staged(String name, FileChannel channel) {
            this.name = name;
            this.channel = channel;
        }

        /** Writes {@code data}, syncs it to disk and closes the file; thread-safe across files. */
        public void write(byte[] data) {
            try (FileChannel c = channel) {
                ByteBuffer b = ByteBuffer.wrap(data);
                while (b.hasRemaining()) {
                    c.write(b);
                }
                c.force(true);
            } catch (IOException e) {
                throw failed("cannot write " + dir.resolve(name), e);
            }
        }

        /** Closes the file unwritten (the batch is failing; {@link StagedSecretFiles#close} removes it). */
        public void discard() {
            try {
                channel.close();
            } catch (IOException ignored) {
                // nothing was written to it, and it is removed with the staging folder
            }
        }
    }

    /**
     * Creates the staged file of {@code name}, exclusively, and lists it; null if this batch has created
     * that name before. Called by one thread, in the order the files are to arrive.
     */
    public Staged create(String name) {
        if (name.isEmpty() || name.startsWith(".") || name.indexOf('/') >= 0 || name.indexOf('\n') >= 0
                || name.indexOf('\r') >= 0 || name.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("not a plain file name: " + name);
        }
        Path file = staging.resolve(name);
        FileChannel channel;
        try {
            channel = posix ? FileChannel.open(file, CREATE, OWNER_ONLY) : FileChannel.open(file, CREATE);
        } catch (FileAlreadyExistsException e) {
            return null;
        } catch (IOException e) {
            throw failed("cannot write " + dir.resolve(name), e);
        }
        try {
            names.write(name);
            names.write('\n');
        } catch (IOException e) {
            new Staged(name, channel).discard();
            throw failed("cannot write in " + dir, e);
        }
        count++;
        return new Staged(name, channel);
    }

    /**
     * Moves every file of the batch into the folder (see the class comment) once all have been written;
     * gives {@code each} their names in creation order (a name, not a path: a run of a million files need
     * not build a million paths to print them). Returns how many there were.
     */
    public long commit(Consumer<String> each) {
        try {
            names.close();
            if (fresh) {
                syncDirectory(staging);
                moveFolder();
                syncDirectory(staging.getParent());
            } else {
                forEachName(name -> {
                    if (Files.isDirectory(dir.resolve(name))) {
                        throw EspfleetException.badInput(dir.resolve(name) + ": is a folder; give the path of the file to write");
                    }
                });
                moveFiles();
                syncDirectory(dir.toAbsolutePath());
                Files.deleteIfExists(staging);
            }
            committed = true;
            forEachName(each);
            Files.deleteIfExists(list);
        } catch (IOException e) {
            throw failed("cannot write in " + dir, e);
        }
        return count;
    }

    private void moveFolder() throws IOException {
        try {
            Files.move(staging, dir.toAbsolutePath().normalize(), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            if (Files.exists(dir)) {
                throw EspfleetException.badInput(dir + " was made by someone else while the images were written; run again");
            }
            throw e;
        }
    }

    /** Renames each staged file over its target; on a failure, removes the targets already moved. */
    private void moveFiles() throws IOException {
        long[] moved = {0};
        try {
            forEachName(name -> {
                Path target = dir.resolve(name);
                try {
                    try {
                        Files.move(staging.resolve(name), target, StandardCopyOption.REPLACE_EXISTING,
                                StandardCopyOption.ATOMIC_MOVE);
                    } catch (AtomicMoveNotSupportedException e) {
                        Files.move(staging.resolve(name), target, StandardCopyOption.REPLACE_EXISTING);
                    }
                } catch (IOException e) {
                    throw failed("cannot write " + target, e);
                }
                moved[0]++;
            });
        } catch (RuntimeException e) {
            long[] undone = {0};
            forEachName(name -> {
                if (undone[0]++ < moved[0]) {
                    try {
                        Files.deleteIfExists(dir.resolve(name));
                    } catch (IOException ignored) {
                        // the failure that stopped the batch is the one worth reporting
                    }
                }
            });
            throw e;
        }
    }

    private void forEachName(Consumer<String> action) throws IOException {
        try (BufferedReader r = Files.newBufferedReader(list, StandardCharsets.UTF_8)) {
            for (String name = r.readLine(); name != null; name = r.readLine()) {
                action.accept(name);
            }
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
    }

    /** Without a successful commit: removes the staging folder, the list and the folders made for the batch. */
    @Override
    public void close() {
        if (committed) {
            return;
        }
        try {
            if (names != null) {
                names.close();
            }
        } catch (IOException ignored) {
            // removed below
        }
        try {
            if (Files.isDirectory(staging)) {
                try (DirectoryStream<Path> files = Files.newDirectoryStream(staging)) {
                    for (Path f : files) {
                        Files.deleteIfExists(f);
                    }
                }
                Files.deleteIfExists(staging);
            }
            Files.deleteIfExists(list);
            while (!madeParents.isEmpty()) {
                Files.deleteIfExists(madeParents.pollLast());
            }
        } catch (IOException ignored) {
            // the failure that stopped the batch is the one worth reporting; a folder someone else wrote to stays
        }
    }

    private static EspfleetException failed(String what, IOException e) {
        return new EspfleetException(ExitStatus.JOB_FAILED, what + ": " + AtomicFiles.describe(e), null, e);
    }

    private static void syncDirectory(Path folder) {
        try (FileChannel c = FileChannel.open(folder, StandardOpenOption.READ)) {
            c.force(true);
        } catch (IOException | UnsupportedOperationException e) {
            // directories cannot be opened for sync on every platform; the files themselves are synced
        }
    }
}
