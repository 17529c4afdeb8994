package dev.espfleet.flasher.image;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

/**
 * What an ESP-IDF application image says about itself: its {@code esp_app_desc_t} (ESP-IDF "App image format",
 * "Application description"), at the start of the first segment, after the 24-byte image header and the 8-byte
 * segment header. {@code version} is the project's {@code PROJECT_VER}, which the running firmware reports.
 */
public record AppDescription(String version, String projectName, String idfVersion) {
    /** {@code ESP_APP_DESC_MAGIC_WORD}. */
    static final int MAGIC_WORD = 0xABCD5432;
    /** sizeof(esp_image_header_t) + sizeof(esp_image_segment_header_t). */
    static final int OFFSET = 24 + 8;
    /** Offsets in esp_app_desc_t: magic, secure_version, reserv1[2], then version[32], project_name[32], time[16], date[16], idf_ver[32]. */
    static final int VERSION = 16;
    static final int PROJECT_NAME = 48;
    static final int IDF_VERSION = 112;
    static final int TEXT = 32;

    /** The description of an app image; empty for anything else (a bootloader, a partition table, NVS). */
    public static Optional<AppDescription> of(byte[] image) {
        if (image.length < OFFSET + IDF_VERSION + TEXT || (image[0] & 0xFF) != ImageCheck.IMAGE_MAGIC) {
            return Optional.empty();
        }
        ByteBuffer b = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        if (b.getInt(OFFSET) != MAGIC_WORD) {
            return Optional.empty();
        }
        return Optional.of(new AppDescription(text(image, VERSION), text(image, PROJECT_NAME), text(image, IDF_VERSION)));
    }

    /** The first app image among {@code regions} by flash offset (the bootloader boots the first app slot). */
    public static Optional<AppDescription> firstIn(List<FlashRegion> regions) {
        return regions.stream().sorted(java.util.Comparator.comparingInt(FlashRegion::offset))
                .map(r -> of(r.data())).flatMap(Optional::stream).findFirst();
    }

    private static String text(byte[] image, int field) {
        int start = OFFSET + field;
        int end = start;
        while (end < start + TEXT && image[end] != 0) {
            end++;
        }
        return new String(image, start, end - start, StandardCharsets.UTF_8);
    }
}
