#include "identity.h"

#include <stdlib.h>
#include <string.h>

#include "esp_log.h"
#include "nvs.h"
#include "nvs_flash.h"

#include "espfleet_config.h"
#include "rotate_job.h"

static const char *TAG = "identity";

/*
 * Reads one string value of unknown size: the size is asked first (NULL buffer), then exactly that
 * much is allocated. Values written as blobs (file,binary in an NVS CSV) are accepted too and get a
 * terminating NUL, since mbedTLS wants NUL-terminated PEM.
 */
static esp_err_t read_string(nvs_handle_t handle, const char *key, char **out)
{
    size_t length = 0;
    esp_err_t err = nvs_get_str(handle, key, NULL, &length);
    if (err == ESP_OK) {
        char *value = malloc(length);
        if (value == NULL) {
            return ESP_ERR_NO_MEM;
        }
        err = nvs_get_str(handle, key, value, &length);
        if (err != ESP_OK) {
            free(value);
            return err;
        }
        *out = value;
        return ESP_OK;
    }
    /* ESP-IDF reports a key of another type as NOT_FOUND (older releases: TYPE_MISMATCH): try a blob. */
    if (err != ESP_ERR_NVS_NOT_FOUND && err != ESP_ERR_NVS_TYPE_MISMATCH) {
        return err;
    }
    err = nvs_get_blob(handle, key, NULL, &length);
    if (err == ESP_ERR_NVS_TYPE_MISMATCH) {
        return ESP_ERR_NVS_NOT_FOUND;
    }
    if (err != ESP_OK) {
        return err;
    }
    char *value = malloc(length + 1);
    if (value == NULL) {
        return ESP_ERR_NO_MEM;
    }
    err = nvs_get_blob(handle, key, value, &length);
    if (err != ESP_OK) {
        free(value);
        return err;
    }
    value[length] = '\0';
    *out = value;
    return ESP_OK;
}

/* A key the boot cannot go without; logged by name, with the partition and namespace it was looked for in. */
static esp_err_t read_required(nvs_handle_t handle, const char *partition, const char *name, const char *key,
                               char **out)
{
    esp_err_t err = read_string(handle, key, out);
    if (err == ESP_ERR_NVS_NOT_FOUND) {
        ESP_LOGE(TAG, "key '%s' is missing from NVS partition '%s' namespace '%s': %s", key, partition, name,
                 strcmp(partition, ESPFLEET_DEVICE_KEYS_PARTITION) == 0
                     ? "the device makes its key, and stores its certificate, on its first boot on the bench"
                     : "provision this device (espfleet provision) and flash its identity image");
    } else if (err != ESP_OK) {
        ESP_LOGE(TAG, "cannot read key '%s' from NVS partition '%s': %s", key, partition, esp_err_to_name(err));
    }
    return err;
}

static char *copy_string(const char *s)
{
    size_t length = strlen(s) + 1;
    char *copy = malloc(length);
    if (copy != NULL) {
        memcpy(copy, s, length);
    }
    return copy;
}

static esp_err_t open_namespace(const char *partition, const char *name, nvs_handle_t *handle)
{
    esp_err_t err = nvs_open_from_partition(partition, name, NVS_READONLY, handle);
    if (err != ESP_OK) {
        ESP_LOGE(TAG, "cannot open namespace '%s' in NVS partition '%s': %s",
                 name, partition, esp_err_to_name(err));
    }
    return err;
}

esp_err_t identity_load(device_identity_t *identity)
{
    memset(identity, 0, sizeof(*identity));
    nvs_handle_t handle;
    esp_err_t err = open_namespace(ESPFLEET_IDENTITY_PARTITION, ESPFLEET_IDENTITY_NAMESPACE, &handle);
    if (err != ESP_OK) {
        return err;
    }

#ifdef ESPFLEET_PINNED_THING_NAME
    identity->thing_name = copy_string(ESPFLEET_PINNED_THING_NAME);
    err = identity->thing_name == NULL ? ESP_ERR_NO_MEM : ESP_OK;
#else
    err = read_required(handle, ESPFLEET_IDENTITY_PARTITION, ESPFLEET_IDENTITY_NAMESPACE,
                        ESPFLEET_NVS_KEY_THING_NAME, &identity->thing_name);
#endif
    if (err == ESP_OK) {
        err = read_string(handle, ESPFLEET_NVS_KEY_ENDPOINT, &identity->endpoint);
        if (err == ESP_ERR_NVS_NOT_FOUND) {
            identity->endpoint = copy_string(ESPFLEET_DEFAULT_ENDPOINT);
            err = identity->endpoint == NULL ? ESP_ERR_NO_MEM : ESP_OK;
        }
    }
#if ESPFLEET_KEY_BORN_ON_DEVICE
    /* made on the chip: the key and its certificate are in the encrypted device-key partition (device_key_store.h) */
    nvs_handle_t secrets;
    if (err == ESP_OK) {
        err = open_namespace(ESPFLEET_DEVICE_KEYS_PARTITION, ESPFLEET_IDENTITY_NAMESPACE, &secrets);
    }
    if (err == ESP_OK) {
        err = read_required(secrets, ESPFLEET_DEVICE_KEYS_PARTITION, ESPFLEET_IDENTITY_NAMESPACE,
                            ESPFLEET_NVS_KEY_DEVICE_CERT, &identity->device_cert);
        if (err == ESP_OK) {
            err = read_required(secrets, ESPFLEET_DEVICE_KEYS_PARTITION, ESPFLEET_IDENTITY_NAMESPACE,
                                ESPFLEET_NVS_KEY_PRIVATE_KEY, &identity->private_key);
        }
        nvs_close(secrets);
    }
#else
    if (err == ESP_OK) {
        err = read_required(handle, ESPFLEET_IDENTITY_PARTITION, ESPFLEET_IDENTITY_NAMESPACE,
                            ESPFLEET_NVS_KEY_DEVICE_CERT, &identity->device_cert);
    }
    if (err == ESP_OK) {
        err = read_required(handle, ESPFLEET_IDENTITY_PARTITION, ESPFLEET_IDENTITY_NAMESPACE,
                            ESPFLEET_NVS_KEY_PRIVATE_KEY, &identity->private_key);
    }
#endif
    if (err == ESP_OK) {
        err = read_string(handle, ESPFLEET_NVS_KEY_SERVER_CA, &identity->server_ca);
        if (err == ESP_ERR_NVS_NOT_FOUND) {
            identity->server_ca = copy_string(aws_root_ca_1_pem);
            err = identity->server_ca == NULL ? ESP_ERR_NO_MEM : ESP_OK;
        }
    }
    nvs_close(handle);

    if (err != ESP_OK) {
        identity_free(identity);
        return err;
    }
    /* a rotate-certificate job may have staged a new key and certificate: this boot may try them (rotate_job.h) */
    rotate_boot_select(identity);
    ESP_LOGI(TAG, "thing '%s', endpoint '%s'", identity->thing_name, identity->endpoint);
    return ESP_OK;
}

esp_err_t wifi_credentials_load(wifi_credentials_t *credentials)
{
    memset(credentials, 0, sizeof(*credentials));
    nvs_handle_t handle;
    esp_err_t err = open_namespace(ESPFLEET_WIFI_PARTITION, ESPFLEET_WIFI_NAMESPACE, &handle);
    if (err != ESP_OK) {
        return err;
    }
    err = read_required(handle, ESPFLEET_WIFI_PARTITION, ESPFLEET_WIFI_NAMESPACE,
                        ESPFLEET_NVS_KEY_WIFI_SSID, &credentials->ssid);
    if (err == ESP_OK) {
        err = read_string(handle, ESPFLEET_NVS_KEY_WIFI_PASSWORD, &credentials->password);
        if (err == ESP_ERR_NVS_NOT_FOUND) {
            credentials->password = copy_string(""); /* an open network */
            err = credentials->password == NULL ? ESP_ERR_NO_MEM : ESP_OK;
        }
    }
    nvs_close(handle);
    if (err != ESP_OK) {
        wifi_credentials_free(credentials);
    }
    return err;
}

static void free_secret(char *secret)
{
    if (secret != NULL) {
        /* volatile so the wipe of key material is not optimised away */
        for (volatile char *p = secret; *p != '\0'; p++) {
            *p = '\0';
        }
        free(secret);
    }
}

void identity_free(device_identity_t *identity)
{
    free(identity->thing_name);
    free(identity->endpoint);
    free(identity->device_cert);
    free_secret(identity->private_key);
    free(identity->server_ca);
    memset(identity, 0, sizeof(*identity));
}

void wifi_credentials_free(wifi_credentials_t *credentials)
{
    free(credentials->ssid);
    free_secret(credentials->password);
    memset(credentials, 0, sizeof(*credentials));
}
