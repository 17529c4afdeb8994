package dev.espfleet.flasher.image;

import dev.espfleet.common.EspfleetException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * ESP-IDF's {@code esp_app_desc_t} (components/esp_app_format, 256 bytes): what an app image says of itself.
 * The build puts it at the start of the first DROM segment, so it sits at offset
 * {@value AppImage#FIRST_SEGMENT_DATA} of the image file (after the 24-byte header and one segment header),
 * where the bootloader, {@code esp_ota_get_partition_description} and esptool's image_info read it. Layout:
 * magic 0xABCD5432, secure_version, 2 reserved words, version[32], project_name[32], time[16], date[16],
 * idf_ver[32], app_elf_sha256[32], min/max_efuse_blk_rev_full (u16 each), mmu_page_size (log2), 3 reserved
 * bytes, 18 reserved words.
 */
public record AppDescription(int secureVersion, String version, String projectName, String time, String date,
        String idfVersion, byte[] elfSha256, int minEfuseBlockRevFull, int maxEfuseBlockRevFull, int mmuPageSizeLog2) {

    public static final int MAGIC_WORD = 0xABCD5432;
    public static final int SIZE = 256;
    static final int VERSION_OFFSET = 16;
    static final int PROJECT_OFFSET = 48;
    static final int TIME_OFFSET = 80;
    static final int DATE_OFFSET = 96;
    static final int IDF_OFFSET = 112;
    static final int ELF_SHA_OFFSET = 144;
    static final int EFUSE_REV_OFFSET = 176;
    static final int MMU_PAGE_OFFSET = 180;

    public AppDescription {
        elfSha256 = elfSha256.clone();
        if (elfSha256.length != 32) {
            throw new IllegalArgumentException("app_elf_sha256 is 32 bytes, got " + elfSha256.length);
        }
    }

    /** The description in an app image's bytes (from offset 0), or empty if the image holds none. */
    public static Optional<AppDescription> of(byte[] image) {
        if (image.length < AppImage.FIRST_SEGMENT_DATA + SIZE || (image[0] & 0xFF) != AppImage.MAGIC
                || image[1] == 0) {
            return Optional.empty();
        }
        ByteBuffer b = ByteBuffer.wrap(image, AppImage.FIRST_SEGMENT_DATA, SIZE).slice().order(ByteOrder.LITTLE_ENDIAN);
        int firstSegmentLength = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN).getInt(AppImage.HEADER_SIZE + 4);
        if (b.getInt(0) != MAGIC_WORD || Integer.compareUnsigned(firstSegmentLength, SIZE) < 0) {
            return Optional.empty();
        }
        byte[] sha = new byte[32];
        b.get(ELF_SHA_OFFSET, sha);
        return Optional.of(new AppDescription(b.getInt(4), text(b, VERSION_OFFSET, 32), text(b, PROJECT_OFFSET, 32),
                text(b, TIME_OFFSET, 16), text(b, DATE_OFFSET, 16), text(b, IDF_OFFSET, 32), sha,
                b.getShort(EFUSE_REV_OFFSET) & 0xFFFF, b.getShort(EFUSE_REV_OFFSET + 2) & 0xFFFF,
                b.get(MMU_PAGE_OFFSET) & 0xFF));
    }

    /** The first app image among {@code regions} by flash offset (the bootloader boots the first app slot). */
    public static Optional<AppDescription> firstIn(List<FlashRegion> regions) {
        return regions.stream().sorted(Comparator.comparingInt(FlashRegion::offset))
                .map(r -> of(r.data())).flatMap(Optional::stream).findFirst();
    }

    /** {@link #of}, or bad input naming {@code what} when the image has no description. */
    public static AppDescription require(byte[] image, String what) {
        return of(image).orElseThrow(() -> EspfleetException.badInput(what + " is not an ESP-IDF app image with an "
                + "app description (no 0xE9 header, or no esp_app_desc_t magic 0xABCD5432 at offset 0x20)"));
    }

    /** The 256 bytes ESP-IDF's build would put at the start of the first DROM segment. */
    public byte[] encode() {
        ByteBuffer b = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, MAGIC_WORD).putInt(4, secureVersion);
        put(b, VERSION_OFFSET, 32, version, "version");
        put(b, PROJECT_OFFSET, 32, projectName, "project_name");
        put(b, TIME_OFFSET, 16, time, "time");
        put(b, DATE_OFFSET, 16, date, "date");
        put(b, IDF_OFFSET, 32, idfVersion, "idf_ver");
        b.put(ELF_SHA_OFFSET, elfSha256);
        b.putShort(EFUSE_REV_OFFSET, (short) minEfuseBlockRevFull).putShort(EFUSE_REV_OFFSET + 2,
                (short) maxEfuseBlockRevFull);
        b.put(MMU_PAGE_OFFSET, (byte) mmuPageSizeLog2);
        return b.array();
    }

    public String elfSha256Hex() {
        return HexFormat.of().formatHex(elfSha256);
    }

    @Override
    public byte[] elfSha256() {
        return elfSha256.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AppDescription d && Arrays.equals(encode(), d.encode());
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(encode());
    }

    /** A fixed-size C string: up to the first NUL. */
    private static String text(ByteBuffer b, int offset, int size) {
        int end = 0;
        while (end < size && b.get(offset + end) != 0) {
            end++;
        }
        byte[] s = new byte[end];
        b.get(offset, s);
        return new String(s, StandardCharsets.UTF_8);
    }

    /** Fields hold at most size - 1 bytes: ESP-IDF's strings are NUL-terminated within their arrays. */
    private static void put(ByteBuffer b, int offset, int size, String value, String field) {
        byte[] s = value.getBytes(StandardCharsets.UTF_8);
        if (s.length >= size) {
            throw EspfleetException.badInput("esp_app_desc_t." + field + " '" + value + "' is " + s.length
                    + " bytes; at most " + (size - 1) + " fit");
        }
        b.put(offset, s);
    }
}
