package dev.espfleet.nvs;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The XTS-AES-256 key pair of NVS encryption, and the {@code nvs_keys} partition that stores it (ESP-IDF
 * "NVS Encryption": 32-byte encryption key, 32-byte tweak key, CRC32 of those 64 bytes, the rest of the
 * 4096-byte page erased).
 */
public final class NvsEncryptionKeys {
    public static final int KEY_SIZE = 32;
    public static final int KEY_PARTITION_SIZE = 4096;
    private static final int CRC_OFFSET = 2 * KEY_SIZE;
    // HMAC-based scheme: keys = HMAC-SHA256(hmac key, seed element repeated 8 times) (ESP-IDF nvs_sec_provider)
    private static final byte[] HMAC_ENCRYPTION_KEY_SEED = {0x5A, 0x5A, (byte) 0xBE, (byte) 0xAE};
    private static final byte[] HMAC_TWEAK_KEY_SEED = {(byte) 0xA5, (byte) 0xA5, (byte) 0xDE, (byte) 0xCE};
    private static final int HMAC_SEED_REPEAT = 8;

    private final byte[] encryptionKey;
    private final byte[] tweakKey;

    public NvsEncryptionKeys(byte[] encryptionKey, byte[] tweakKey) {
        if (encryptionKey.length != KEY_SIZE || tweakKey.length != KEY_SIZE) {
            throw new IllegalArgumentException("NVS keys are " + KEY_SIZE + " bytes each, got "
                    + encryptionKey.length + " and " + tweakKey.length);
        }
        this.encryptionKey = encryptionKey.clone();
        this.tweakKey = tweakKey.clone();
    }

    /** Fresh keys from a CSPRNG. */
    public static NvsEncryptionKeys generate(SecureRandom random) {
        byte[] k = new byte[2 * KEY_SIZE];
        random.nextBytes(k);
        return fromBytes(k);
    }

    /** Keys derived from an HMAC key as ESP-IDF's HMAC-based key protection scheme derives them. */
    public static NvsEncryptionKeys fromHmacKey(byte[] hmacKey) {
        if (hmacKey.length != KEY_SIZE) {
            throw new EspfleetException(ExitStatus.BAD_INPUT,
                    "HMAC key is " + hmacKey.length + " bytes, expected " + KEY_SIZE);
        }
        return new NvsEncryptionKeys(hmac(hmacKey, HMAC_ENCRYPTION_KEY_SEED), hmac(hmacKey, HMAC_TWEAK_KEY_SEED));
    }

    /** The first 64 bytes: encryption key then tweak key (the layout of --inputkey files). */
    public static NvsEncryptionKeys fromBytes(byte[] keys) {
        if (keys.length < 2 * KEY_SIZE) {
            throw new EspfleetException(ExitStatus.BAD_INPUT,
                    "NVS key file holds " + keys.length + " bytes, expected at least " + 2 * KEY_SIZE);
        }
        return new NvsEncryptionKeys(Arrays.copyOfRange(keys, 0, KEY_SIZE), Arrays.copyOfRange(keys, KEY_SIZE, 2 * KEY_SIZE));
    }

    /** Keys from an {@code nvs_keys} partition image, checking its CRC. */
    public static NvsEncryptionKeys fromKeyPartition(byte[] partition) {
        NvsEncryptionKeys keys = fromBytes(partition);
        if (partition.length >= CRC_OFFSET + 4) {
            int stored = ByteBuffer.wrap(partition).order(ByteOrder.LITTLE_ENDIAN).getInt(CRC_OFFSET);
            int computed = NvsCrc32.of(partition, 0, CRC_OFFSET);
            if (stored != computed) {
                throw new EspfleetException(ExitStatus.BAD_INPUT, String.format(
                        "NVS key partition CRC is 0x%08x at offset 0x%x, computed 0x%08x", stored, CRC_OFFSET, computed),
                        "is this an nvs_keys partition (from 'espfleet nvs keygen')?");
            }
        }
        return keys;
    }

    /** The 4096-byte {@code nvs_keys} partition holding these keys. */
    public byte[] toKeyPartition() {
        byte[] p = new byte[KEY_PARTITION_SIZE];
        Arrays.fill(p, (byte) 0xFF);
        System.arraycopy(encryptionKey, 0, p, 0, KEY_SIZE);
        System.arraycopy(tweakKey, 0, p, KEY_SIZE, KEY_SIZE);
        ByteBuffer.wrap(p).order(ByteOrder.LITTLE_ENDIAN).putInt(CRC_OFFSET, NvsCrc32.of(p, 0, CRC_OFFSET));
        return p;
    }

    byte[] encryptionKey() {
        return encryptionKey.clone();
    }

    byte[] tweakKey() {
        return tweakKey.clone();
    }

    private static byte[] hmac(byte[] key, byte[] seedElement) {
        byte[] seed = new byte[seedElement.length * HMAC_SEED_REPEAT];
        for (int i = 0; i < HMAC_SEED_REPEAT; i++) {
            System.arraycopy(seedElement, 0, seed, i * seedElement.length, seedElement.length);
        }
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return mac.doFinal(seed);
        } catch (GeneralSecurityException e) {
            throw new EspfleetException(ExitStatus.INTERNAL, "HmacSHA256 unavailable: " + e.getMessage(), null, e);
        }
    }
}
