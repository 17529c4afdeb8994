/* nvs.h / nvs_flash.h served from NVS partition image files (read-only), plus in-memory writes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esp_log.h"
#include "nvs.h"
#include "nvs_flash.h"

#include "nvs_image.h"
#include "runtime.h"

#define MAX_PARTITIONS 4
#define MAX_HANDLES 16
#define MAX_WRITES 64

static const char *TAG = "host_nvs";

typedef struct {
    char label[NVS_PART_NAME_MAX_SIZE + 1];
    char path[512];          /* "" for a partition without an image: it starts empty */
    bool initialised;
    nvs_image_t image;
} partition_t;

typedef struct {
    bool open;
    bool writable;
    partition_t *partition;
    char namespace_name[16];
} handle_t;

/* Values written at run time; they live in memory only, as if the flash were thrown away at exit. */
typedef struct {
    partition_t *partition;
    nvs_image_item_t item;
} written_t;

static partition_t s_partitions[MAX_PARTITIONS];
static int s_partition_count;
static handle_t s_handles[MAX_HANDLES];
static written_t s_written[MAX_WRITES];
static int s_written_count;

static partition_t *partition_named(const char *label)
{
    for (int i = 0; i < s_partition_count; i++) {
        if (strcmp(s_partitions[i].label, label) == 0) {
            return &s_partitions[i];
        }
    }
    return NULL;
}

bool runtime_nvs_add_image(const char *label, const char *path)
{
    if (s_partition_count == MAX_PARTITIONS || strlen(label) > NVS_PART_NAME_MAX_SIZE
        || strlen(path) >= sizeof(s_partitions[0].path)) {
        return false;
    }
    partition_t *p = &s_partitions[s_partition_count++];
    snprintf(p->label, sizeof(p->label), "%s", label);
    snprintf(p->path, sizeof(p->path), "%s", path);
    return true;
}

static unsigned char *read_file(const char *path, size_t *size)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        return NULL;
    }
    unsigned char *bytes = NULL;
    long length = -1;
    if (fseek(f, 0, SEEK_END) == 0 && (length = ftell(f)) > 0 && fseek(f, 0, SEEK_SET) == 0) {
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

esp_err_t nvs_flash_init_partition(const char *partition_label)
{
    partition_t *p = partition_named(partition_label);
    if (p == NULL && strcmp(partition_label, NVS_DEFAULT_PART_NAME) == 0) {
        runtime_nvs_add_image(NVS_DEFAULT_PART_NAME, ""); /* the default partition may start blank */
        p = partition_named(partition_label);
    }
    if (p == NULL) {
        ESP_LOGE(TAG, "no image for NVS partition '%s' (give one with --nvs %s=FILE)", partition_label,
                 partition_label);
        return ESP_ERR_NVS_PART_NOT_FOUND;
    }
    if (p->initialised) {
        return ESP_OK;
    }
    if (p->path[0] != '\0') {
        size_t size = 0;
        unsigned char *bytes = read_file(p->path, &size);
        if (bytes == NULL) {
            ESP_LOGE(TAG, "cannot read NVS image %s", p->path);
            return ESP_ERR_NVS_PART_NOT_FOUND;
        }
        bool parsed = nvs_image_parse(bytes, size, &p->image);
        free(bytes);
        if (!parsed) {
            ESP_LOGE(TAG, "%s is not an NVS partition image (%u bytes, expected a multiple of 4096)", p->path,
                     (unsigned)size);
            return ESP_ERR_NVS_INVALID_STATE;
        }
        if (p->image.bad_page_headers > 0 || p->image.bad_entries > 0) {
            ESP_LOGW(TAG, "%s: %d page header(s) and %d entr(ies) failed their CRC and were skipped", p->path,
                     p->image.bad_page_headers, p->image.bad_entries);
        }
        ESP_LOGI(TAG, "partition '%s' from %s: %d page(s), %u item(s)", partition_label, p->path,
                 p->image.pages_used, (unsigned)p->image.count);
    }
    p->initialised = true;
    return ESP_OK;
}

esp_err_t nvs_flash_init(void)
{
    return nvs_flash_init_partition(NVS_DEFAULT_PART_NAME);
}

esp_err_t nvs_flash_deinit(void)
{
    return ESP_OK;
}

esp_err_t nvs_flash_erase_partition(const char *part_name)
{
    partition_t *p = partition_named(part_name);
    if (p == NULL) {
        return ESP_ERR_NOT_FOUND;
    }
    nvs_image_free(&p->image);
    p->path[0] = '\0';
    p->initialised = false;
    return ESP_OK;
}

esp_err_t nvs_flash_erase(void)
{
    return nvs_flash_erase_partition(NVS_DEFAULT_PART_NAME);
}

static bool namespace_exists(partition_t *p, const char *namespace_name)
{
    if (nvs_image_has_namespace(&p->image, namespace_name)) {
        return true;
    }
    for (int i = 0; i < s_written_count; i++) {
        if (s_written[i].partition == p && strcmp(s_written[i].item.namespace_name, namespace_name) == 0) {
            return true;
        }
    }
    return false;
}

esp_err_t nvs_open_from_partition(const char *part_name, const char *namespace_name, nvs_open_mode_t open_mode,
                                  nvs_handle_t *out_handle)
{
    partition_t *p = partition_named(part_name);
    if (p == NULL || !p->initialised) {
        return ESP_ERR_NVS_NOT_INITIALIZED;
    }
    if (strlen(namespace_name) > 15) {
        return ESP_ERR_NVS_INVALID_NAME;
    }
    if (open_mode == NVS_READONLY && !namespace_exists(p, namespace_name)) {
        return ESP_ERR_NVS_NOT_FOUND;
    }
    for (uint32_t i = 0; i < MAX_HANDLES; i++) {
        if (!s_handles[i].open) {
            s_handles[i] = (handle_t){ .open = true, .writable = open_mode == NVS_READWRITE, .partition = p };
            snprintf(s_handles[i].namespace_name, sizeof(s_handles[i].namespace_name), "%s", namespace_name);
            *out_handle = i + 1;
            return ESP_OK;
        }
    }
    return ESP_ERR_NVS_NOT_ENOUGH_SPACE;
}

esp_err_t nvs_open(const char *namespace_name, nvs_open_mode_t open_mode, nvs_handle_t *out_handle)
{
    return nvs_open_from_partition(NVS_DEFAULT_PART_NAME, namespace_name, open_mode, out_handle);
}

static handle_t *handle_of(nvs_handle_t handle)
{
    if (handle == 0 || handle > MAX_HANDLES || !s_handles[handle - 1].open) {
        return NULL;
    }
    return &s_handles[handle - 1];
}

/* The newest value of a key: a run-time write, else the image's. */
static const nvs_image_item_t *lookup(const handle_t *h, const char *key)
{
    for (int i = s_written_count - 1; i >= 0; i--) {
        if (s_written[i].partition == h->partition && strcmp(s_written[i].item.namespace_name, h->namespace_name) == 0
            && strcmp(s_written[i].item.key, key) == 0) {
            return &s_written[i].item;
        }
    }
    return nvs_image_find(&h->partition->image, h->namespace_name, key);
}

/* ESP-IDF semantics: NULL buffer asks the size; a short buffer is ESP_ERR_NVS_INVALID_LENGTH; a key of
 * another type is ESP_ERR_NVS_NOT_FOUND (Storage::findItem turns the page's TYPE_MISMATCH into NOT_FOUND). */
static esp_err_t get_variable(nvs_handle_t handle, const char *key, uint8_t type, void *out, size_t *length)
{
    handle_t *h = handle_of(handle);
    if (h == NULL) {
        return ESP_ERR_NVS_INVALID_HANDLE;
    }
    if (key == NULL || length == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    const nvs_image_item_t *item = lookup(h, key);
    if (item == NULL) {
        return ESP_ERR_NVS_NOT_FOUND;
    }
    if (item->type != type) {
        return ESP_ERR_NVS_NOT_FOUND;
    }
    if (out == NULL) {
        *length = item->length;
        return ESP_OK;
    }
    if (*length < item->length) {
        return ESP_ERR_NVS_INVALID_LENGTH;
    }
    memcpy(out, item->data, item->length);
    *length = item->length;
    return ESP_OK;
}

esp_err_t nvs_get_str(nvs_handle_t handle, const char *key, char *out_value, size_t *length)
{
    return get_variable(handle, key, NVS_IMAGE_TYPE_SZ, out_value, length);
}

esp_err_t nvs_get_blob(nvs_handle_t handle, const char *key, void *out_value, size_t *length)
{
    return get_variable(handle, key, NVS_IMAGE_TYPE_BLOB_V1, out_value, length);
}

esp_err_t nvs_get_u32(nvs_handle_t handle, const char *key, uint32_t *out_value)
{
    handle_t *h = handle_of(handle);
    if (h == NULL) {
        return ESP_ERR_NVS_INVALID_HANDLE;
    }
    const nvs_image_item_t *item = lookup(h, key);
    if (item == NULL) {
        return ESP_ERR_NVS_NOT_FOUND;
    }
    if (item->type != NVS_IMAGE_TYPE_U32) {
        return ESP_ERR_NVS_NOT_FOUND;
    }
    *out_value = (uint32_t)item->number;
    return ESP_OK;
}

static esp_err_t set_variable(nvs_handle_t handle, const char *key, uint8_t type, const void *value, size_t length)
{
    handle_t *h = handle_of(handle);
    if (h == NULL) {
        return ESP_ERR_NVS_INVALID_HANDLE;
    }
    if (!h->writable) {
        return ESP_ERR_NVS_READ_ONLY;
    }
    if (strlen(key) > 15) {
        return ESP_ERR_NVS_KEY_TOO_LONG;
    }
    if (s_written_count == MAX_WRITES) {
        return ESP_ERR_NVS_NOT_ENOUGH_SPACE;
    }
    unsigned char *copy = malloc(length ? length : 1u);
    if (copy == NULL) {
        return ESP_ERR_NO_MEM;
    }
    memcpy(copy, value, length);
    written_t *w = &s_written[s_written_count++];
    *w = (written_t){ .partition = h->partition, .item = { .type = type, .data = copy, .length = length } };
    snprintf(w->item.namespace_name, sizeof(w->item.namespace_name), "%s", h->namespace_name);
    snprintf(w->item.key, sizeof(w->item.key), "%s", key);
    return ESP_OK;
}

esp_err_t nvs_set_str(nvs_handle_t handle, const char *key, const char *value)
{
    size_t length = strlen(value) + 1;
    if (length > 4000) {
        return ESP_ERR_NVS_VALUE_TOO_LONG;
    }
    return set_variable(handle, key, NVS_IMAGE_TYPE_SZ, value, length);
}

esp_err_t nvs_set_blob(nvs_handle_t handle, const char *key, const void *value, size_t length)
{
    return set_variable(handle, key, NVS_IMAGE_TYPE_BLOB_V1, value, length);
}

esp_err_t nvs_commit(nvs_handle_t handle)
{
    return handle_of(handle) == NULL ? ESP_ERR_NVS_INVALID_HANDLE : ESP_OK;
}

void nvs_close(nvs_handle_t handle)
{
    handle_t *h = handle_of(handle);
    if (h != NULL) {
        h->open = false;
    }
}
