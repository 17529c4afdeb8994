/*
 * NVS encryption on the host (shared/nvs_sec.c): the XTS-AES-256 of ESP-IDF's encrypted NVS partitions, and the
 * default key-protection scheme the build's sdkconfig names (CONFIG_NVS_SEC_KEY_PROTECT_USING_FLASH_ENC: keys in the
 * nvs_keys partition; _USING_HMAC: keys derived from an eFuse HMAC key). Where the nvs_keys partition and the eFuse
 * key blocks are is each build's (the runtime: the flash file; the fakes: memory).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nvs_flash.h"

/* The nvs_keys partition's size (ESP-IDF: one 4 KB sector) and layout: eky[32], tky[32], CRC32 of the 64 bytes. */
#define HOST_NVS_KEYS_PARTITION_SIZE 4096

/*
 * Encrypts (or decrypts) in place every entry of an NVS image that its page's entry-state bitmap marks as not
 * empty: one XTS-AES-256 data unit of 32 bytes, the entry's offset in the partition as its tweak (ESP-IDF "NVS
 * Encryption"). Page headers, bitmaps and erased entries stay as they are. False when OpenSSL fails.
 */
bool host_nvs_xts(unsigned char *image, size_t size, const nvs_sec_cfg_t *keys, bool encrypt);

/* Supplied by each build: reads (or writes) the whole nvs_keys partition; false when the table has none. */
bool host_nvs_keys_partition(unsigned char bytes[HOST_NVS_KEYS_PARTITION_SIZE], bool write);

/* Supplied by each build: reads eFuse key block `block` (0..5) when it holds an HMAC key (true), or burns `key`
 * into it (`burn`; false when the block is already used). */
bool host_efuse_hmac_key(int block, uint8_t key[32], bool burn);

/* Both schemes, whatever the build's sdkconfig chose: a test may register either. */
extern nvs_sec_scheme_t host_nvs_scheme_flash_enc;
extern nvs_sec_scheme_t host_nvs_scheme_hmac;
