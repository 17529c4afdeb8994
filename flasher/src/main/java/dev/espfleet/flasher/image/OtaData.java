package dev.espfleet.flasher.image;

import dev.espfleet.nvs.NvsCrc32;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The {@code otadata} partition: two copies of ESP-IDF's {@code esp_ota_select_entry_t} (esp_flash_partitions.h),
 * one at the start of each of its two 4 KB sectors. Each entry is 32 bytes: {@code ota_seq} (u32), a 20-byte
 * {@code seq_label}, {@code ota_state} (u32) and {@code crc} (u32), the CRC being
 * {@code esp_rom_crc32_le(UINT32_MAX, &ota_seq, 4)} (bootloader_common_ota_select_crc): the reflected IEEE
 * polynomial, register starting at 0, result inverted, which is {@code zlib.crc32(ota_seq, 0xFFFFFFFF)} and
 * {@link NvsCrc32#of}. ESP-IDF's build writes the partition initially as all 0xFF ({@code ota_data_initial.bin}).
 */
public final class OtaData {
    public static final int ENTRY_SIZE = 32;
    /** Each copy starts a sector of its own (bootloader_utility.c, read_otadata). */
    public static final int COPY_STRIDE = 0x1000;
    /** An otadata partition holds two sectors (read_otadata refuses a smaller one). */
    public static final int PARTITION_SIZE = 2 * COPY_STRIDE;

    /** {@code esp_ota_img_states_t}. */
    public static final int STATE_NEW = 0;
    public static final int STATE_PENDING_VERIFY = 1;
    public static final int STATE_VALID = 2;
    public static final int STATE_INVALID = 3;
    public static final int STATE_ABORTED = 4;
    public static final int STATE_UNDEFINED = 0xFFFFFFFF;

    private OtaData() {
    }

    /** One {@code esp_ota_select_entry_t}. */
    public record Entry(int seq, int state, int crc) {
        /** An entry with its CRC as ESP-IDF writes it. */
        public static Entry of(int seq, int state) {
            return new Entry(seq, state, crcOf(seq));
        }

        public static Entry decode(byte[] b, int offset) {
            ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
            return new Entry(buf.getInt(offset), buf.getInt(offset + 24), buf.getInt(offset + 28));
        }

        /** The 32 bytes: the label is left erased (0xFF), as esp_ota_set_boot_partition leaves it. */
        public byte[] encode() {
            byte[] b = new byte[ENTRY_SIZE];
            Arrays.fill(b, (byte) 0xFF);
            ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(0, seq).putInt(24, state).putInt(28, crc);
            return b;
        }

        /** bootloader_common_ota_select_invalid: erased, or marked INVALID or ABORTED (its CRC not looked at). */
        public boolean invalid() {
            return seq == -1 || state == STATE_INVALID || state == STATE_ABORTED;
        }

        /** bootloader_common_ota_select_valid: not invalid, and the CRC matches. */
        public boolean valid() {
            return !invalid() && crc == crcOf(seq);
        }

        public boolean crcMatches() {
            return crc == crcOf(seq);
        }

        public Entry withState(int newState) {
            return new Entry(seq, newState, crc);
        }
    }

    /** {@code esp_rom_crc32_le(UINT32_MAX, &ota_seq, 4)}. */
    public static int crcOf(int seq) {
        return NvsCrc32.of(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(seq).array());
    }

    /** The partition as ESP-IDF's build writes it: all 0xFF, no entry valid. */
    public static byte[] initial(int partitionSize) {
        byte[] b = new byte[partitionSize];
        Arrays.fill(b, (byte) 0xFF);
        return b;
    }

    /** A partition image holding {@code first} and {@code second} (null: that copy erased). */
    public static byte[] of(Entry first, Entry second) {
        byte[] b = initial(PARTITION_SIZE);
        if (first != null) {
            System.arraycopy(first.encode(), 0, b, 0, ENTRY_SIZE);
        }
        if (second != null) {
            System.arraycopy(second.encode(), 0, b, COPY_STRIDE, ENTRY_SIZE);
        }
        return b;
    }
}
