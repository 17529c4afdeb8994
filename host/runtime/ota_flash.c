/*
 * Partitions and OTA slots of the flash file (--flash FILE): esp_partition_find_first/read and app_update's
 * esp_ota_* as ESP-IDF v5.5's esp_ota_ops.c does them, on the same bytes the simulated chip's bootloader reads
 * (flasher's SimBootloader): two esp_ota_select_entry_t copies in otadata (ota_seq, seq_label, ota_state, crc =
 * esp_rom_crc32_le(UINT32_MAX, &ota_seq, 4)), one per 4 KB sector, the valid one with the higher ota_seq naming
 * the slot (ota_seq - 1) % slots. Images are checked as esp_image_verify does (magic, chip id, segments, checksum,
 * appended SHA-256). The running slot is --app-partition (what the bootloader loaded), else the first app slot.
 * Without --flash there are no partitions: esp_ota_get_running_partition() is NULL and OTA calls fail.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "esp_log.h"
#include "esp_ota_ops.h"
#include "esp_partition.h"
#include "esp_rom_crc.h"
#include "esp_system.h"
#include "mbedtls/sha256.h"

#include "runtime.h"

static const char *TAG = "host_ota";

#define MAX_PARTITIONS 16
#define PARTITION_ENTRY_SIZE 32
#define PARTITION_TABLE_MAX 0xC00
#define OTADATA_SECTOR 0x1000
#define OTA_SELECT_ENTRY_SIZE 32
#define IMAGE_MAGIC 0xE9
#define IMAGE_HEADER_SIZE 24
#define SEGMENT_HEADER_SIZE 8
#define APP_DESC_OFFSET (IMAGE_HEADER_SIZE + SEGMENT_HEADER_SIZE)
#define CHECKSUM_SEED 0xEF

static char s_path[512];
static esp_partition_t s_partitions[MAX_PARTITIONS];
static int s_count;
static const esp_partition_t *s_running;
static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;

typedef struct {
    uint32_t seq;
    uint32_t state;
    uint32_t crc;
} ota_entry_t;

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_le32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

const char *runtime_ota_use_flash(const char *path, long table_offset, const char *app_partition)
{
    static char problem[600];
    snprintf(s_path, sizeof(s_path), "%s", path);
    int fd = open(path, O_RDONLY);
    unsigned char table[PARTITION_TABLE_MAX];
    ssize_t got = fd >= 0 ? pread(fd, table, sizeof(table), table_offset) : -1;
    if (fd >= 0) {
        close(fd);
    }
    if (got != (ssize_t)sizeof(table)) {
        snprintf(problem, sizeof(problem), "cannot read the partition table of %s", path);
        return problem;
    }
    for (size_t at = 0; at + PARTITION_ENTRY_SIZE <= sizeof(table) && s_count < MAX_PARTITIONS;
         at += PARTITION_ENTRY_SIZE) {
        const unsigned char *e = table + at;
        if (e[0] != 0xAA || e[1] != 0x50) {
            break;
        }
        esp_partition_t *p = &s_partitions[s_count++];
        p->type = (esp_partition_type_t)e[2];
        p->subtype = (esp_partition_subtype_t)e[3];
        p->address = le32(e + 4);
        p->size = le32(e + 8);
        p->erase_size = OTADATA_SECTOR;
        memcpy(p->label, e + 12, 16);
        p->label[16] = '\0';
        p->encrypted = (le32(e + 28) & 1) != 0;
    }
    for (int i = 0; i < s_count && s_running == NULL; i++) {
        const esp_partition_t *p = &s_partitions[i];
        if (p->type == ESP_PARTITION_TYPE_APP
            && (app_partition != NULL ? strcmp(p->label, app_partition) == 0
                                      : (p->subtype == ESP_PARTITION_SUBTYPE_APP_FACTORY
                                         || p->subtype == ESP_PARTITION_SUBTYPE_APP_OTA_0))) {
            s_running = p;
        }
    }
    if (app_partition != NULL && s_running == NULL) {
        snprintf(problem, sizeof(problem), "--app-partition %s: the partition table of %s has no such app partition",
                 app_partition, path);
        return problem;
    }
    return NULL;
}

const esp_partition_t *esp_partition_find_first(esp_partition_type_t type, esp_partition_subtype_t subtype,
                                                const char *label)
{
    for (int i = 0; i < s_count; i++) {
        const esp_partition_t *p = &s_partitions[i];
        if ((type == ESP_PARTITION_TYPE_ANY || p->type == type)
            && (subtype == ESP_PARTITION_SUBTYPE_ANY || p->subtype == subtype)
            && (label == NULL || strcmp(p->label, label) == 0)) {
            return p;
        }
    }
    return NULL;
}

esp_err_t esp_partition_read(const esp_partition_t *partition, size_t src_offset, void *dst, size_t size)
{
    if (partition == NULL || dst == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    if (src_offset > partition->size || size > partition->size - src_offset) {
        return ESP_ERR_INVALID_SIZE;
    }
    int fd = open(s_path, O_RDONLY);
    ssize_t got = fd >= 0 ? pread(fd, dst, size, (off_t)partition->address + (off_t)src_offset) : -1;
    if (fd >= 0) {
        close(fd);
    }
    return got == (ssize_t)size ? ESP_OK : ESP_FAIL;
}

/* Writes into the flash file (a NOR write can only clear bits; what is written here was erased first). */
static esp_err_t flash_write(uint32_t address, const void *data, size_t size)
{
    int fd = open(s_path, O_WRONLY);
    ssize_t put = fd >= 0 ? pwrite(fd, data, size, (off_t)address) : -1;
    if (fd >= 0) {
        close(fd);
    }
    return put == (ssize_t)size ? ESP_OK : ESP_FAIL;
}

static esp_err_t flash_erase(uint32_t address, size_t size)
{
    unsigned char ff[4096];
    memset(ff, 0xFF, sizeof(ff));
    for (size_t at = 0; at < size; at += sizeof(ff)) {
        esp_err_t err = flash_write(address + (uint32_t)at, ff, size - at < sizeof(ff) ? size - at : sizeof(ff));
        if (err != ESP_OK) {
            return err;
        }
    }
    return ESP_OK;
}

static int ota_slot_count(void)
{
    int n = 0;
    while (n < 16 && esp_partition_find_first(ESP_PARTITION_TYPE_APP,
                                              (esp_partition_subtype_t)(ESP_PARTITION_SUBTYPE_APP_OTA_0 + n), NULL)) {
        n++;
    }
    return n;
}

static const esp_partition_t *otadata_partition(void)
{
    return esp_partition_find_first(ESP_PARTITION_TYPE_DATA, ESP_PARTITION_SUBTYPE_DATA_OTA, NULL);
}

static uint32_t entry_crc(uint32_t seq)
{
    unsigned char b[4];
    put_le32(b, seq);
    return esp_rom_crc32_le(UINT32_MAX, b, sizeof(b));
}

static bool read_otadata(ota_entry_t e[2])
{
    const esp_partition_t *otadata = otadata_partition();
    if (otadata == NULL || otadata->size < 2 * OTADATA_SECTOR) {
        return false;
    }
    for (int i = 0; i < 2; i++) {
        unsigned char b[OTA_SELECT_ENTRY_SIZE];
        if (esp_partition_read(otadata, (size_t)i * OTADATA_SECTOR, b, sizeof(b)) != ESP_OK) {
            return false;
        }
        e[i].seq = le32(b);
        e[i].state = le32(b + 24);
        e[i].crc = le32(b + 28);
    }
    return true;
}

/* rewrite_ota_seq: copy `sector` gets `seq` (and `state`), its CRC; the sector is erased and written. */
static esp_err_t write_entry(int sector, uint32_t seq, uint32_t state)
{
    const esp_partition_t *otadata = otadata_partition();
    unsigned char b[OTA_SELECT_ENTRY_SIZE];
    memset(b, 0xFF, sizeof(b));
    put_le32(b, seq);
    put_le32(b + 24, state);
    put_le32(b + 28, entry_crc(seq));
    uint32_t at = otadata->address + (uint32_t)sector * OTADATA_SECTOR;
    esp_err_t err = flash_erase(at, OTADATA_SECTOR);
    return err == ESP_OK ? flash_write(at, b, sizeof(b)) : err;
}

/* bootloader_common_ota_select_invalid / _valid */
static bool entry_invalid(const ota_entry_t *e)
{
    return e->seq == UINT32_MAX || e->state == ESP_OTA_IMG_INVALID || e->state == ESP_OTA_IMG_ABORTED;
}

static bool entry_valid(const ota_entry_t *e)
{
    return !entry_invalid(e) && e->crc == entry_crc(e->seq);
}

/* bootloader_common_get_active_otadata: the valid copy with the higher ota_seq, copy 0 on a tie; -1: none. */
static int active_entry(const ota_entry_t e[2])
{
    bool v0 = entry_valid(&e[0]);
    bool v1 = entry_valid(&e[1]);
    if (v0 && v1) {
        return e[0].seq >= e[1].seq ? 0 : 1;
    }
    return v0 ? 0 : v1 ? 1 : -1;
}

static const esp_partition_t *ota_slot(int index)
{
    return esp_partition_find_first(ESP_PARTITION_TYPE_APP,
                                    (esp_partition_subtype_t)(ESP_PARTITION_SUBTYPE_APP_OTA_0 + index), NULL);
}

/* The image's chip id (esp_image_header_t.chip_id) for the build's target. */
static int target_chip_id(void)
{
    static const struct {
        const char *target;
        int id;
    } ids[] = {{"esp32", 0}, {"esp32s2", 2}, {"esp32c3", 5}, {"esp32s3", 9}, {"esp32c2", 12}, {"esp32c6", 13},
               {"esp32h2", 16}};
    for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
        if (strcmp(ids[i].target, CONFIG_IDF_TARGET) == 0) {
            return ids[i].id;
        }
    }
    return -1;
}

/* esp_image_verify: an app image at the start of `p` (or of its first `length` bytes); the problem, or NULL. */
static const char *verify_image(const esp_partition_t *p, size_t length)
{
    size_t size = length > 0 ? length : p->size;
    unsigned char *b = malloc(size);
    if (b == NULL) {
        return "no memory";
    }
    const char *problem = NULL;
    if (esp_partition_read(p, 0, b, size) != ESP_OK) {
        problem = "cannot read the image";
    } else if (b[0] != IMAGE_MAGIC) {
        problem = "invalid magic byte";
    } else if ((int)(b[12] | b[13] << 8) != target_chip_id()) {
        problem = "the image is for another chip";
    } else {
        size_t at = IMAGE_HEADER_SIZE;
        unsigned char checksum = CHECKSUM_SEED;
        for (int s = 0; s < b[1] && problem == NULL; s++) {
            if (at + SEGMENT_HEADER_SIZE > size) {
                problem = "the image ends inside a segment header";
                break;
            }
            uint32_t len = le32(b + at + 4);
            at += SEGMENT_HEADER_SIZE;
            if (len > size - at) {
                problem = "a segment runs past the end of the image";
                break;
            }
            for (uint32_t i = 0; i < len; i++) {
                checksum ^= b[at + i];
            }
            at += len;
        }
        if (problem == NULL) {
            at = (at + 16) & ~(size_t)15; /* padding, then the checksum in the last byte of a 16-byte block */
            if (at > size) {
                problem = "the image ends before its checksum";
            } else if (b[at - 1] != checksum) {
                problem = "checksum mismatch";
            } else if (b[23] == 1) {
                unsigned char digest[32];
                if (at + 32 > size) {
                    problem = "the image ends before its SHA-256";
                } else if (mbedtls_sha256(b, at, digest, 0) != 0 || memcmp(digest, b + at, 32) != 0) {
                    problem = "image hash failed - image is corrupt";
                }
            }
        }
    }
    free(b);
    return problem;
}

const esp_partition_t *esp_ota_get_running_partition(void)
{
    return s_running;
}

const esp_partition_t *esp_ota_get_boot_partition(void)
{
    ota_entry_t e[2];
    int slots = ota_slot_count();
    const esp_partition_t *factory = esp_partition_find_first(ESP_PARTITION_TYPE_APP,
                                                              ESP_PARTITION_SUBTYPE_APP_FACTORY, NULL);
    if (!read_otadata(e) || slots == 0) {
        return factory;
    }
    int active = active_entry(e);
    if (active < 0) {
        return factory != NULL ? factory : ota_slot(0);
    }
    return ota_slot((int)((e[active].seq - 1) % (uint32_t)slots));
}

const esp_partition_t *esp_ota_get_next_update_partition(const esp_partition_t *start_from)
{
    if (start_from == NULL) {
        start_from = esp_ota_get_running_partition();
    }
    const esp_partition_t *first = NULL;
    bool next = false;
    for (int i = 0; i < 16; i++) {
        const esp_partition_t *p = ota_slot(i);
        if (p == NULL) {
            continue;
        }
        if (first == NULL) {
            first = p;
        }
        if (next) {
            return p;
        }
        if (start_from != NULL && p->address == start_from->address) {
            next = true;
        }
    }
    return first;
}

esp_err_t esp_ota_get_partition_description(const esp_partition_t *partition, esp_app_desc_t *app_desc)
{
    if (partition == NULL || app_desc == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    unsigned char header[IMAGE_HEADER_SIZE];
    esp_err_t err = esp_partition_read(partition, 0, header, sizeof(header));
    if (err != ESP_OK) {
        return err;
    }
    if (header[0] != IMAGE_MAGIC) {
        return ESP_ERR_NOT_FOUND;
    }
    err = esp_partition_read(partition, APP_DESC_OFFSET, app_desc, sizeof(*app_desc));
    if (err == ESP_OK && app_desc->magic_word != ESP_APP_DESC_MAGIC_WORD) {
        return ESP_ERR_NOT_FOUND;
    }
    return err;
}

esp_err_t esp_ota_get_state_partition(const esp_partition_t *partition, esp_ota_img_states_t *ota_state)
{
    if (partition == NULL || ota_state == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    if (partition->type != ESP_PARTITION_TYPE_APP || partition->subtype < ESP_PARTITION_SUBTYPE_APP_OTA_0
        || partition->subtype >= ESP_PARTITION_SUBTYPE_APP_OTA_MAX) {
        return ESP_ERR_NOT_SUPPORTED;
    }
    ota_entry_t e[2];
    int slots = ota_slot_count();
    if (!read_otadata(e) || slots == 0) {
        return ESP_ERR_NOT_FOUND;
    }
    uint32_t wanted = (uint32_t)(partition->subtype - ESP_PARTITION_SUBTYPE_APP_OTA_0);
    int found = -1;
    for (int i = 0; i < 2; i++) {
        if (e[i].seq != UINT32_MAX && e[i].crc == entry_crc(e[i].seq) && (e[i].seq - 1) % (uint32_t)slots == wanted
            && (found < 0 || e[i].seq > e[found].seq)) {
            found = i;
        }
    }
    if (found < 0) {
        return ESP_ERR_NOT_FOUND;
    }
    *ota_state = (esp_ota_img_states_t)e[found].state;
    return ESP_OK;
}

/* The state a newly selected slot gets (set_new_state_otadata): NEW with app rollback, else UNDEFINED. */
static uint32_t new_state(void)
{
#ifdef CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE
    return ESP_OTA_IMG_NEW;
#else
    return ESP_OTA_IMG_UNDEFINED;
#endif
}

esp_err_t esp_ota_set_boot_partition(const esp_partition_t *partition)
{
    if (partition == NULL || partition->type != ESP_PARTITION_TYPE_APP) {
        return ESP_ERR_INVALID_ARG;
    }
    const char *problem = verify_image(partition, 0);
    if (problem != NULL) {
        ESP_LOGE(TAG, "esp_ota_set_boot_partition: %s: %s", partition->label, problem);
        return ESP_ERR_OTA_VALIDATE_FAILED;
    }
    const esp_partition_t *otadata = otadata_partition();
    if (otadata == NULL) {
        return ESP_ERR_NOT_FOUND;
    }
    pthread_mutex_lock(&s_lock);
    esp_err_t err;
    if (partition->subtype == ESP_PARTITION_SUBTYPE_APP_FACTORY) {
        err = flash_erase(otadata->address, otadata->size);
    } else {
        ota_entry_t e[2];
        uint32_t slots = (uint32_t)ota_slot_count();
        uint32_t id = (uint32_t)(partition->subtype - ESP_PARTITION_SUBTYPE_APP_OTA_0);
        if (!read_otadata(e) || slots == 0) {
            err = ESP_ERR_NOT_FOUND;
        } else {
            int active = active_entry(e);
            if (active >= 0) {
                /* esp_rewrite_ota_data: the smallest sequence past the active one that names the slot */
                uint32_t i = 0;
                while (e[active].seq > (id + 1) % slots + i * slots) {
                    i++;
                }
                err = write_entry(active == 0 ? 1 : 0, (id + 1) % slots + i * slots, new_state());
            } else {
                err = write_entry(0, id + 1, new_state());
            }
        }
    }
    pthread_mutex_unlock(&s_lock);
    if (err == ESP_OK) {
        ESP_LOGI(TAG, "boot partition is now %s (0x%" PRIx32 ")", partition->label, partition->address);
    }
    return err;
}

bool esp_ota_check_rollback_is_possible(void)
{
    for (int i = 0; i < s_count; i++) {
        const esp_partition_t *p = &s_partitions[i];
        if (p->type != ESP_PARTITION_TYPE_APP || p == s_running) {
            continue;
        }
        esp_ota_img_states_t state;
        bool marked_bad = esp_ota_get_state_partition(p, &state) == ESP_OK
                          && (state == ESP_OTA_IMG_INVALID || state == ESP_OTA_IMG_ABORTED);
        if (!marked_bad && verify_image(p, 0) == NULL) {
            return true;
        }
    }
    return false;
}

/* esp_ota_current_ota_is_workable: the active copy becomes VALID, or INVALID. */
static esp_err_t mark_running(bool valid)
{
    ota_entry_t e[2];
    if (!read_otadata(e) || ota_slot_count() == 0) {
        return ESP_ERR_NOT_FOUND;
    }
    int active = active_entry(e);
    if (active < 0) {
        ESP_LOGE(TAG, "Running firmware is factory");
        return ESP_FAIL;
    }
    if (valid) {
        if (e[active].state == ESP_OTA_IMG_VALID) {
            return ESP_OK;
        }
        return write_entry(active, e[active].seq, ESP_OTA_IMG_VALID);
    }
    if (!esp_ota_check_rollback_is_possible()) {
        ESP_LOGE(TAG, "Rollback is not possible, do not have any suitable apps in slots");
        return ESP_ERR_OTA_ROLLBACK_FAILED;
    }
    return write_entry(active, e[active].seq, ESP_OTA_IMG_INVALID);
}

esp_err_t esp_ota_mark_app_valid_cancel_rollback(void)
{
    pthread_mutex_lock(&s_lock);
    esp_err_t err = mark_running(true);
    pthread_mutex_unlock(&s_lock);
    return err;
}

esp_err_t esp_ota_mark_app_invalid_rollback_and_reboot(void)
{
    pthread_mutex_lock(&s_lock);
    esp_err_t err = mark_running(false);
    pthread_mutex_unlock(&s_lock);
    if (err != ESP_OK) {
        return err;
    }
    esp_restart();
    return ESP_OK;
}

const esp_partition_t *esp_ota_get_last_invalid_partition(void)
{
    ota_entry_t e[2];
    int slots = ota_slot_count();
    if (!read_otadata(e) || slots == 0) {
        return NULL;
    }
    int found = -1;
    for (int i = 0; i < 2; i++) {
        if ((e[i].state == ESP_OTA_IMG_INVALID || e[i].state == ESP_OTA_IMG_ABORTED) && e[i].seq != UINT32_MAX
            && e[i].crc == entry_crc(e[i].seq) && (found < 0 || e[i].seq > e[found].seq)) {
            found = i;
        }
    }
    return found < 0 ? NULL : ota_slot((int)((e[found].seq - 1) % (uint32_t)slots));
}

/* One OTA write at a time, as a small device would do it. */
typedef struct {
    bool open;
    const esp_partition_t *partition;
    size_t written;
} ota_write_t;

static ota_write_t s_write;
#define HOST_OTA_HANDLE 1u

esp_err_t esp_ota_begin(const esp_partition_t *partition, size_t image_size, esp_ota_handle_t *out_handle)
{
    if (partition == NULL || out_handle == NULL || partition->type != ESP_PARTITION_TYPE_APP) {
        return ESP_ERR_INVALID_ARG;
    }
    if (s_running != NULL && partition->address == s_running->address) {
        return ESP_ERR_OTA_PARTITION_CONFLICT;
    }
    if (image_size != OTA_SIZE_UNKNOWN && image_size != OTA_WITH_SEQUENTIAL_WRITES && image_size > partition->size) {
        return ESP_ERR_INVALID_SIZE;
    }
    if (s_write.open) {
        return ESP_ERR_NO_MEM; /* ESP-IDF would allocate another handle; one is all espfleet's firmware uses */
    }
    size_t erase = image_size == OTA_SIZE_UNKNOWN || image_size == OTA_WITH_SEQUENTIAL_WRITES
                           ? partition->size
                           : (image_size + OTADATA_SECTOR - 1) / OTADATA_SECTOR * OTADATA_SECTOR;
    esp_err_t err = flash_erase(partition->address, erase);
    if (err != ESP_OK) {
        return err;
    }
    s_write = (ota_write_t){.open = true, .partition = partition};
    *out_handle = HOST_OTA_HANDLE;
    return ESP_OK;
}

esp_err_t esp_ota_write(esp_ota_handle_t handle, const void *data, size_t size)
{
    if (handle != HOST_OTA_HANDLE || !s_write.open || data == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    if (s_write.written == 0 && size > 0 && ((const unsigned char *)data)[0] != IMAGE_MAGIC) {
        ESP_LOGE(TAG, "OTA image has invalid magic byte (expected 0xE9, saw 0x%02x)",
                 ((const unsigned char *)data)[0]);
        return ESP_ERR_OTA_VALIDATE_FAILED;
    }
    if (size > s_write.partition->size - s_write.written) {
        return ESP_ERR_INVALID_SIZE;
    }
    esp_err_t err = flash_write(s_write.partition->address + (uint32_t)s_write.written, data, size);
    if (err == ESP_OK) {
        s_write.written += size;
    }
    return err;
}

esp_err_t esp_ota_end(esp_ota_handle_t handle)
{
    if (handle != HOST_OTA_HANDLE || !s_write.open) {
        return ESP_ERR_NOT_FOUND;
    }
    esp_err_t err = ESP_OK;
    if (s_write.written == 0) {
        err = ESP_ERR_INVALID_ARG;
    } else {
        const char *problem = verify_image(s_write.partition, s_write.written);
        if (problem != NULL) {
            ESP_LOGE(TAG, "esp_ota_end: %s", problem);
            err = ESP_ERR_OTA_VALIDATE_FAILED;
        }
    }
    s_write.open = false;
    return err;
}

esp_err_t esp_ota_abort(esp_ota_handle_t handle)
{
    if (handle != HOST_OTA_HANDLE || !s_write.open) {
        return ESP_ERR_NOT_FOUND;
    }
    s_write.open = false;
    return ESP_OK;
}
