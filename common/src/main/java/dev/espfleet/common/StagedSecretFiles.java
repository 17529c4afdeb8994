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
import java.nio.file.LinkOption;
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
import java.util.concurrent.atomic.AtomicLong;
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
 * <li>{@link #commit}: once every file has been written, if the folder did not exist, the staging folder (a
 * sibling of it) becomes the folder by one rename; otherwise each file is renamed over its target, in
 * creation order, after every target has been checked not to be a folder, an older file of the same name
 * first kept as a hard link in the staging folder so that a failure halfway can put it back. Either way
 * the folder is synced once.</li>
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
    /** Prefix of the links that keep older files during a commit (names never start with '.'). */
    private static final String OLD = ".old.";

    private final Path dir;
    private final boolean posix;
    /** True if {@code dir} did not exist: the staging folder is its sibling and becomes it. */
    private final boolean fresh;
    private final Path staging;
    /** {@code dir} made absolute: where the staging folder goes, and what it becomes when {@link #fresh}. */
    private final Path target;
    private final Path list;
    /** Folders made for the batch (the parents of a fresh folder), outermost first. */
    private final Deque<Path> madeParents = new ArrayDeque<>();
    private BufferedWriter names;
    private long count;
    private final AtomicLong writtenCount = new AtomicLong();
    private boolean committed;

    /** A batch writing into {@code dir}, which is created mode 0700 (with missing parents) by the commit. */
    public StagedSecretFiles(Path dir) {
        this(dir, StagedSecretFiles::replace);
    }

    /** How a staged file replaces its target in an existing folder; tests make it fail halfway. */
    @FunctionalInterface
    interface Replace {
        void replace(Path staged, Path target) throws IOException;
    }

    private final Replace replace;

    StagedSecretFiles(Path dir, Replace replace) {
        this.replace = replace;
        this.dir = dir;
        // the path as given (made absolute), not normalized: the kernel resolves "a/../b" through a symlink a
        // as the files' own paths will be resolved; only a trailing "." or ".." needs naming
        Path absolute = dir.toAbsolutePath();
        String last = absolute.getFileName() == null ? "" : absolute.getFileName().toString();
        if (last.equals(".") || last.equals("..")) {
            absolute = absolute.normalize();
        }
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
            staging = parent.resolve("." + absolute.getFileName() + "." + run + ".tmp");
        } else {
            staging = absolute.resolve(".espfleet-staged." + run + ".tmp");
        }
        list = staging.resolveSibling(staging.getFileName() + ".names");
        posix = absolute.getFileSystem().supportedFileAttributeViews().contains("posix");
        this.target = absolute;
        try {
            if (fresh) {
                AtomicFiles.createPrivateDirectories(parent);
            }
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
            writtenCount.incrementAndGet();
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
     * not build a million paths to print them). Returns how many there were. A file created but never
     * written is refused: the batch then is not committed.
     */
    public long commit(Consumer<String> each) {
        if (writtenCount.get() != count) {
            throw new IllegalStateException((count - writtenCount.get()) + " of " + count + " staged files never written");
        }
        try {
            names.close();
            if (fresh) {
                AtomicFiles.syncDirectory(staging);
                moveFolder();
                AtomicFiles.syncDirectory(staging.getParent());
            } else {
                forEachName(name -> AtomicFiles.checkTarget(dir.resolve(name)));
                moveFiles();
                AtomicFiles.syncDirectory(target);
                removeStaging();
            }
            committed = true;
            forEachName(each);
        } catch (IOException e) {
            throw failed("cannot write in " + dir, e);
        } finally {
            if (committed) {
                try {
                    Files.deleteIfExists(list);
                } catch (IOException ignored) {
                    // a hidden leftover; the files are in place
                }
            }
        }
        return count;
    }

    private void moveFolder() throws IOException {
        if (Files.exists(target)) {
            throw EspfleetException.badInput(dir + " was made by someone else while the images were written; run again");
        }
        try {
            Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            if (Files.exists(target)) {
                throw EspfleetException.badInput(dir + " was made by someone else while the images were written; run again");
            }
            throw e;
        }
    }

    /**
     * Renames each staged file over its target, an older file of that name first kept as a hard link in the
     * staging folder; on a failure, puts the older files back and removes the new ones already moved.
     */
    private void moveFiles() throws IOException {
        long[] moved = {0};
        try {
            forEachName(name -> {
                Path to = dir.resolve(name);
                try {
                    if (Files.exists(to, LinkOption.NOFOLLOW_LINKS)) {
                        Files.createLink(staging.resolve(OLD + name), to);
                    }
                    replace.replace(staging.resolve(name), to);
                } catch (IOException | UnsupportedOperationException e) {
                    throw e instanceof IOException io ? failed("cannot write " + to, io)
                            : new EspfleetException(ExitStatus.JOB_FAILED, "cannot write " + to + ": the file system"
                                    + " cannot keep the older file while replacing it", null, e);
                }
                moved[0]++;
            });
        } catch (RuntimeException e) {
            long[] undone = {0};
            forEachName(name -> {
                if (undone[0]++ < moved[0]) {
                    Path to = dir.resolve(name);
                    Path old = staging.resolve(OLD + name);
                    try {
                        if (Files.exists(old, LinkOption.NOFOLLOW_LINKS)) {
                            Files.move(old, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                        } else {
                            Files.deleteIfExists(to);
                        }
                    } catch (IOException ignored) {
                        // the failure that stopped the batch is the one worth reporting
                    }
                }
            });
            throw e;
        }
    }

    private static void replace(Path staged, Path target) throws IOException {
        try {
            Files.move(staged, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(staged, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** After a commit into an existing folder: the older files' links and the staging folder go; best effort. */
    private void removeStaging() {
        try {
            deleteContents(staging);
            Files.deleteIfExists(staging);
        } catch (IOException ignored) {
            // a hidden leftover; the files are in place
        }
    }

    private static void deleteContents(Path folder) throws IOException {
        try (DirectoryStream<Path> files = Files.newDirectoryStream(folder)) {
            for (Path f : files) {
                Files.deleteIfExists(f);
            }
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
                deleteContents(staging);
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
}
