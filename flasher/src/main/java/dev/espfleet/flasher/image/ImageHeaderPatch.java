package dev.espfleet.flasher.image;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.flasher.targets.ChipSpec;
import dev.espfleet.model.Chip;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;

/**
 * {@code --flash-mode/--flash-freq/--flash-size}: rewrites the flash parameters in the header of the
 * bootloader image as esptool does (ESP-IDF "App image format": byte 2 = SPI mode, byte 3 = size in the high
 * nibble and frequency in the low one) and recomputes the SHA-256 appended after the image when byte 23 says
 * there is one, so the bootloader still validates.
 */
public final class ImageHeaderPatch {
    static final int MAGIC = 0xE9;
    static final int MODE_OFFSET = 2;
    static final int SIZE_FREQ_OFFSET = 3;
    /** 8-byte common header plus 16-byte extended header. */
    static final int HEADER_SIZE = 24;
    static final int HASH_APPENDED_OFFSET = 23;
    static final int SEGMENT_HEADER_SIZE = 8;
    static final int SHA256_SIZE = 32;
    public static final String KEEP = "keep";

    private static final Map<String, Integer> MODES = Map.of("qio", 0, "qout", 1, "dio", 2, "dout", 3);
    private static final Map<String, Integer> SIZES = Map.of("1MB", 0x00, "2MB", 0x10, "4MB", 0x20, "8MB", 0x30,
            "16MB", 0x40, "32MB", 0x50, "64MB", 0x60, "128MB", 0x70);
    private static final String SIZE_CHOICES = "keep, detect, 1MB, 2MB, 4MB, 8MB, 16MB, 32MB, 64MB or 128MB";

    private ImageHeaderPatch() {
    }

    /**
     * Checks the three options before anything is connected or written, whatever the images turn out to be:
     * a mode esptool knows, a size the ESP32 family's image header can say (esptool's 256KB and 512KB are
     * ESP8266 sizes), a frequency some chip takes (which chip takes which is checked when it is known).
     */
    public static void checkOptions(String mode, String freq, String size) {
        if (!KEEP.equalsIgnoreCase(mode) && !MODES.containsKey(mode.toLowerCase(java.util.Locale.ROOT))) {
            throw EspfleetException.badInput("--flash-mode " + mode + ": expected keep, qio, qout, dio or dout");
        }
        String s = size.toUpperCase(java.util.Locale.ROOT);
        if (!KEEP.equalsIgnoreCase(size) && !"detect".equalsIgnoreCase(size) && !SIZES.containsKey(s)) {
            String why = s.equals("256KB") || s.equals("512KB") ? " (" + s + " is an ESP8266 size)" : "";
            throw EspfleetException.badInput("--flash-size " + size + ": expected " + SIZE_CHOICES + why);
        }
        java.util.Set<String> freqs = new java.util.TreeSet<>();
        for (Chip c : Chip.values()) {
            freqs.addAll(ChipSpec.of(c).flashFrequencies().keySet());
        }
        if (!KEEP.equalsIgnoreCase(freq) && !freqs.contains(freq.toLowerCase(java.util.Locale.ROOT))) {
            throw EspfleetException.badInput("--flash-freq " + freq + ": expected keep or one of " + String.join(", ", freqs));
        }
    }

    /** The patched region, and a note for the user when something was changed or could not be. */
    public record Result(FlashRegion region, Optional<String> note) {
    }

    /**
     * Patches {@code region} if it is an image at the chip's bootloader offset and any of the three is not
     * {@code keep}; {@code detectedSize} answers {@code --flash-size detect}.
     */
    public static Result apply(FlashRegion region, ChipSpec chip, String mode, String freq, String size, int detectedSize) {
        byte[] d = region.data();
        boolean all = KEEP.equals(mode) && KEEP.equals(freq) && KEEP.equals(size);
        if (all || region.offset() != chip.bootloaderOffset() || d.length < HEADER_SIZE || (d[0] & 0xFF) != MAGIC) {
            return new Result(region, Optional.empty());
        }
        byte[] p = d.clone();
        if (!KEEP.equals(mode)) {
            Integer m = MODES.get(mode.toLowerCase(java.util.Locale.ROOT));
            if (m == null) {
                throw EspfleetException.badInput("--flash-mode " + mode + ": expected keep, qio, qout, dio or dout");
            }
            p[MODE_OFFSET] = (byte) (int) m;
        }
        if (!KEEP.equals(freq)) {
            Integer f = chip.flashFrequencies().get(freq.toLowerCase(java.util.Locale.ROOT));
            if (f == null) {
                throw EspfleetException.badInput("--flash-freq " + freq + ": " + chip.chip().displayName() + " takes keep or one of "
                        + String.join(", ", chip.flashFrequencies().keySet().stream().sorted().toList()));
            }
            p[SIZE_FREQ_OFFSET] = (byte) ((p[SIZE_FREQ_OFFSET] & 0xF0) | f);
        }
        if (!KEEP.equals(size)) {
            String s = size.equalsIgnoreCase("detect") ? (detectedSize >> 20) + "MB" : size.toUpperCase(java.util.Locale.ROOT);
            Integer code = SIZES.get(s);
            if (code == null) {
                throw EspfleetException.badInput("--flash-size " + size + ": expected " + SIZE_CHOICES);
            }
            p[SIZE_FREQ_OFFSET] = (byte) ((p[SIZE_FREQ_OFFSET] & 0x0F) | code);
        }
        String note = String.format("%s: flash parameters in the image header set to %02x %02x", region.name(),
                p[MODE_OFFSET] & 0xFF, p[SIZE_FREQ_OFFSET] & 0xFF);
        if (p[HASH_APPENDED_OFFSET] == 1) {
            int length = imageLength(d);
            if (length < 0 || length + SHA256_SIZE > d.length) {
                note += "; its appended SHA-256 could not be located, so it was left as it was";
            } else if (!Arrays.equals(sha256(d, length), Arrays.copyOfRange(d, length, length + SHA256_SIZE))) {
                note += "; its appended SHA-256 was already wrong, so it was left as it was";
            } else {
                System.arraycopy(sha256(p, length), 0, p, length, SHA256_SIZE);
                note += ", SHA-256 updated";
            }
        }
        return new Result(region.withData(p), Optional.of(note));
    }

    /** Bytes before the appended SHA-256: header, segments, then a checksum byte ending a 16-byte block. */
    static int imageLength(byte[] d) {
        int segments = d[1] & 0xFF;
        ByteBuffer b = ByteBuffer.wrap(d).order(ByteOrder.LITTLE_ENDIAN);
        long at = HEADER_SIZE;
        for (int i = 0; i < segments; i++) {
            if (at + SEGMENT_HEADER_SIZE > d.length) {
                return -1;
            }
            long len = b.getInt((int) at + 4) & 0xFFFFFFFFL;
            at += SEGMENT_HEADER_SIZE + len;
        }
        long withChecksum = at + 1;
        long padded = (withChecksum + 15) / 16 * 16;
        return padded > d.length ? -1 : (int) padded;
    }

    private static byte[] sha256(byte[] data, int length) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(data, 0, length);
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
    }
}
