/*
 * Host build: ESP-IDF v5.x esp_rom_crc.h subset (component esp_rom). The ROM's CRC functions invert the CRC
 * on the way in and out ("a ~ at the beginning and the end"): esp_rom_crc32_le(0, buf, len) is the usual
 * CRC-32 (zlib's crc32(0, buf, len), IEEE 802.3), and a result can be passed back in to go on over more data.
 * esp_rom_crc32_le(UINT32_MAX, ...) is what NVS and otadata use (register starting at 0).
 */
#pragma once

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* CRC-32, polynomial 0x04C11DB7 reflected (0xEDB88320), little-endian. */
uint32_t esp_rom_crc32_le(uint32_t crc, uint8_t const *buf, uint32_t len);

#ifdef __cplusplus
}
#endif
