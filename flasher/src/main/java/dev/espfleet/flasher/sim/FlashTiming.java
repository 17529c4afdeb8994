package dev.espfleet.flasher.sim;

import java.time.Duration;

/**
 * How long the simulated chip's SPI flash takes to erase and program, from a datasheet's typical figures:
 * a NOR flash programs 256-byte pages and erases 4 KB sectors or 64 KB blocks. Charged only on a timed
 * link ({@link LinkTiming}): the ROM erases at FLASH_BEGIN and programs each block before it answers; the
 * stub answers a data block first and erases (64 KB blocks where it can) and programs while the next block
 * arrives, as esptool's stub_write_flash.c does.
 *
 * @param pageProgram one 256-byte page (tPP)
 * @param sectorErase one 4 KB sector (tSE)
 * @param blockErase  one 64 KB block (tBE2)
 * @param chipErase   the whole chip (tCE; the stub's ERASE_FLASH)
 */
public record FlashTiming(String name, Duration pageProgram, Duration sectorErase, Duration blockErase,
        Duration chipErase) {
    public static final int PAGE_SIZE = 256;
    public static final int SECTOR_SIZE = SimFlash.SECTOR_SIZE;
    public static final int SECTORS_PER_BLOCK = 16;

    /** No time at all: what the simulator charged before it modelled flash timing. */
    public static final FlashTiming NONE = new FlashTiming("none", Duration.ZERO, Duration.ZERO, Duration.ZERO,
            Duration.ZERO);

    /**
     * GigaDevice GD25Q32C, the flash of the ROM traces' module (JEDEC c8 40 16), typical values of its
     * datasheet: page program 0.6 ms, sector erase 50 ms, 64 KB block erase 250 ms; chip erase taken as the
     * W25Q32's 10 s.
     */
    public static final FlashTiming GD25Q32 = new FlashTiming("gd25q32", Duration.ofNanos(600_000), Duration.ofMillis(50),
            Duration.ofMillis(250), Duration.ofSeconds(10));

    /**
     * Winbond W25Q32JV, typical values of its datasheet: page program 0.4 ms, sector 45 ms, 64 KB block 150 ms,
     * chip 10 s.
     */
    public static final FlashTiming W25Q32 = new FlashTiming("w25q32", Duration.ofNanos(400_000), Duration.ofMillis(45),
            Duration.ofMillis(150), Duration.ofSeconds(10));

    /** The named timing: none, gd25q32 or w25q32. */
    public static FlashTiming named(String name) {
        for (FlashTiming t : new FlashTiming[] {NONE, GD25Q32, W25Q32}) {
            if (t.name.equals(name)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown flash timing '" + name + "': expected none, gd25q32 or w25q32");
    }

    /** Programming {@code length} bytes from {@code offset}: every page touched, one page program each. */
    public long programNanos(long offset, long length) {
        if (length <= 0) {
            return 0;
        }
        long pages = (offset + length - 1) / PAGE_SIZE - offset / PAGE_SIZE + 1;
        return pages * pageProgram.toNanos();
    }

    /**
     * Erasing the sectors that cover {@code [offset, offset + length)} as the ROM's and the stub's erase
     * loops do: a 64 KB block where one starts and at least 16 sectors remain, single sectors elsewhere.
     */
    public long eraseNanos(long offset, long length) {
        if (length <= 0) {
            return 0;
        }
        long sector = offset / SECTOR_SIZE;
        long remaining = (offset % SECTOR_SIZE + length + SECTOR_SIZE - 1) / SECTOR_SIZE;
        long nanos = 0;
        while (remaining > 0) {
            if (sector % SECTORS_PER_BLOCK == 0 && remaining >= SECTORS_PER_BLOCK) {
                nanos += blockErase.toNanos();
                sector += SECTORS_PER_BLOCK;
                remaining -= SECTORS_PER_BLOCK;
            } else {
                nanos += sectorErase.toNanos();
                sector++;
                remaining--;
            }
        }
        return nanos;
    }

    /** The stub's erase ahead of its writes (stub_write_flash.c): which sector comes next, how many remain. */
    static final class EraseAhead {
        private final FlashTiming timing;
        private long nextSector;
        private long remaining;

        EraseAhead(FlashTiming timing, long offset, long size) {
            this.timing = timing;
            this.nextSector = offset / SECTOR_SIZE;
            this.remaining = (offset % SECTOR_SIZE + size + SECTOR_SIZE - 1) / SECTOR_SIZE;
        }

        /** Erases up to and including the sector in which a write ending at {@code end} (exclusive) ends. */
        long upTo(long end) {
            long lastSector = end / SECTOR_SIZE;
            long nanos = 0;
            while (remaining > 0 && nextSector <= lastSector) {
                long n = nextSector % SECTORS_PER_BLOCK == 0 && remaining >= SECTORS_PER_BLOCK ? SECTORS_PER_BLOCK : 1;
                nanos += n == 1 ? timing.sectorErase.toNanos() : timing.blockErase.toNanos();
                nextSector += n;
                remaining -= n;
            }
            return nanos;
        }
    }
}
