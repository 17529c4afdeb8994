/*
 * Unit-test fakes of esp_partition, app_update (esp_ota_*) and esp_https_ota: a device without OTA slots (the
 * running partition is NULL, nothing can be downloaded). The OTA flow itself is tested against the runtime
 * (runtime/ota_flash.c, runtime/https_ota.c) in the host module's OtaJobScenariosTest.
 */
#include "esp_https_ota.h"
#include "esp_ota_ops.h"
#include "esp_partition.h"

const esp_partition_t *esp_partition_find_first(esp_partition_type_t type, esp_partition_subtype_t subtype,
                                                const char *label)
{
    (void)type;
    (void)subtype;
    (void)label;
    return NULL;
}

esp_err_t esp_partition_read(const esp_partition_t *partition, size_t src_offset, void *dst, size_t size)
{
    (void)partition;
    (void)src_offset;
    (void)dst;
    (void)size;
    return ESP_ERR_NOT_FOUND;
}

esp_err_t esp_ota_begin(const esp_partition_t *partition, size_t image_size, esp_ota_handle_t *out_handle)
{
    (void)partition;
    (void)image_size;
    (void)out_handle;
    return ESP_ERR_NOT_FOUND;
}

esp_err_t esp_ota_write(esp_ota_handle_t handle, const void *data, size_t size)
{
    (void)handle;
    (void)data;
    (void)size;
    return ESP_ERR_INVALID_ARG;
}

esp_err_t esp_ota_end(esp_ota_handle_t handle)
{
    (void)handle;
    return ESP_ERR_NOT_FOUND;
}

esp_err_t esp_ota_abort(esp_ota_handle_t handle)
{
    (void)handle;
    return ESP_ERR_NOT_FOUND;
}

esp_err_t esp_ota_set_boot_partition(const esp_partition_t *partition)
{
    (void)partition;
    return ESP_ERR_INVALID_ARG;
}

const esp_partition_t *esp_ota_get_boot_partition(void)
{
    return NULL;
}

const esp_partition_t *esp_ota_get_running_partition(void)
{
    return NULL;
}

const esp_partition_t *esp_ota_get_next_update_partition(const esp_partition_t *start_from)
{
    (void)start_from;
    return NULL;
}

esp_err_t esp_ota_get_partition_description(const esp_partition_t *partition, esp_app_desc_t *app_desc)
{
    (void)partition;
    (void)app_desc;
    return ESP_ERR_NOT_FOUND;
}

esp_err_t esp_ota_mark_app_valid_cancel_rollback(void)
{
    return ESP_ERR_NOT_FOUND;
}

esp_err_t esp_ota_mark_app_invalid_rollback_and_reboot(void)
{
    return ESP_ERR_OTA_ROLLBACK_FAILED;
}

const esp_partition_t *esp_ota_get_last_invalid_partition(void)
{
    return NULL;
}

esp_err_t esp_ota_get_state_partition(const esp_partition_t *partition, esp_ota_img_states_t *ota_state)
{
    (void)partition;
    (void)ota_state;
    return ESP_ERR_NOT_FOUND;
}

bool esp_ota_check_rollback_is_possible(void)
{
    return false;
}

esp_err_t esp_https_ota_begin(const esp_https_ota_config_t *ota_config, esp_https_ota_handle_t *handle)
{
    (void)ota_config;
    if (handle != NULL) {
        *handle = NULL;
    }
    return ESP_FAIL;
}

esp_err_t esp_https_ota_perform(esp_https_ota_handle_t https_ota_handle)
{
    (void)https_ota_handle;
    return ESP_ERR_INVALID_ARG;
}

bool esp_https_ota_is_complete_data_received(esp_https_ota_handle_t https_ota_handle)
{
    (void)https_ota_handle;
    return false;
}

esp_err_t esp_https_ota_finish(esp_https_ota_handle_t https_ota_handle)
{
    (void)https_ota_handle;
    return ESP_ERR_INVALID_ARG;
}

esp_err_t esp_https_ota_abort(esp_https_ota_handle_t https_ota_handle)
{
    (void)https_ota_handle;
    return ESP_ERR_INVALID_ARG;
}

esp_err_t esp_https_ota_get_img_desc(esp_https_ota_handle_t https_ota_handle, esp_app_desc_t *new_app_info)
{
    (void)https_ota_handle;
    (void)new_app_info;
    return ESP_ERR_INVALID_ARG;
}

int esp_https_ota_get_image_len_read(esp_https_ota_handle_t https_ota_handle)
{
    (void)https_ota_handle;
    return -1;
}

int esp_https_ota_get_image_size(esp_https_ota_handle_t https_ota_handle)
{
    (void)https_ota_handle;
    return -1;
}
