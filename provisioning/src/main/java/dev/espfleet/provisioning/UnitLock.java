package dev.espfleet.provisioning;

import dev.espfleet.common.AtomicFiles;
import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.function.BooleanSupplier;

/**
 * A unit folder held by one process while its identity is made, written to a board and recorded: an
 * OS file lock ({@code fcntl}) on {@code .lock} in the folder. The operating system releases it when
 * the holder exits, however it exits (SIGKILL included), so a crash never leaves a unit locked. The
 * file holds who took it last, for the message another process gets.
 */
public final class UnitLock implements AutoCloseable {
    public static final String FILE = ".lock";
    private static final Duration POLL = Duration.ofMillis(200);

    private final FileChannel channel;
    private final FileLock lock;

    private UnitLock(FileChannel channel, FileLock lock) {
        this.channel = channel;
        this.lock = lock;
    }

    /**
     * Takes the lock of {@code unitDir} (created 0700 if missing), waiting at most {@code wait} while
     * another process (or another thread of this one) holds it, and giving up early when
     * {@code cancelled} says so.
     *
     * @param holder who is taking it ("station bench-3"), shown to those who wait
     */
    public static UnitLock acquire(Path unitDir, String holder, Duration wait, BooleanSupplier cancelled) {
        AtomicFiles.createPrivateDirectories(unitDir);
        Path file = unitDir.resolve(FILE);
        FileChannel channel;
        try {
            channel = FileChannel.open(file, java.util.Set.of(StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(
                    PosixFilePermissions.fromString("rw-------")));
        } catch (IOException e) {
            throw new EspfleetException(ExitStatus.JOB_FAILED, "cannot open the lock of unit " + unitDir + ": "
                    + AtomicFiles.describe(e), null, e);
        }
        Instant deadline = Instant.now().plus(wait);
        try {
            while (true) {
                FileLock lock;
                try {
                    lock = channel.tryLock();
                } catch (OverlappingFileLockException sameProcess) {
                    lock = null; // another thread of this process holds it
                }
                if (lock != null) {
                    String text = holder + ", pid " + ProcessHandle.current().pid() + ", since " + Instant.now() + "\n";
                    channel.truncate(0);
                    channel.write(ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)), 0);
                    return new UnitLock(channel, lock);
                }
                if (cancelled.getAsBoolean() || !Instant.now().isBefore(deadline)) {
                    String current = readHolder(channel);
                    channel.close();
                    throw new EspfleetException(ExitStatus.JOB_FAILED, "unit " + unitDir + " is being provisioned by "
                            + (current.isEmpty() ? "another process" : current)
                            + (cancelled.getAsBoolean() ? "; stopped waiting for it"
                            : String.format(java.util.Locale.ROOT, "; waited %.1f s for it", wait.toMillis() / 1000.0)),
                            "one board is provisioned by one station at a time; run again when that one is done");
                }
                Thread.sleep(POLL.toMillis());
            }
        } catch (IOException e) {
            closeQuietly(channel);
            throw new EspfleetException(ExitStatus.JOB_FAILED, "cannot lock unit " + unitDir + ": "
                    + AtomicFiles.describe(e), null, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            closeQuietly(channel);
            throw new EspfleetException(ExitStatus.JOB_FAILED, "interrupted while waiting for the lock of unit " + unitDir);
        }
    }

    private static String readHolder(FileChannel channel) {
        try {
            ByteBuffer buffer = ByteBuffer.allocate(512);
            int n = channel.read(buffer, 0);
            return n <= 0 ? "" : new String(buffer.array(), 0, n, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            return "";
        }
    }

    private static void closeQuietly(FileChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // the lock goes with the channel
        }
    }

    /** Releases the lock; the file stays (removing it would let two processes lock two different files). */
    @Override
    public void close() {
        try {
            lock.release();
        } catch (IOException ignored) {
            // closing the channel releases it as well
        }
        closeQuietly(channel);
    }
}
