/*
 * Where the runtime's NVS partitions come from: image files (--nvs LABEL=FILE), or the NVS partitions of a
 * whole flash file (--flash FILE: what the simulated chip's flash holds), found through its partition table,
 * read by the NVS format reader (shared/nvs_image.c) when the firmware first initialises the partition.
 * Everything nvs.h and nvs_flash.h do is shared/nvs_store.c, as for the fakes. Writes to a partition of a flash
 * file go back into the file at the partition's offset (the whole partition, rewritten as a fresh NVS image by
 * shared/nvs_image.c: what ESP-IDF would read back, not the page-by-page history ESP-IDF's own writes leave);
 * writes to an image file (--nvs) live in memory only, so a unit's identity.bin is never changed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esp_log.h"
#include "nvs.h"

#include "nvs_image.h"
#include "nvs_sec.h"
#include "nvs_store.h"
#include "runtime.h"

#define MAX_IMAGES 8

static const char *TAG = "host_nvs";

typedef struct {
    char label[NVS_PART_NAME_MAX_SIZE + 1];
    char path[512];
    long offset; /* where the partition starts in the file: 0 for an image file */
    long size;   /* its size; 0: the whole file */
} image_t;

static image_t s_images[MAX_IMAGES];
static int s_image_count;

bool runtime_nvs_add_image(const char *label, const char *path)
{
    if (s_image_count == MAX_IMAGES || strlen(label) > NVS_PART_NAME_MAX_SIZE
        || strlen(path) >= sizeof(s_images[0].path) || !host_nvs_add_partition(label)) {
        return false;
    }
    image_t *image = &s_images[s_image_count++];
    snprintf(image->label, sizeof(image->label), "%s", label);
    snprintf(image->path, sizeof(image->path), "%s", path);
    image->offset = 0;
    image->size = 0;
    return true;
}

/* ESP-IDF's partition table (esp_flash_partitions.h): 32-byte entries, magic 0x50AA (bytes AA 50), type,
 * subtype, offset, size, label[16], flags; an MD5 entry (EB EB) and 0xFF end it. */
#define PARTITION_ENTRY_SIZE 32
#define PARTITION_TABLE_MAX 0xC00
#define PARTITION_TYPE_DATA 0x01
#define PARTITION_SUBTYPE_NVS 0x02
#define PARTITION_SUBTYPE_NVS_KEYS 0x04

/* The flash file's nvs_keys partition (the flash-encryption-based NVS key scheme), when its table has one. */
static char s_keys_path[512];
static long s_keys_offset = -1;
static bool s_flash_used;
static char s_flash_path[512];
/* Without a flash file (--nvs images): an nvs_keys partition in memory, erased at start, as --nvs writes are. */
static unsigned char s_keys_memory[HOST_NVS_KEYS_PARTITION_SIZE];
static bool s_keys_memory_written;

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

const char *runtime_nvs_use_flash(const char *path, long table_offset)
{
    static char problem[600];
    s_flash_used = true;
    snprintf(s_flash_path, sizeof(s_flash_path), "%s", path);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        snprintf(problem, sizeof(problem), "cannot open the flash file %s", path);
        return problem;
    }
    unsigned char table[PARTITION_TABLE_MAX];
    size_t got = fseek(f, table_offset, SEEK_SET) == 0 ? fread(table, 1, sizeof(table), f) : 0;
    fclose(f);
    if (got != sizeof(table)) {
        snprintf(problem, sizeof(problem), "%s has no partition table at 0x%lx (the file is too short)", path,
                 table_offset);
        return problem;
    }
    int found = 0;
    for (size_t at = 0; at + PARTITION_ENTRY_SIZE <= sizeof(table); at += PARTITION_ENTRY_SIZE) {
        const unsigned char *e = table + at;
        if (e[0] != 0xAA || e[1] != 0x50) {
            break; /* the MD5 entry (EB EB) or the end (FF FF) */
        }
        if (e[2] == PARTITION_TYPE_DATA && e[3] == PARTITION_SUBTYPE_NVS_KEYS
            && le32(e + 8) >= HOST_NVS_KEYS_PARTITION_SIZE && s_keys_offset < 0) {
            snprintf(s_keys_path, sizeof(s_keys_path), "%s", path);
            s_keys_offset = (long)le32(e + 4);
            continue;
        }
        if (e[2] != PARTITION_TYPE_DATA || e[3] != PARTITION_SUBTYPE_NVS) {
            continue;
        }
        char label[NVS_PART_NAME_MAX_SIZE + 1];
        memcpy(label, e + 12, NVS_PART_NAME_MAX_SIZE);
        label[NVS_PART_NAME_MAX_SIZE] = '\0';
        if (!runtime_nvs_add_image(label, path)) {
            snprintf(problem, sizeof(problem), "too many NVS partitions in %s", path);
            return problem;
        }
        s_images[s_image_count - 1].offset = (long)le32(e + 4);
        s_images[s_image_count - 1].size = (long)le32(e + 8);
        found++;
    }
    if (found == 0 && (table[0] != 0xAA || table[1] != 0x50)) {
        snprintf(problem, sizeof(problem), "%s has no partition table at 0x%lx (it starts %02x %02x)", path,
                 table_offset, table[0], table[1]);
        return problem;
    }
    return NULL;
}

/* The partition's bytes: the whole image file, or `size` bytes at `offset` of a flash file. */
static unsigned char *read_file(const char *path, long offset, long size_wanted, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    unsigned char *bytes = NULL;
    long length = -1;
    if (fseek(f, 0, SEEK_END) == 0 && (length = ftell(f)) > 0 && size_wanted > 0) {
        length = offset + size_wanted <= length ? size_wanted : -1;
    }
    if (length > 0 && fseek(f, offset, SEEK_SET) == 0) {
        bytes = malloc((size_t)length);
        if (bytes != NULL && fread(bytes, 1, (size_t)length, f) != (size_t)length) {
            free(bytes);
            bytes = NULL;
        }
    }
    fclose(f);
    *size = length > 0 ? (size_t)length : 0;
    return bytes;
}

/* The partition's flash contents: its image's items (nothing when it has no image). */
esp_err_t host_nvs_load(const char *label)
{
    const image_t *image = NULL;
    for (int i = 0; i < s_image_count; i++) {
        if (strcmp(s_images[i].label, label) == 0) {
            image = &s_images[i];
        }
    }
    if (image == NULL) {
        return ESP_OK;
    }
    size_t size = 0;
    unsigned char *bytes = read_file(image->path, image->offset, image->size, &size);
    if (bytes == NULL) {
        ESP_LOGE(TAG, "cannot read NVS partition '%s' from %s (0x%lx bytes at 0x%lx)", label, image->path,
                 image->size, image->offset);
        return ESP_ERR_NVS_PART_NOT_FOUND;
    }
    nvs_sec_cfg_t keys;
    if (host_nvs_partition_keys(label, &keys) && !host_nvs_xts(bytes, size, &keys, false)) {
        ESP_LOGE(TAG, "cannot decrypt NVS partition '%s' (XTS-AES)", label);
        free(bytes);
        return ESP_ERR_NVS_INVALID_STATE;
    }
    memset(&keys, 0, sizeof(keys));
    nvs_image_t parsed;
    bool ok = nvs_image_parse(bytes, size, &parsed);
    free(bytes);
    if (!ok) {
        ESP_LOGE(TAG, "%s is not an NVS partition image (%u bytes, expected a multiple of 4096)", image->path,
                 (unsigned)size);
        return ESP_ERR_NVS_INVALID_STATE;
    }
    if (parsed.bad_page_headers > 0 || parsed.bad_entries > 0) {
        ESP_LOGW(TAG, "%s: %d page header(s) and %d entr(ies) failed their CRC and were skipped", image->path,
                 parsed.bad_page_headers, parsed.bad_entries);
    }
    for (int n = 1; n < 255 && ok; n++) {
        ok = parsed.namespaces[n][0] == '\0' || host_nvs_add_namespace(label, parsed.namespaces[n]);
    }
    for (size_t i = 0; i < parsed.count && ok; i++) {
        ok = host_nvs_put(label, &parsed.items[i]);
    }
    if (image->size > 0) {
        ESP_LOGI(TAG, "partition '%s' from %s at 0x%lx: %d page(s), %u item(s)", label, image->path, image->offset,
                 parsed.pages_used, (unsigned)parsed.count);
    } else {
        ESP_LOGI(TAG, "partition '%s' from %s: %d page(s), %u item(s)", label, image->path, parsed.pages_used,
                 (unsigned)parsed.count);
    }
    nvs_image_free(&parsed);
    return ok ? ESP_OK : ESP_ERR_NO_MEM;
}

void host_nvs_changed(const char *label)
{
    const image_t *image = NULL;
    for (int i = 0; i < s_image_count; i++) {
        if (strcmp(s_images[i].label, label) == 0 && s_images[i].size > 0) {
            image = &s_images[i];
        }
    }
    if (image == NULL) {
        return;
    }
    unsigned char *bytes = malloc((size_t)image->size);
    if (bytes == NULL) {
        ESP_LOGE(TAG, "no memory to write NVS partition '%s' back to %s", label, image->path);
        return;
    }
    if (!host_nvs_serialize(label, bytes, (size_t)image->size)) {
        ESP_LOGE(TAG, "NVS partition '%s' no longer fits its %ld bytes: not written to %s", label, image->size,
                 image->path);
        free(bytes);
        return;
    }
    nvs_sec_cfg_t keys;
    if (host_nvs_partition_keys(label, &keys) && !host_nvs_xts(bytes, (size_t)image->size, &keys, true)) {
        ESP_LOGE(TAG, "cannot encrypt NVS partition '%s': not written to %s", label, image->path);
        free(bytes);
        return;
    }
    memset(&keys, 0, sizeof(keys));
    FILE *f = fopen(image->path, "r+b");
    bool ok = f != NULL && fseek(f, image->offset, SEEK_SET) == 0
              && fwrite(bytes, 1, (size_t)image->size, f) == (size_t)image->size;
    if (f != NULL) {
        ok = fclose(f) == 0 && ok;
    }
    if (!ok) {
        ESP_LOGE(TAG, "cannot write NVS partition '%s' back to %s at 0x%lx", label, image->path, image->offset);
    }
    free(bytes);
}

/* The nvs_keys partition of the flash file. On the chip it is flash-encrypted; the simulated flash has no flash
 * encryption, so its keys lie in plain in the file (docs/nvs-encryption.md, "What the simulator models"). */
bool host_nvs_keys_partition(unsigned char bytes[HOST_NVS_KEYS_PARTITION_SIZE], bool write)
{
    if (!s_flash_used) {
        if (write) {
            memcpy(s_keys_memory, bytes, sizeof(s_keys_memory));
            s_keys_memory_written = true;
        } else if (s_keys_memory_written) {
            memcpy(bytes, s_keys_memory, sizeof(s_keys_memory));
        } else {
            memset(bytes, 0xFF, HOST_NVS_KEYS_PARTITION_SIZE);
        }
        return true;
    }
    if (s_keys_offset < 0) {
        return false;
    }
    FILE *f = fopen(s_keys_path, write ? "r+b" : "rb");
    bool ok = f != NULL && fseek(f, s_keys_offset, SEEK_SET) == 0;
    if (ok) {
        ok = write ? fwrite(bytes, 1, HOST_NVS_KEYS_PARTITION_SIZE, f) == HOST_NVS_KEYS_PARTITION_SIZE
                   : fread(bytes, 1, HOST_NVS_KEYS_PARTITION_SIZE, f) == HOST_NVS_KEYS_PARTITION_SIZE;
    }
    if (f != NULL) {
        ok = fclose(f) == 0 && ok;
    }
    if (!ok) {
        ESP_LOGE(TAG, "cannot %s the nvs_keys partition of %s at 0x%lx", write ? "write" : "read", s_keys_path,
                 s_keys_offset);
    }
    return ok;
}

/*
 * The eFuse key blocks an HMAC key may be burned into: six of 32 bytes. With a flash file they are kept beside it
 * (FILE.efuse: per block a used byte and the key), so a chip that burned its key finds it at its next boot as a real
 * one does; without one, in the run's memory.
 */
#define EFUSE_KEY_BLOCKS 6
#define EFUSE_RECORD (1 + 32)

static bool efuse_path(char *path, size_t size)
{
    return s_flash_used && snprintf(path, size, "%s.efuse", s_flash_path) < (int)size;
}

static uint8_t s_efuse[EFUSE_KEY_BLOCKS][EFUSE_RECORD];
static bool s_efuse_read;

static void efuse_load(void)
{
    char path[600];
    if (s_efuse_read) {
        return;
    }
    s_efuse_read = true;
    FILE *f = efuse_path(path, sizeof(path)) ? fopen(path, "rb") : NULL;
    if (f != NULL) {
        if (fread(s_efuse, 1, sizeof(s_efuse), f) != sizeof(s_efuse)) {
            memset(s_efuse, 0, sizeof(s_efuse));
        }
        fclose(f);
    }
}

static bool efuse_store(void)
{
    char path[600];
    if (!efuse_path(path, sizeof(path))) {
        return true;
    }
    FILE *f = fopen(path, "wb");
    bool ok = f != NULL && fwrite(s_efuse, 1, sizeof(s_efuse), f) == sizeof(s_efuse);
    if (f != NULL) {
        ok = fclose(f) == 0 && ok;
    }
    if (!ok) {
        ESP_LOGE(TAG, "cannot write the simulated eFuse to %s", path);
    }
    return ok;
}

bool host_efuse_hmac_key(int block, uint8_t key[32], bool burn)
{
    if (block < 0 || block >= EFUSE_KEY_BLOCKS) {
        return false;
    }
    efuse_load();
    uint8_t *record = s_efuse[block];
    if (burn) {
        if (record[0] != 0) {
            return false;
        }
        record[0] = 1;
        memcpy(record + 1, key, 32);
        return efuse_store();
    }
    if (record[0] != 0) {
        memcpy(key, record + 1, 32);
    }
    return record[0] != 0;
}
