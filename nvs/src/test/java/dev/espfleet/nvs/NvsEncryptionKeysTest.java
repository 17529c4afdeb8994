package dev.espfleet.nvs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.common.EspfleetException;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

class NvsEncryptionKeysTest {
    /** Expected values from Python's hmac/hashlib/zlib with the HMAC key 00 01 .. 1f. */
    @Test
    void derivesKeysFromHmacKeyAsEspIdfDoes() {
        byte[] hmacKey = new byte[32];
        for (int i = 0; i < hmacKey.length; i++) {
            hmacKey[i] = (byte) i;
        }
        byte[] partition = NvsEncryptionKeys.fromHmacKey(hmacKey).toKeyPartition();
        HexFormat hex = HexFormat.of();
        assertEquals("813a141220ddb819f4d73d59fa3032ab9f592cc26a18cf1fde692f712b6a025c", hex.formatHex(partition, 0, 32));
        assertEquals("b20ad6b6ddd1658a6e14d1b5b726e42356adf4ff2f68fcd8826ac2908408addf", hex.formatHex(partition, 32, 64));
        assertEquals("df5135db", hex.formatHex(partition, 64, 68)); // CRC 0xdb3551df, little-endian
    }

    @Test
    void rejectsKeyPartitionWithBadCrc() {
        byte[] partition = NvsEncryptionKeys.fromHmacKey(new byte[32]).toKeyPartition();
        partition[3] ^= 1;
        EspfleetException e = assertThrows(EspfleetException.class, () -> NvsEncryptionKeys.fromKeyPartition(partition));
        assertTrue(e.getMessage().startsWith("NVS key partition CRC is 0x"), e.getMessage());
    }

    @Test
    void wrongKeyIsReportedAsACrcMismatchWithAHint() {
        byte[] image = NvsPartitionWriter.write(java.util.List.of(NvsEntry.string("n", "k", "v")), 0x3000, NvsVersion.V2,
                NvsEncryptionKeys.fromHmacKey(new byte[32]));
        EspfleetException e = assertThrows(EspfleetException.class,
                () -> NvsPartitionReader.read(image, NvsEncryptionKeys.fromHmacKey(new byte[] {
                    1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})));
        assertEquals("is this the right key?", e.hint().orElseThrow());
    }
}
