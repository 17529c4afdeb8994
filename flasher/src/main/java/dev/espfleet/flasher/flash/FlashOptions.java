package dev.espfleet.flasher.flash;

/**
 * Choices for a write job.
 *
 * @param compression    {@link Compression#AUTO}: with the stub, compress whatever zlib shrinks by 10 % or more;
 *                       through the ROM only where that holds and the compressed write's spill (the ROM
 *                       re-programs flash up to offset + (floor(len / 32 KiB) + 1) x 32 KiB,
 *                       {@link dev.espfleet.flasher.targets.RomDeflateSpill}) is written again by later regions
 *                       of the same job and stays inside the flash; otherwise plain
 * @param skipUnchanged  skip regions whose MD5 already matches (as espflash)
 * @param regionAttempts how many times a region is written before the job fails
 * @param blockAttempts  how many times a block the chip refused (checksum) is sent
 */
public record FlashOptions(Compression compression, boolean skipUnchanged, int regionAttempts, int blockAttempts) {

    public enum Compression { AUTO, NEVER }

    public static FlashOptions defaults() {
        return new FlashOptions(Compression.AUTO, true, 3, 3);
    }

    public FlashOptions withCompression(Compression c) {
        return new FlashOptions(c, skipUnchanged, regionAttempts, blockAttempts);
    }

    public FlashOptions withSkipUnchanged(boolean s) {
        return new FlashOptions(compression, s, regionAttempts, blockAttempts);
    }
}
