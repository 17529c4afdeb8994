package dev.espfleet.flasher.sim;

import java.util.Arrays;

/** NOR flash: erasing sets whole 4 KB sectors to 0xFF, programming can only clear bits. */
public final class SimFlash {
    public static final int SECTOR_SIZE = 4096;
    private final byte[] cells;
    private long sectorsErased;

    public SimFlash(int size) {
        if (size <= 0 || size % SECTOR_SIZE != 0) {
            throw new IllegalArgumentException("flash size must be a positive multiple of 4096, got " + size);
        }
        cells = new byte[size];
        Arrays.fill(cells, (byte) 0xFF);
    }

    public int size() {
        return cells.length;
    }

    /** Erases every sector that overlaps {@code [offset, offset + length)}. */
    public void eraseCovering(int offset, int length) {
        if (length <= 0) {
            return;
        }
        int start = Math.floorDiv(offset, SECTOR_SIZE) * SECTOR_SIZE;
        long end = Math.min(cells.length, ((long) offset + length + SECTOR_SIZE - 1) / SECTOR_SIZE * SECTOR_SIZE);
        for (int s = start; s < end; s += SECTOR_SIZE) {
            Arrays.fill(cells, s, s + SECTOR_SIZE, (byte) 0xFF);
            sectorsErased++;
        }
    }

    /** Programs bytes: each cell becomes {@code old & new}; bytes past the end are ignored. */
    public void program(int offset, byte[] data, int from, int length) {
        for (int i = 0; i < length && offset + i < cells.length; i++) {
            cells[offset + i] &= data[from + i];
        }
    }

    /** Sets content directly, as if the chip had been flashed before (test setup). */
    public void load(int offset, byte[] data) {
        System.arraycopy(data, 0, cells, offset, data.length);
    }

    public byte[] read(int offset, int length) {
        return Arrays.copyOfRange(cells, offset, offset + length);
    }

    public long sectorsErased() {
        return sectorsErased;
    }
}
