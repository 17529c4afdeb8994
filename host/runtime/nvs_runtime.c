/*
 * Where the runtime's NVS partitions come from: image files (--nvs LABEL=FILE), read by the NVS format reader
 * (shared/nvs_image.c) when the firmware first initialises the partition. Everything nvs.h and nvs_flash.h
 * do is shared/nvs_store.c, as for the fakes. Writes live in memory only.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esp_log.h"
#include "nvs.h"

#include "nvs_image.h"
#include "nvs_store.h"
#include "runtime.h"

#define MAX_IMAGES 8

static const char *TAG = "host_nvs";

typedef struct {
    char label[NVS_PART_NAME_MAX_SIZE + 1];
    char path[512];
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
    unsigned char *bytes = read_file(image->path, &size);
    if (bytes == NULL) {
        ESP_LOGE(TAG, "cannot read NVS image %s", image->path);
        return ESP_ERR_NVS_PART_NOT_FOUND;
    }
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
    ESP_LOGI(TAG, "partition '%s' from %s: %d page(s), %u item(s)", label, image->path, parsed.pages_used,
             (unsigned)parsed.count);
    nvs_image_free(&parsed);
    return ok ? ESP_OK : ESP_ERR_NO_MEM;
}
