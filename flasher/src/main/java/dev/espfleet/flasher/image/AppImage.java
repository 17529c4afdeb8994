package dev.espfleet.flasher.image;

import dev.espfleet.common.EspfleetException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * An ESP-IDF app or bootloader image as the ROM and the second-stage bootloader read it (esptool's "Firmware
 * Image Format"; ESP-IDF's {@code esp_image_header_t}, {@code esp_image_segment_header_t}): a 24-byte header
 * (magic 0xE9, segment count, SPI mode, size/frequency, entry, then the extended header: WP pin, pin drive,
 * chip id, chip revisions, hash-appended flag), the segments (load address, length, data), zero padding up to
 * one byte short of a multiple of 16, the checksum byte (0xEF xor every data byte), and, when the header says
 * so, the SHA-256 of all of that. Multi-byte fields are little-endian. Reading and writing the format is this
 * class's job alone.
 *
 * @param length the image's length without the appended SHA-256 (a multiple of 16)
 */
public record AppImage(int spiMode, int spiSpeedSize, int entry, int wpPin, int chipId, int minChipRevFull,
        int maxChipRevFull, boolean hashAppended, List<Segment> segments, int checksum, byte[] sha256, int length) {

    public static final int MAGIC = 0xE9;
    public static final int HEADER_SIZE = 24;
    public static final int SEGMENT_HEADER_SIZE = 8;
    public static final int SHA256_SIZE = 32;
    /** ESP-IDF's ESP_IMAGE_MAX_SEGMENTS. */
    public static final int MAX_SEGMENTS = 16;
    /** The checksum starts from this byte (esptool: ESP_CHECKSUM_MAGIC). */
    public static final int CHECKSUM_SEED = 0xEF;
    /** The WP pin byte of images whose SPI pins are not set through eFuse (esptool writes 0xEE). */
    public static final int WP_PIN_DISABLED = 0xEE;
    /** SPI mode DIO, ESP-IDF's default (CONFIG_ESPTOOLPY_FLASHMODE_DIO). */
    public static final int SPI_MODE_DIO = 2;
    /** Where the first segment's data starts in the file: the header and one segment header. */
    public static final int FIRST_SEGMENT_DATA = HEADER_SIZE + SEGMENT_HEADER_SIZE;

    private static final int CHIP_ID_OFFSET = 12;
    private static final int HASH_APPENDED_OFFSET = 23;

    /** One segment: where it is loaded or mapped, its data, and where the data starts in the image file. */
    public record Segment(int loadAddress, byte[] data, int fileOffset) {
        public int end() {
            return loadAddress + data.length;
        }
    }

    public AppImage {
        segments = List.copyOf(segments);
    }

    /**
     * Parses the image at the start of {@code data} (a partition's bytes may follow it). Refuses (bad input)
     * what no loader would read: no 0xE9, more than {@value #MAX_SEGMENTS} segments, a segment or the footer
     * past the end. Whether the checksum and digest match is {@link #problem(byte[])}'s to say.
     */
    public static AppImage parse(byte[] data) {
        if (data.length < HEADER_SIZE) {
            throw EspfleetException.badInput("image of " + data.length + " bytes is shorter than its "
                    + HEADER_SIZE + "-byte header");
        }
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        int magic = b.get(0) & 0xFF;
        if (magic != MAGIC) {
            throw EspfleetException.badInput(String.format("image magic is 0x%02x, expected 0x%02x", magic, MAGIC));
        }
        int count = b.get(1) & 0xFF;
        if (count > MAX_SEGMENTS) {
            throw EspfleetException.badInput("image has " + count + " segments, at most " + MAX_SEGMENTS + " are allowed");
        }
        List<Segment> segments = new ArrayList<>();
        long at = HEADER_SIZE;
        for (int i = 0; i < count; i++) {
            if (at + SEGMENT_HEADER_SIZE > data.length) {
                throw EspfleetException.badInput("segment " + i + "'s header at offset " + at + " is past the end ("
                        + data.length + " bytes)");
            }
            int load = b.getInt((int) at);
            long len = Integer.toUnsignedLong(b.getInt((int) at + 4));
            long start = at + SEGMENT_HEADER_SIZE;
            if (start + len > data.length) {
                throw EspfleetException.badInput(String.format("segment %d (0x%08x, %d bytes at offset %d) runs past the "
                        + "end of the image (%d bytes)", i, load, len, start, data.length));
            }
            segments.add(new Segment(load, Arrays.copyOfRange(data, (int) start, (int) (start + len)), (int) start));
            at = start + len;
        }
        int length = (int) ((at + 1 + 15) / 16 * 16);
        if (length > data.length) {
            throw EspfleetException.badInput("the image's checksum byte at offset " + (length - 1) + " is past the end ("
                    + data.length + " bytes)");
        }
        boolean hashAppended = data[HASH_APPENDED_OFFSET] == 1;
        byte[] sha = new byte[0];
        if (hashAppended) {
            if (length + SHA256_SIZE > data.length) {
                throw EspfleetException.badInput("the image's appended SHA-256 at offset " + length + " is past the end ("
                        + data.length + " bytes)");
            }
            sha = Arrays.copyOfRange(data, length, length + SHA256_SIZE);
        }
        return new AppImage(data[2] & 0xFF, data[3] & 0xFF, b.getInt(4), data[8] & 0xFF,
                b.getShort(CHIP_ID_OFFSET) & 0xFFFF, b.getShort(15) & 0xFFFF, b.getShort(17) & 0xFFFF, hashAppended,
                segments, data[length - 1] & 0xFF, sha, length);
    }

    /** The checksum the image should carry: 0xEF xor every byte of every segment's data. */
    public int computedChecksum() {
        int c = CHECKSUM_SEED;
        for (Segment s : segments) {
            for (byte x : s.data()) {
                c ^= x & 0xFF;
            }
        }
        return c;
    }

    /**
     * What a loader verifying {@code data} (the bytes this image was parsed from) would refuse: a checksum or an
     * appended SHA-256 that does not match; empty when both match.
     */
    public Optional<String> problem(byte[] data) {
        if (checksum != computedChecksum()) {
            return Optional.of(String.format("checksum 0x%02x does not match the data (computed 0x%02x)", checksum,
                    computedChecksum()));
        }
        if (hashAppended && !Arrays.equals(sha256, sha256(data, length))) {
            return Optional.of("the appended SHA-256 does not match the image");
        }
        return Optional.empty();
    }

    /** The image's length on flash, with the appended digest. */
    public int lengthWithDigest() {
        return length + (hashAppended ? SHA256_SIZE : 0);
    }

    /** The first segment whose load address lies in {@code [from, to)}. */
    public Optional<Segment> segmentIn(long from, long to) {
        return segments.stream().filter(s -> Integer.toUnsignedLong(s.loadAddress()) >= from
                && Integer.toUnsignedLong(s.loadAddress()) < to).findFirst();
    }

    /**
     * Writes an image as esptool's elf2image lays it out: header and extended header, each segment (its data
     * padded with zeros to a multiple of 4 bytes, as esptool pads segments), zeros up to one byte short of a
     * multiple of 16, the checksum, and the SHA-256 of everything before it when {@code hashAppended}.
     *
     * @param spiSpeedSize byte 3: flash size code in the high nibble, frequency code in the low one
     * @param chipId       the extended header's chip id ({@code targets.ChipSpec#imageChipId})
     * @param maxChipRevFull the highest chip revision the image runs on (major * 100 + minor; 0xFFFF: any)
     */
    public static byte[] write(int spiMode, int spiSpeedSize, int entry, int chipId, int minChipRevFull,
            int maxChipRevFull, boolean hashAppended, List<Segment> segments) {
        if (segments.size() > MAX_SEGMENTS) {
            throw new IllegalArgumentException("at most " + MAX_SEGMENTS + " segments, got " + segments.size());
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer h = ByteBuffer.allocate(HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        h.put((byte) MAGIC).put((byte) segments.size()).put((byte) spiMode).put((byte) spiSpeedSize).putInt(entry);
        h.put((byte) WP_PIN_DISABLED).put(new byte[3]).putShort((short) chipId).put((byte) (minChipRevFull / 100))
                .putShort((short) minChipRevFull).putShort((short) maxChipRevFull).put(new byte[4])
                .put((byte) (hashAppended ? 1 : 0));
        out.writeBytes(h.array());
        int checksum = CHECKSUM_SEED;
        for (Segment s : segments) {
            byte[] d = Arrays.copyOf(s.data(), (s.data().length + 3) & ~3);
            out.writeBytes(ByteBuffer.allocate(SEGMENT_HEADER_SIZE).order(ByteOrder.LITTLE_ENDIAN)
                    .putInt(s.loadAddress()).putInt(d.length).array());
            out.writeBytes(d);
            for (byte x : d) {
                checksum ^= x & 0xFF;
            }
        }
        while (out.size() % 16 != 15) {
            out.write(0);
        }
        out.write(checksum);
        byte[] image = out.toByteArray();
        if (!hashAppended) {
            return image;
        }
        byte[] withDigest = Arrays.copyOf(image, image.length + SHA256_SIZE);
        System.arraycopy(sha256(image, image.length), 0, withDigest, image.length, SHA256_SIZE);
        return withDigest;
    }

    static byte[] sha256(byte[] data, int length) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(data, 0, length);
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
    }
}
