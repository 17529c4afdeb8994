package dev.espfleet.nvs;

import static dev.espfleet.nvs.NvsLayout.*;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;

/**
 * NVS encryption: each written 32-byte entry is one XTS-AES-256 data unit whose tweak is the entry's
 * offset in the partition (little-endian, 16 bytes) (IEEE 1619; ESP-IDF "NVS Encryption"). Page headers
 * and entry-state bitmaps stay in clear, as do entries never written (0xFF).
 */
public final class NvsEncryption {
    private static final int AES_BLOCK = 16;
    /** x^128 + x^7 + x^2 + x + 1: the low byte fed back when doubling the tweak (IEEE 1619 5.2). */
    private static final int GF_FEEDBACK = 0x87;

    private final Cipher dataCipher;
    private final Cipher tweakCipher;

    private NvsEncryption(NvsEncryptionKeys keys, boolean encrypt) {
        try {
            dataCipher = Cipher.getInstance("AES/ECB/NoPadding");
            dataCipher.init(encrypt ? Cipher.ENCRYPT_MODE : Cipher.DECRYPT_MODE,
                    new SecretKeySpec(keys.encryptionKey(), "AES"));
            tweakCipher = Cipher.getInstance("AES/ECB/NoPadding");
            tweakCipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(keys.tweakKey(), "AES"));
        } catch (GeneralSecurityException e) {
            throw new EspfleetException(ExitStatus.INTERNAL, "AES unavailable: " + e.getMessage(), null, e);
        }
    }

    /** Encrypts, in place, every entry the bitmaps mark written. */
    public static void encryptWrittenEntries(byte[] image, NvsEncryptionKeys keys) {
        new NvsEncryption(keys, true).transformWrittenEntries(image);
    }

    /** Decrypts, in place, every entry the bitmaps mark written. */
    public static void decryptWrittenEntries(byte[] image, NvsEncryptionKeys keys) {
        new NvsEncryption(keys, false).transformWrittenEntries(image);
    }

    private void transformWrittenEntries(byte[] image) {
        ByteBuffer buf = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        for (int page = 0; page < image.length / PAGE_SIZE; page++) {
            int state = buf.getInt(page * PAGE_SIZE + PAGE_STATE_OFFSET);
            if (state == PAGE_STATE_EMPTY) {
                continue;
            }
            for (int entry = 0; entry < ENTRIES_PER_PAGE; entry++) {
                if (NvsPartitionReader.entryState(image, page, entry) != ENTRY_STATE_EMPTY) {
                    transform(image, entryOffset(page, entry));
                }
            }
        }
    }

    /** One 32-byte data unit at {@code offset} (which is also its tweak). */
    void transform(byte[] image, int offset) {
        try {
            byte[] tweak = new byte[AES_BLOCK];
            ByteBuffer.wrap(tweak).order(ByteOrder.LITTLE_ENDIAN).putLong(offset);
            byte[] t = tweakCipher.doFinal(tweak);
            byte[] block = new byte[AES_BLOCK];
            for (int b = 0; b < ENTRY_SIZE / AES_BLOCK; b++) {
                int at = offset + b * AES_BLOCK;
                for (int i = 0; i < AES_BLOCK; i++) {
                    block[i] = (byte) (image[at + i] ^ t[i]);
                }
                byte[] out = dataCipher.doFinal(block);
                for (int i = 0; i < AES_BLOCK; i++) {
                    image[at + i] = (byte) (out[i] ^ t[i]);
                }
                multiplyByAlpha(t);
            }
        } catch (GeneralSecurityException e) {
            throw new EspfleetException(ExitStatus.INTERNAL, "AES failed: " + e.getMessage(), null, e);
        }
    }

    /** Doubles the tweak in GF(2^128), byte 0 least significant. */
    private static void multiplyByAlpha(byte[] t) {
        int carry = 0;
        for (int i = 0; i < AES_BLOCK; i++) {
            int next = (t[i] >> 7) & 1;
            t[i] = (byte) ((t[i] << 1) | carry);
            carry = next;
        }
        if (carry != 0) {
            t[0] ^= GF_FEEDBACK;
        }
    }
}
