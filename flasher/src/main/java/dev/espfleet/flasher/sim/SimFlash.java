package dev.espfleet.flasher.sim;

import dev.espfleet.common.EspfleetException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * NOR flash: erasing sets whole 4 KB sectors to 0xFF, programming can only clear bits. The cells live in memory,
 * or in a file mapped into memory ({@link #file}): then an application the simulated chip runs reads and writes
 * the same cells through the file (a shared mapping: both see each other's writes at once), and the file keeps
 * them after the simulator ends, as Espressif's QEMU keeps its {@code -drive file}.
 */
public final class SimFlash {
    public static final int SECTOR_SIZE = 4096;
    private final int size;
    private ByteBuffer cells;
    private Path file;
    private boolean temporary;
    private long sectorsErased;

    public SimFlash(int size) {
        checkSize(size);
        this.size = size;
        cells = ByteBuffer.allocate(size);
        fill(0, size);
    }

    private SimFlash(int size, Path file, MappedByteBuffer mapped, boolean temporary) {
        this.size = size;
        this.cells = mapped;
        this.file = file;
        this.temporary = temporary;
    }

    private static void checkSize(int size) {
        if (size <= 0 || size % SECTOR_SIZE != 0) {
            throw new IllegalArgumentException("flash size must be a positive multiple of 4096, got " + size);
        }
    }

    /**
     * Flash backed by {@code path}: a missing file is created erased (all 0xFF) at {@code size} bytes; an existing
     * one must be exactly that size (bad input otherwise: a flash image of another chip's flash).
     */
    public static SimFlash file(Path path, int size) {
        checkSize(size);
        try {
            boolean fresh = !Files.exists(path);
            if (!fresh && Files.size(path) != size) {
                throw EspfleetException.badInput(String.format("flash file %s is %d bytes; the simulated flash is %d "
                        + "(%d MB): give a file of that size, or a new path", path, Files.size(path), size, size >> 20));
            }
            MappedByteBuffer mapped = map(path, size);
            SimFlash flash = new SimFlash(size, path, mapped, false);
            if (fresh) {
                flash.fill(0, size);
            }
            return flash;
        } catch (IOException e) {
            throw EspfleetException.badInput("cannot use " + path + " as the flash file: " + e.getMessage());
        }
    }

    private static MappedByteBuffer map(Path path, int size) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(path.toFile(), "rw"); FileChannel ch = raf.getChannel()) {
            if (raf.length() < size) {
                raf.setLength(size);
            }
            return ch.map(FileChannel.MapMode.READ_WRITE, 0, size);
        }
    }

    public int size() {
        return size;
    }

    /** The file behind the cells, if there is one. */
    public synchronized Optional<Path> backingFile() {
        return Optional.ofNullable(file);
    }

    /**
     * The file an application reads and writes the flash through: the backing file, or, for flash held in
     * memory, a temporary one the cells move into now (deleted when the JVM ends).
     */
    public synchronized Path requireFile() {
        if (file != null) {
            return file;
        }
        try {
            Path tmp = Files.createTempFile("espfleet-sim-flash-", ".bin");
            tmp.toFile().deleteOnExit();
            MappedByteBuffer mapped = map(tmp, size);
            ByteBuffer old = cells.duplicate();
            old.clear();
            mapped.put(0, old, 0, size);
            cells = mapped;
            file = tmp;
            temporary = true;
            return tmp;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create a file for the simulated flash", e);
        }
    }

    /** Whether the backing file is a temporary one of {@link #requireFile}. */
    public synchronized boolean temporaryFile() {
        return temporary;
    }

    /** Writes mapped cells out to the file (they reach other processes at once; this is for the disk). */
    public synchronized void force() {
        if (cells instanceof MappedByteBuffer m) {
            m.force();
        }
    }

    /** Erases every sector that overlaps {@code [offset, offset + length)}. */
    public synchronized void eraseCovering(int offset, int length) {
        if (length <= 0) {
            return;
        }
        int start = Math.floorDiv(offset, SECTOR_SIZE) * SECTOR_SIZE;
        long end = Math.min(size, ((long) offset + length + SECTOR_SIZE - 1) / SECTOR_SIZE * SECTOR_SIZE);
        for (int s = start; s < end; s += SECTOR_SIZE) {
            fill(s, SECTOR_SIZE);
            sectorsErased++;
        }
    }

    private void fill(int offset, int length) {
        byte[] ff = new byte[Math.min(length, 64 * 1024)];
        java.util.Arrays.fill(ff, (byte) 0xFF);
        for (int at = offset; at < offset + length; at += ff.length) {
            cells.put(at, ff, 0, Math.min(ff.length, offset + length - at));
        }
    }

    /** Programs bytes: each cell becomes {@code old & new}; bytes past the end are ignored. */
    public synchronized void program(int offset, byte[] data, int from, int length) {
        for (int i = 0; i < length && offset + i < size; i++) {
            cells.put(offset + i, (byte) (cells.get(offset + i) & data[from + i]));
        }
    }

    /** Sets content directly, as if the chip had been flashed before (test setup). */
    public synchronized void load(int offset, byte[] data) {
        cells.put(offset, data);
    }

    public synchronized byte[] read(int offset, int length) {
        byte[] out = new byte[length];
        cells.get(offset, out);
        return out;
    }

    public synchronized long sectorsErased() {
        return sectorsErased;
    }
}
