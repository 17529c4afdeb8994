package dev.espfleet.flasher;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.flasher.command.Command;
import dev.espfleet.flasher.targets.RomDeflateSpill;
import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;

/**
 * Writes regions through the ROM and proves each one with the chip's MD5. A block the chip refused as
 * unwritten (checksum, malformed) is sent again; anything ambiguous (no reply, a garbled reply) restarts the
 * region from FLASH_BEGIN, which erases it again. A region that still does not match fails the job.
 */
public final class FlashWriter {
    static final int SECTOR_SIZE = 0x1000;

    private final RomLoader loader;
    private final FlashOptions options;
    private final ProgressListener progress;

    public FlashWriter(RomLoader loader, FlashOptions options, ProgressListener progress) {
        this.loader = loader;
        this.options = options;
        this.progress = progress;
    }

    /** What happened to each region. */
    public record RegionResult(FlashRegion region, String md5, boolean skipped, boolean compressed, int attempts) {
    }

    public List<RegionResult> write(List<FlashRegion> regions) {
        validate(regions, loader.flashSize());
        long total = regions.stream().mapToLong(r -> r.data().length).sum();
        long[] done = {0};
        List<RegionResult> results = new ArrayList<>();
        for (int i = 0; i < regions.size(); i++) {
            FlashRegion region = regions.get(i);
            byte[] data = region.paddedData();
            String expected = md5Hex(data);
            if (options.skipUnchanged() && expected.equals(loader.md5(region.offset(), data.length))) {
                progress.regionDone(region.name(), expected, true);
                done[0] += region.data().length;
                progress.bytesDone(done[0], total);
                results.add(new RegionResult(region, expected, true, false, 0));
                continue;
            }
            boolean worth = options.compression() == FlashOptions.Compression.AUTO && worthCompressing(data);
            boolean safeThroughRom = romSpillIsRewritten(region, regions.subList(i + 1, regions.size()),
                    loader.flashSize());
            results.add(writeVerified(region, data, expected, worth, safeThroughRom, done, total));
        }
        return results;
    }

    /**
     * Erases whole sectors: ERASE_REGION with the stub; through the ROM, FLASH_BEGIN, which erases before it
     * answers, with no data after it.
     * The chip's MD5 then proves the region reads as 0xFF.
     */
    public void erase(int offset, int size) {
        if (offset < 0 || offset % SECTOR_SIZE != 0 || size <= 0 || size % SECTOR_SIZE != 0) {
            throw EspfleetException.badInput(String.format(
                    "erase-region needs an offset and size that are multiples of 0x1000, got 0x%x and 0x%x", offset, size));
        }
        if ((long) offset + size > loader.flashSize()) {
            throw EspfleetException.badInput(String.format("0x%x + 0x%x is past the end of the %s flash", offset, size,
                    ChipInfo.sizeText(loader.flashSize())));
        }
        byte[] erased = new byte[size];
        Arrays.fill(erased, (byte) 0xFF);
        String expected = md5Hex(erased);
        int blockSize = loader.flashBlockSize();
        for (int attempt = 1; attempt <= options.regionAttempts(); attempt++) {
            try {
                progress.regionStarted("erase", offset, size, 0, false);
                if (loader.stubRunning()) {
                    loader.connection().execute(new Command.EraseRegion(offset, size));
                } else {
                    loader.connection().execute(new Command.FlashBegin(size, (size + blockSize - 1) / blockSize,
                            blockSize, offset, loader.flashBeginFifthWord()));
                }
                String actual = loader.md5(offset, size);
                if (actual.equals(expected)) {
                    progress.regionDone("erase", actual, false);
                    return;
                }
                progress.retrying(String.format("erase at 0x%x: flash does not read as erased, again", offset));
            } catch (FlasherErrors.Ambiguous | FlasherErrors.Rejected | FlasherErrors.Unsupported e) {
                // Unsupported here: a frame garbled on the wire, answered by the ROM as an unknown command
                progress.retrying("erase: " + e.getMessage());
            }
            if (attempt < options.regionAttempts()) {
                loader.recover();
            }
        }
        throw new EspfleetException(ExitStatus.JOB_FAILED, String.format(
                "0x%x..0x%x does not read as erased after %d attempts", offset, offset + size, options.regionAttempts()));
    }

    /** Compares each region with the chip's MD5; returns one line per mismatch (empty when all match). */
    public List<String> verify(List<FlashRegion> regions) {
        List<String> mismatches = new ArrayList<>();
        for (FlashRegion r : regions) {
            byte[] data = r.paddedData();
            String expected = md5Hex(data);
            String actual = loader.md5(r.offset(), data.length);
            if (!expected.equals(actual)) {
                mismatches.add(String.format("%s: flash MD5 %s, file MD5 %s", r, actual, expected));
            }
            progress.regionDone(r.name(), actual, false);
        }
        return mismatches;
    }

    /**
     * Writes until the chip's MD5 matches. Whether to compress is decided per attempt: a chip reset between
     * attempts may have lost the stub, and through the ROM compression is only safe where it cannot spill.
     */
    private RegionResult writeVerified(FlashRegion region, byte[] data, String expected, boolean worthCompressing,
            boolean safeThroughRom, long[] done, long total) {
        long startDone = done[0];
        String actual = null;
        EspfleetException lastError = null;
        for (int attempt = 1; attempt <= options.regionAttempts(); attempt++) {
            done[0] = startDone;
            boolean compress = worthCompressing && (loader.stubRunning() || safeThroughRom);
            try {
                if (compress) {
                    writeCompressed(region, data, done, total);
                } else {
                    writePlain(region, data, done, total);
                }
                actual = loader.md5(region.offset(), data.length);
                if (!actual.equals(expected)) {
                    // a garbled reply looks like a mismatch: ask once more before writing it all again
                    actual = loader.md5(region.offset(), data.length);
                }
                if (actual.equals(expected)) {
                    progress.regionDone(region.name(), actual, false);
                    return new RegionResult(region, actual, false, compress, attempt);
                }
                lastError = null;
                progress.retrying(String.format("%s: MD5 mismatch (expected %s, chip has %s), writing it again",
                        region.name(), expected, actual));
            } catch (FlasherErrors.Ambiguous | FlasherErrors.Rejected | FlasherErrors.Unsupported e) {
                // Unsupported here: a frame garbled on the wire, answered by the ROM as an unknown command
                lastError = e;
                progress.retrying(region.name() + ": " + e.getMessage() + ", writing the region again");
            }
            if (attempt < options.regionAttempts()) {
                loader.recover();
            }
        }
        if (lastError != null) {
            throw new EspfleetException(ExitStatus.JOB_FAILED, "writing " + region + " failed after "
                    + options.regionAttempts() + " attempts: " + lastError.getMessage(),
                    lastError.hint().orElse("check the cable and the power supply, then try again"), lastError);
        }
        throw new EspfleetException(ExitStatus.JOB_FAILED, "flash does not match " + region + " after "
                + options.regionAttempts() + " attempts: expected MD5 " + expected + ", chip has " + actual,
                "the flash may be worn or write-protected; try again or erase it first");
    }

    private void writePlain(FlashRegion region, byte[] data, long[] done, long total) {
        int blockSize = loader.flashBlockSize();
        int blocks = (data.length + blockSize - 1) / blockSize;
        progress.regionStarted(region.name(), region.offset(), data.length, data.length, false);
        loader.connection().execute(new Command.FlashBegin(data.length, blocks, blockSize, region.offset(),
                loader.flashBeginFifthWord()));
        for (int seq = 0; seq < blocks; seq++) {
            int from = seq * blockSize;
            byte[] block = Arrays.copyOfRange(data, from, from + blockSize);
            int real = Math.min(blockSize, data.length - from);
            // the last block is padded with 0xFF, which programs nothing on erased flash
            Arrays.fill(block, real, blockSize, (byte) 0xFF);
            sendBlock(new Command.FlashData(seq, block), region, seq);
            done[0] += Math.min(real, region.data().length - from);
            progress.bytesDone(done[0], total);
        }
    }

    private void writeCompressed(FlashRegion region, byte[] data, long[] done, long total) {
        int blockSize = loader.flashBlockSize();
        byte[] compressed = zlib(data);
        int blocks = (compressed.length + blockSize - 1) / blockSize;
        progress.regionStarted(region.name(), region.offset(), data.length, compressed.length, true);
        // the stub wants the exact size; the ROM the size rounded up to whole write blocks (as esptool sends)
        int announced = loader.stubRunning() ? data.length : romAnnouncedSize(data.length);
        loader.connection().execute(new Command.FlashDeflBegin(announced, blocks, blockSize, region.offset(),
                loader.flashBeginFifthWord()));
        int[] inflated = inflatedSizes(compressed, blockSize);
        long before = done[0];
        for (int seq = 0; seq < blocks; seq++) {
            int from = seq * blockSize;
            byte[] block = Arrays.copyOfRange(compressed, from, Math.min(compressed.length, from + blockSize));
            sendBlock(new Command.FlashDeflData(seq, block, inflated[seq]), region, seq);
            done[0] = before + (long) region.data().length * (seq + 1) / blocks;
            progress.bytesDone(done[0], total);
        }
    }

    /**
     * How many bytes each compressed block inflates to: the chip writes them all before it answers, so a
     * block of a sparse image (1 KB of zlib can be a megabyte of 0xFF) needs that much time.
     */
    static int[] inflatedSizes(byte[] compressed, int blockSize) {
        int blocks = (compressed.length + blockSize - 1) / blockSize;
        int[] sizes = new int[blocks];
        java.util.zip.Inflater inflater = new java.util.zip.Inflater();
        byte[] sink = new byte[64 * 1024];
        try {
            for (int seq = 0; seq < blocks; seq++) {
                int from = seq * blockSize;
                inflater.setInput(compressed, from, Math.min(blockSize, compressed.length - from));
                long before = inflater.getBytesWritten();
                while (!inflater.needsInput() && !inflater.finished()) {
                    if (inflater.inflate(sink) == 0 && inflater.needsDictionary()) {
                        break;
                    }
                }
                sizes[seq] = (int) Math.min(Integer.MAX_VALUE, inflater.getBytesWritten() - before);
            }
        } catch (java.util.zip.DataFormatException e) {
            throw new IllegalStateException("our own zlib stream does not inflate", e);
        } finally {
            inflater.end();
        }
        return sizes;
    }

    private void sendBlock(Command block, FlashRegion region, int seq) {
        for (int attempt = 1; ; attempt++) {
            try {
                loader.connection().execute(block);
                return;
            } catch (FlasherErrors.Rejected e) {
                if (!e.error().blockRejectedUnwritten() || attempt >= options.blockAttempts()) {
                    throw e;
                }
                progress.retrying(String.format("%s block %d: %s, sending it again", region.name(), seq,
                        e.error().meaning()));
            }
        }
    }

    /** What FLASH_DEFL_BEGIN announces to the ROM: the data rounded up to whole 1 KB blocks (as esptool sends). */
    static int romAnnouncedSize(int length) {
        return (length + RomLoader.ROM_FLASH_BLOCK - 1) / RomLoader.ROM_FLASH_BLOCK * RomLoader.ROM_FLASH_BLOCK;
    }

    /**
     * Whether a compressed write of {@code region} through the ROM is safe: the ROM then re-programs flash from
     * the region's offset to {@link RomDeflateSpill#end} (rom-traces/README.md), which is harmless only where
     * every byte of it past the region's own sectors is written again afterwards in this job, by
     * {@code later} regions (whose FLASH_BEGIN erases whole sectors, so their sector-rounded ends count), and
     * never where the spill would reach past the end of the flash. The stub does not spill.
     */
    static boolean romSpillIsRewritten(FlashRegion region, List<FlashRegion> later, int flashSize) {
        long spillEnd = RomDeflateSpill.end(region.offset(), romAnnouncedSize(region.paddedData().length));
        if (spillEnd > flashSize) {
            return false;
        }
        long covered = sectorEnd(region.offset() + (long) region.paddedData().length);
        List<FlashRegion> sorted = new ArrayList<>(later);
        sorted.sort(Comparator.comparingInt(FlashRegion::offset));
        for (FlashRegion r : sorted) {
            if (covered >= spillEnd) {
                break;
            }
            if (r.offset() <= covered && r.end() > covered) {
                covered = sectorEnd(r.end());
            }
        }
        return covered >= spillEnd;
    }

    private static long sectorEnd(long end) {
        return (end + SECTOR_SIZE - 1) / SECTOR_SIZE * SECTOR_SIZE;
    }

    /** Compressed data that is not clearly smaller (an encrypted or already compressed image) only costs time. */
    static boolean worthCompressing(byte[] data) {
        return zlib(data).length < data.length * 0.9;
    }

    /** Offsets on sector boundaries, inside the flash, no overlaps: else nothing is written. */
    public static void validate(List<FlashRegion> regions, int flashSize) {
        List<String> problems = new ArrayList<>();
        for (FlashRegion r : regions) {
            if (r.offset() < 0 || r.offset() % SECTOR_SIZE != 0) {
                problems.add(String.format("%s: offset 0x%x is not a multiple of 0x1000 (the 4 KB sector size)",
                        r.name(), r.offset()));
            }
            if (r.data().length == 0) {
                problems.add(r.name() + ": is empty");
            }
            if ((long) r.offset() + r.data().length > flashSize) {
                problems.add(String.format("%s: ends at 0x%x, past the end of the %s flash (0x%x)", r.name(),
                        (long) r.offset() + r.data().length, ChipInfo.sizeText(flashSize), flashSize));
            }
        }
        List<FlashRegion> sorted = new ArrayList<>(regions);
        sorted.sort(Comparator.comparingInt(FlashRegion::offset));
        for (int i = 1; i < sorted.size(); i++) {
            FlashRegion a = sorted.get(i - 1);
            FlashRegion b = sorted.get(i);
            long aEnd = ((long) a.end() + SECTOR_SIZE - 1) / SECTOR_SIZE * SECTOR_SIZE;
            if (b.offset() < aEnd) {
                problems.add(String.format("%s (0x%x..0x%x) overlaps %s at 0x%x", a.name(), a.offset(), aEnd,
                        b.name(), b.offset()));
            }
        }
        if (!problems.isEmpty()) {
            throw EspfleetException.badInput(String.join("; ", problems));
        }
    }

    static byte[] zlib(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(data.length / 2 + 64);
        Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION);
        try (DeflaterOutputStream z = new DeflaterOutputStream(out, deflater)) {
            z.write(data);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("in-memory deflate failed", e);
        } finally {
            deflater.end();
        }
        return out.toByteArray();
    }

    public static String md5Hex(byte[] data) {
        try {
            byte[] d = MessageDigest.getInstance("MD5").digest(data);
            StringBuilder sb = new StringBuilder(32);
            for (byte b : d) {
                sb.append(String.format("%02x", b & 0xFF));
            }
            return sb.toString();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 missing from the JDK", e);
        }
    }
}
