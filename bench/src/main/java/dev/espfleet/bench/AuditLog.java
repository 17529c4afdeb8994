package dev.espfleet.bench;

import dev.espfleet.common.AtomicFiles;
import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.common.Json;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Map;
import java.util.Set;

/**
 * An append-only JSON-lines record of what the bench did, one line per event, forced to disk before
 * {@link #append} returns, so a crash loses at most the event in flight.
 */
public final class AuditLog implements AutoCloseable {
    private static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private final Path file;
    private final FileChannel channel;
    private volatile Observer observer = (time, event, fields) -> {
    };

    /** Hears each record once it is on disk (a front end's list of the latest events). */
    public interface Observer {
        void appended(Instant time, String event, Map<String, ?> fields);
    }

    public AuditLog(Path file) {
        this.file = file;
        try {
            AtomicFiles.createPrivateDirectories(file.toAbsolutePath().getParent());
            // 0600 whatever the umask: it names every board and certificate of the line
            channel = FileChannel.open(file, Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND), PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        } catch (IOException e) {
            throw new EspfleetException(ExitStatus.JOB_FAILED, "cannot open audit log " + file + ": " + e.getMessage());
        }
    }

    /** {@code observer} hears every record appended from now on, in order, after it is forced to disk. */
    public void observe(Observer observer) {
        this.observer = observer;
    }

    /** Appends {"time":...,"event":...,<fields>} and fsyncs. */
    public synchronized void append(String event, Map<String, ?> fields) {
        Instant time = Instant.now();
        StringBuilder line = new StringBuilder("{\"time\":").append(Json.quote(time.toString()))
                .append(",\"event\":").append(Json.quote(event));
        fields.entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
            line.append(',').append(Json.quote(e.getKey())).append(':');
            Object v = e.getValue();
            line.append(v instanceof Number || v instanceof Boolean ? v.toString() : Json.quote(String.valueOf(v)));
        });
        line.append("}\n");
        try {
            ByteBuffer buffer = ByteBuffer.wrap(line.toString().getBytes(StandardCharsets.UTF_8));
            while (buffer.hasRemaining()) {
                channel.write(buffer);
            }
            channel.force(true);
        } catch (IOException e) {
            throw new EspfleetException(ExitStatus.JOB_FAILED, "cannot append to audit log " + file + ": " + e.getMessage());
        }
        try {
            observer.appended(time, event, java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(fields)));
        } catch (RuntimeException e) {
            // what a front end shows is not the record: the line is on disk either way
        }
    }

    @Override
    public synchronized void close() {
        try {
            channel.close();
        } catch (IOException ignored) {
            // every record was already forced to disk
        }
    }
}
