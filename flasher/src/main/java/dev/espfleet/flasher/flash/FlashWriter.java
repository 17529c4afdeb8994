package dev.espfleet.flasher.flash;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.flasher.FlasherErrors;
import dev.espfleet.flasher.command.Command;
import dev.espfleet.flasher.image.FlashRegion;
import dev.espfleet.flasher.loader.ChipInfo;
import dev.espfleet.flasher.loader.LoaderSession;
import dev.espfleet.flasher.loader.RomLoader;
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
 * Writes regions and proves each one with the chip's MD5. With the stub a failed block costs that block (see
 * {@link #writePlain}, {@link #writeCompressed}); through the ROM, which takes no other block of a write after a
 * refusal and cannot be asked about a lost reply, it costs the region, begun again from FLASH_BEGIN. A region
 * that still does not match after {@link FlashOptions#regionAttempts()} fails the job.
 */
public final class FlashWriter {
    static final int SECTOR_SIZE = 0x1000;
    /** The stub inflates into a buffer of this size and writes it to flash when it is full (stub_write_flash.c). */
    static final int STUB_INFLATE_BUFFER = 32 * 1024;

    private final RomLoader loader;
    private final LoaderSession session;
    private final FlashOptions options;
    private final ProgressListener progress;

    public FlashWriter(RomLoader loader, FlashOptions options, ProgressListener progress) {
        this.loader = loader;
        this.session = loader.session();
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
                            blockSize, offset, session.flashBeginFifthWord()));
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
        boolean lastThroughRom = false;
        for (int attempt = 1; attempt <= options.regionAttempts(); attempt++) {
            done[0] = startDone;
            boolean stub = loader.stubRunning();
            boolean compress = worthCompressing && (stub ? !session.stubInflaterSuspect() : safeThroughRom);
            lastThroughRom = !stub;
            try {
                if (compress) {
                    writeCompressed(region, data, startDone, done, total);
                } else {
                    progress.regionStarted(region.name(), region.offset(), data.length, data.length, false);
                    writePlain(region, data, 0, startDone, done, total);
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
                if (attempt < options.regionAttempts()) {
                    progress.retrying(String.format("%s: MD5 mismatch (expected %s, chip has %s), writing it again",
                            region.name(), expected, actual));
                }
            } catch (AttemptOver e) {
                lastError = e.reason;
                if (attempt < options.regionAttempts()) {
                    progress.retrying(e.retryMessage);
                }
            } catch (FlasherErrors.Ambiguous | FlasherErrors.Rejected | FlasherErrors.Unsupported e) {
                // Unsupported here: a frame garbled on the wire, answered by the ROM as an unknown command
                lastError = e;
                if (attempt < options.regionAttempts()) {
                    progress.retrying(region.name() + ": " + e.getMessage() + ", writing the region again");
                }
            }
            if (attempt < options.regionAttempts()) {
                loader.recover();
            }
        }
        if (lastError != null) {
            String hint = lastThroughRom && !(lastError instanceof FlasherErrors.Rejected)
                    ? "the link loses or damages frames, and the ROM cannot take a block again, so every loss costs "
                            + "the whole region: use --stub FILE (lost blocks are then sent again), a lower --baud, "
                            + "or a shorter cable"
                    : lastError.hint().orElse("check the cable and the power supply, then try again");
            throw new EspfleetException(ExitStatus.JOB_FAILED, "writing " + region + " failed after "
                    + options.regionAttempts() + " attempts: " + lastError.getMessage(), hint, lastError);
        }
        throw new EspfleetException(ExitStatus.JOB_FAILED, "flash does not match " + region + " after "
                + options.regionAttempts() + " attempts: expected MD5 " + expected + ", chip has " + actual,
                "the flash may be worn or write-protected; try again or erase it first");
    }

    /** This attempt at a region is over, for {@code reason}; {@code retryMessage} says so if another follows. */
    private static final class AttemptOver extends RuntimeException {
        final EspfleetException reason;
        final String retryMessage;

        AttemptOver(EspfleetException reason, String retryMessage) {
            super(reason.getMessage(), reason, false, false);
            this.reason = reason;
            this.retryMessage = retryMessage;
        }
    }

    /**
     * Plain FLASH_DATA from block {@code first} on: FLASH_BEGIN at that block's offset for the rest of the
     * region, then the blocks, sequence numbers counted from that FLASH_BEGIN.
     *
     * <p>When a block fails, what can be done depends on who is listening. The ROM takes no other block of a
     * write after refusing one (rom-traces/README.md) and cannot be asked whether it took a block whose reply
     * was lost, so through the ROM the region starts over. The stub drops a block it refuses for its checksum
     * or length, so that block is simply sent again. After a lost or damaged reply the stub may or may not
     * have written the block, and resending it would not tell: the stub ignores sequence numbers and writes
     * every block it takes where the previous one ended, so a block it had taken would be written twice,
     * shifted. Instead the write is begun again at the block's own offset (FLASH_BEGIN resets where the stub
     * writes and erases from there), which is right either way and costs one round trip.
     */
    private void writePlain(FlashRegion region, byte[] data, int first, long startDone, long[] done, long total) {
        int blockSize = loader.flashBlockSize();
        int blocks = (data.length + blockSize - 1) / blockSize;
        int anchor = first;
        beginPlainAt(region, data, anchor, blockSize);
        done[0] = startDone + Math.min((long) first * blockSize, region.data().length);
        int tries = 0;
        for (int n = first; n < blocks; ) {
            int from = n * blockSize;
            byte[] block = Arrays.copyOfRange(data, from, from + blockSize);
            int real = Math.min(blockSize, data.length - from);
            // the last block is padded with 0xFF, which programs nothing on erased flash
            Arrays.fill(block, real, blockSize, (byte) 0xFF);
            try {
                loader.connection().execute(new Command.FlashData(n - anchor, block));
            } catch (FlasherErrors.Rejected e) {
                tries = blockRefused(region, n, e, tries);
                continue;
            } catch (FlasherErrors.Ambiguous | FlasherErrors.Unsupported e) {
                tries = blockLost(region, n, e, tries, "writing again from this block");
                anchor = n;
                beginPlainAt(region, data, anchor, blockSize);
                continue;
            }
            n++;
            tries = 0;
            done[0] += Math.min(real, Math.max(0, region.data().length - from));
            progress.bytesDone(done[0], total);
        }
    }

    /** FLASH_BEGIN (erase, reset where the next block goes) may be sent again after a lost reply. */
    private void beginPlainAt(FlashRegion region, byte[] data, int firstBlock, int blockSize) {
        int from = firstBlock * blockSize;
        int size = data.length - from;
        session.executeIdempotent(new Command.FlashBegin(size, (size + blockSize - 1) / blockSize, blockSize,
                region.offset() + from, session.flashBeginFifthWord()));
    }

    /**
     * A refused block: sent again where the stub dropped it (checksum, length); through the ROM, or for any
     * other refusal (a write error the stub reports late), the region starts over. Returns the tries so far.
     */
    private int blockRefused(FlashRegion region, int n, FlasherErrors.Rejected e, int tries) {
        if (!loader.stubRunning()) {
            throw new AttemptOver(e, String.format("%s block %d: %s; the ROM takes no other block of this write, so "
                    + "it starts again", region.name(), n, e.error().meaning()));
        }
        if (!e.error().stubDroppedBlock() || tries + 1 >= options.blockAttempts()) {
            throw e;
        }
        progress.retrying(String.format("%s block %d: %s, sending it again", region.name(), n, e.error().meaning()));
        return tries + 1;
    }

    /**
     * A block whose reply was lost or damaged: through the ROM the region starts over; with the stub the
     * line is drained and the chip synced again (a reset chip gets the stub again), and the caller picks
     * the block up again as it says. Returns the tries so far.
     */
    private int blockLost(FlashRegion region, int n, EspfleetException e, int tries, String remedy) {
        if (!loader.stubRunning() || tries + 1 >= options.blockAttempts()) {
            throw e;
        }
        progress.retrying(String.format("%s block %d: %s; %s", region.name(), n, e.getMessage(), remedy));
        loader.recover();
        if (!loader.stubRunning()) {
            throw e;
        }
        return tries + 1;
    }

    /**
     * Compressed FLASH_DEFL_DATA. A block the stub refused for its checksum was not fed to its inflater and
     * is sent again. After a lost or damaged reply the inflater's state is unknown (the block may or may not
     * have been fed), and a compressed stream cannot be resumed from the middle; the stub also keeps up to
     * {@link #STUB_INFLATE_BUFFER} bytes of inflated output in a buffer that only reaches flash when full,
     * and a new compressed write does not clear it. So the rest of the region goes plain, from the last
     * point the stub has surely written, and compression stays off until the stub is started again.
     */
    private void writeCompressed(FlashRegion region, byte[] data, long startDone, long[] done, long total) {
        int blockSize = loader.flashBlockSize();
        byte[] compressed = zlib(data);
        int blocks = (compressed.length + blockSize - 1) / blockSize;
        progress.regionStarted(region.name(), region.offset(), data.length, compressed.length, true);
        // the stub wants the exact size; the ROM the size rounded up to whole write blocks (as esptool sends)
        int announced = loader.stubRunning() ? data.length : romAnnouncedSize(data.length);
        int[] inflated = inflatedSizes(compressed, blockSize);
        long written = 0;
        boolean finished = false;
        try {
            session.executeIdempotent(new Command.FlashDeflBegin(announced, blocks, blockSize, region.offset(),
                    session.flashBeginFifthWord()));
            int tries = 0;
            for (int seq = 0; seq < blocks; ) {
                int from = seq * blockSize;
                byte[] block = Arrays.copyOfRange(compressed, from, Math.min(compressed.length, from + blockSize));
                try {
                    loader.connection().execute(new Command.FlashDeflData(seq, block, inflated[seq]));
                } catch (FlasherErrors.Rejected e) {
                    tries = blockRefused(region, seq, e, tries);
                    continue;
                } catch (FlasherErrors.Ambiguous | FlasherErrors.Unsupported e) {
                    int resumeAt = (int) (written / STUB_INFLATE_BUFFER * STUB_INFLATE_BUFFER);
                    session.markStubInflaterSuspect();
                    blockLost(region, seq, e, tries, String.format("the stub's inflate state is unknown, so the rest "
                            + "goes plain from 0x%x", region.offset() + resumeAt));
                    finished = true;
                    writePlain(region, data, resumeAt / loader.flashBlockSize(), startDone, done, total);
                    return;
                }
                written += inflated[seq];
                seq++;
                tries = 0;
                done[0] = startDone + (long) region.data().length * seq / blocks;
                progress.bytesDone(done[0], total);
            }
            finished = true;
        } finally {
            if (!finished) {
                // an unfinished compressed stream may leave output in the stub's buffer
                session.markStubInflaterSuspect();
            }
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

    /** What FLASH_DEFL_BEGIN announces to the ROM: the data rounded up to whole 1 KB blocks (as esptool sends). */
    static int romAnnouncedSize(int length) {
        return (length + LoaderSession.ROM_FLASH_BLOCK - 1) / LoaderSession.ROM_FLASH_BLOCK * LoaderSession.ROM_FLASH_BLOCK;
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
