/*
 * esp_rom_crc32_le as the ESP32 ROM computes it (esp_rom_crc.h: the CRC is inverted on the way in and out), for
 * the fakes and the runtime: esp_rom_crc32_le(0, "123456789", 9) == 0xCBF43926 (zlib's crc32), and
 * esp_rom_crc32_le(UINT32_MAX, ...) is NVS's and otadata's CRC (register from 0, result inverted).
 */
#include "esp_rom_crc.h"

uint32_t esp_rom_crc32_le(uint32_t crc, uint8_t const *buf, uint32_t len)
{
    static uint32_t table[256];
    static int ready;
    if (!ready) {
        for (uint32_t n = 0; n < 256; n++) {
            uint32_t c = n;
            for (int k = 0; k < 8; k++) {
                c = (c & 1) ? (c >> 1) ^ 0xEDB88320u : c >> 1;
            }
            table[n] = c;
        }
        ready = 1; /* benign if two threads fill it at once: both write the same values */
    }
    uint32_t reg = ~crc;
    for (uint32_t i = 0; i < len; i++) {
        reg = table[(reg ^ buf[i]) & 0xFFu] ^ (reg >> 8);
    }
    return ~reg;
}
