/*
 * A reader of NVS partition images (ESP-IDF "Non-Volatile Storage Library", section "Internals"),
 * written independently of espfleet's Java writer so that each checks the other.
 *
 * Pure: it parses bytes already in memory and prints nothing; problems are counted in the result.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Item types, the values stored in an entry's type byte. */
enum {
    NVS_IMAGE_TYPE_U8 = 0x01,
    NVS_IMAGE_TYPE_I8 = 0x11,
    NVS_IMAGE_TYPE_U16 = 0x02,
    NVS_IMAGE_TYPE_I16 = 0x12,
    NVS_IMAGE_TYPE_U32 = 0x04,
    NVS_IMAGE_TYPE_I32 = 0x14,
    NVS_IMAGE_TYPE_U64 = 0x08,
    NVS_IMAGE_TYPE_I64 = 0x18,
    NVS_IMAGE_TYPE_SZ = 0x21,
    NVS_IMAGE_TYPE_BLOB_V1 = 0x41, /* format version 1: one entry run holds the whole blob */
    NVS_IMAGE_TYPE_BLOB_DATA = 0x42,
    NVS_IMAGE_TYPE_BLOB_IDX = 0x48,
};

/* One readable value: a primitive (its little-endian bits in `number`), a string or a whole blob. */
typedef struct {
    char namespace_name[16];
    char key[16];
    uint8_t type;           /* SZ, BLOB_V1 for any blob (chunks are joined), or a primitive type */
    uint64_t number;
    unsigned char *data;    /* SZ: including its NUL; blobs: the bytes; NULL for primitives */
    size_t length;
} nvs_image_item_t;

typedef struct {
    nvs_image_item_t *items;
    size_t count;
    int pages_used;         /* active or full pages with a valid header */
    int bad_page_headers;   /* header CRC mismatch: the page is skipped, as ESP-IDF does */
    int bad_entries;        /* entry or data CRC mismatch, or an impossible span: skipped */
    char namespaces[255][16]; /* by index; "" when not defined */
} nvs_image_t;

/* Parses `size` bytes (a multiple of 4096). Returns false only when out of memory or the size is wrong. */
bool nvs_image_parse(const unsigned char *bytes, size_t size, nvs_image_t *out);

/* The item with this namespace and key, or NULL. */
const nvs_image_item_t *nvs_image_find(const nvs_image_t *image, const char *namespace_name, const char *key);

/* True when some item lives in this namespace (or the namespace is defined). */
bool nvs_image_has_namespace(const nvs_image_t *image, const char *namespace_name);

void nvs_image_free(nvs_image_t *image);

/* CRC32 as NVS computes it: esp_rom_crc32_le(0xFFFFFFFF, ...), i.e. zlib's crc32(data, 0xFFFFFFFF). */
uint32_t nvs_image_crc32(uint32_t crc, const unsigned char *data, size_t length);

/*
 * Writes `count` items (SZ, BLOB_V1 for a blob, or a primitive type) and the namespaces they may use (index i
 * of `namespaces` is namespace i + 1; a namespace without items is written too) as a fresh NVS partition of
 * format version 2 into `out` (`size` bytes, a multiple of 4096): pages filled in order with sequence numbers
 * 0, 1, 2..., FULL but the last written one (ACTIVE), each item on one page (a blob in BLOB_DATA chunks across
 * pages, with its BLOB_IDX), the rest erased (0xFF), and at least one empty page left as ESP-IDF needs for its
 * garbage collection. False (and `out` erased) when they do not fit.
 */
bool nvs_image_write(const nvs_image_item_t *items, size_t count, const char (*namespaces)[16], int namespace_count,
                     unsigned char *out, size_t size);
