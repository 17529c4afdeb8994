#include "device_key.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bootloader_random.h"
#include "cJSON.h"
#include "esp_log.h"
#include "esp_random.h"
#include "freertos/FreeRTOS.h"
#include "freertos/queue.h"
#include "mbedtls/ctr_drbg.h"
#include "mbedtls/ecp.h"
#include "mbedtls/oid.h"
#include "mbedtls/pk.h"
#include "mbedtls/platform_util.h"
#include "mbedtls/x509_crt.h"
#include "mbedtls/x509_csr.h"
#include "nvs.h"

#include "console_report.h"
#include "device_key_store.h"
#include "espfleet_config.h"

static const char *TAG = "device_key";

/* A SEC1 PEM of a P-256 key is about 230 bytes, its CSR about 500; room to spare. */
#define KEY_PEM_MAX 512
#define CSR_PEM_MAX 1024
/* A certificate and its chain from the bench: what a console frame can carry. */
#define CERT_PEM_MAX 6144
#define THING_MAX 128

static QueueHandle_t s_stored; /* bool: a certificate was stored (sent by the console task) */

/* Entropy for the DRBG: the chip's RNG, a true RNG while bootloader_random_enable() is in effect (before Wi-Fi). */
static int chip_entropy(void *arg, unsigned char *out, size_t length)
{
    (void)arg;
    esp_fill_random(out, length);
    return 0;
}

static void wipe(void *buffer, size_t size)
{
    if (buffer != NULL) {
        mbedtls_platform_zeroize(buffer, size);
    }
}

/* Reads a string key of unknown size into a fresh buffer; ESP_ERR_NVS_NOT_FOUND when absent. */
static esp_err_t read_text(nvs_handle_t handle, const char *key, char **out, size_t *size)
{
    size_t length = 0;
    esp_err_t err = nvs_get_str(handle, key, NULL, &length);
    if (err != ESP_OK) {
        return err;
    }
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
    if (size != NULL) {
        *size = length;
    }
    return ESP_OK;
}

/* Makes an EC P-256 key and writes it (SEC1 PEM) into `pem`. */
static int make_key(mbedtls_ctr_drbg_context *drbg, char *pem, size_t size)
{
    mbedtls_pk_context key;
    mbedtls_pk_init(&key);
    int ret = mbedtls_pk_setup(&key, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
    if (ret == 0) {
        ret = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(key), mbedtls_ctr_drbg_random, drbg);
    }
    if (ret == 0) {
        ret = mbedtls_pk_write_key_pem(&key, (unsigned char *)pem, size);
    }
    mbedtls_pk_free(&key);
    return ret;
}

static int make_csr(mbedtls_pk_context *key, const char *thing, mbedtls_ctr_drbg_context *drbg, char *pem,
                    size_t size)
{
    char subject[THING_MAX + 4];
    /* thing names are [a-zA-Z0-9:_-]: nothing in them needs escaping in a distinguished name */
    snprintf(subject, sizeof(subject), "CN=%s", thing);
    mbedtls_x509write_csr csr;
    mbedtls_x509write_csr_init(&csr);
    mbedtls_x509write_csr_set_md_alg(&csr, MBEDTLS_MD_SHA256);
    mbedtls_x509write_csr_set_key(&csr, key);
    int ret = mbedtls_x509write_csr_set_subject_name(&csr, subject);
    if (ret == 0) {
        ret = mbedtls_x509write_csr_pem(&csr, (unsigned char *)pem, size, mbedtls_ctr_drbg_random, drbg);
    }
    mbedtls_x509write_csr_free(&csr);
    return ret;
}

static bool subject_cn_is(const mbedtls_x509_crt *crt, const char *thing)
{
    for (const mbedtls_x509_name *name = &crt->subject; name != NULL; name = name->next) {
        if (MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &name->oid) == 0) {
            return name->val.len == strlen(thing) && memcmp(name->val.p, thing, name->val.len) == 0;
        }
    }
    return false;
}

static esp_err_t check_certificate(const char *cert_pem, mbedtls_pk_context *key, const char *thing,
                                   mbedtls_ctr_drbg_context *drbg, char *why, size_t why_size)
{
    mbedtls_x509_crt crt;
    mbedtls_x509_crt_init(&crt);
    esp_err_t err = ESP_OK;
    int ret = mbedtls_x509_crt_parse(&crt, (const unsigned char *)cert_pem, strlen(cert_pem) + 1);
    if (ret < 0 || crt.raw.len == 0) {
        snprintf(why, why_size, "not a PEM certificate (mbedTLS -0x%04x)", (unsigned)-ret);
        err = ESP_ERR_INVALID_ARG;
    } else if (mbedtls_pk_check_pair(&crt.pk, key, mbedtls_ctr_drbg_random, drbg) != 0) {
        snprintf(why, why_size, "the certificate is not for this device's key");
        err = ESP_ERR_INVALID_ARG;
    } else if (thing != NULL && !subject_cn_is(&crt, thing)) {
        snprintf(why, why_size, "the certificate's CN is not '%.64s'", thing);
        err = ESP_ERR_INVALID_ARG;
    }
    mbedtls_x509_crt_free(&crt);
    return err;
}

static int seed(mbedtls_ctr_drbg_context *drbg)
{
    static const char personalisation[] = "espfleet device key";
    /* the RNG is a true one only with RF on or this entropy source; Wi-Fi has not started yet */
    bootloader_random_enable();
    int ret = mbedtls_ctr_drbg_seed(drbg, chip_entropy, NULL, (const unsigned char *)personalisation,
                                    sizeof(personalisation) - 1);
    bootloader_random_disable();
    return ret;
}

esp_err_t device_key_check_certificate(const char *cert_pem, const char *key_pem, const char *thing, char *why,
                                       size_t why_size)
{
    mbedtls_ctr_drbg_context drbg;
    mbedtls_ctr_drbg_init(&drbg);
    mbedtls_pk_context key;
    mbedtls_pk_init(&key);
    esp_err_t err = ESP_OK;
    if (seed(&drbg) != 0) {
        snprintf(why, why_size, "no random numbers");
        err = ESP_FAIL;
    } else if (mbedtls_pk_parse_key(&key, (const unsigned char *)key_pem, strlen(key_pem) + 1, NULL, 0,
                                    mbedtls_ctr_drbg_random, &drbg) != 0) {
        snprintf(why, why_size, "the stored key does not parse");
        err = ESP_ERR_INVALID_STATE;
    } else {
        err = check_certificate(cert_pem, &key, thing, &drbg, why, why_size);
    }
    mbedtls_pk_free(&key);
    mbedtls_ctr_drbg_free(&drbg);
    return err;
}

/* Stores a secret (the key, its certificate) in the encrypted device-key partition. */
static esp_err_t store(nvs_handle_t handle, const char *key, const char *value)
{
    esp_err_t err = nvs_set_str(handle, key, value);
    if (err == ESP_OK) {
        err = nvs_commit(handle);
    }
    if (err != ESP_OK) {
        ESP_LOGE(TAG, "cannot store '%s' in NVS partition '%s': %s", key, ESPFLEET_DEVICE_KEYS_PARTITION,
                 esp_err_to_name(err));
    }
    return err;
}

/* The key and its certificate: in their own partition, opened encrypted when made here (device_key_store.h). */
static esp_err_t open_keys(nvs_handle_t *handle)
{
    esp_err_t err = nvs_open_from_partition(DEVICE_KEY_PARTITION, ESPFLEET_IDENTITY_NAMESPACE, NVS_READWRITE, handle);
    if (err != ESP_OK) {
        ESP_LOGE(TAG, "cannot open namespace '%s' in NVS partition '%s': %s", ESPFLEET_IDENTITY_NAMESPACE,
                 DEVICE_KEY_PARTITION, esp_err_to_name(err));
    }
    return err;
}

static esp_err_t read_thing(nvs_handle_t handle, char **thing)
{
#ifdef ESPFLEET_PINNED_THING_NAME
    (void)handle;
    *thing = strdup(ESPFLEET_PINNED_THING_NAME);
    return *thing == NULL ? ESP_ERR_NO_MEM : ESP_OK;
#else
    esp_err_t err = read_text(handle, ESPFLEET_NVS_KEY_THING_NAME, thing, NULL);
    if (err == ESP_ERR_NVS_NOT_FOUND) {
        ESP_LOGE(TAG, "key '%s' is missing from NVS partition '%s': the bench writes the thing name first",
                 ESPFLEET_NVS_KEY_THING_NAME, ESPFLEET_IDENTITY_PARTITION);
    }
    return err;
#endif
}

/* The thing name the bench wrote into the identity partition (or the pinned one). */
static esp_err_t read_identity_thing(char **thing)
{
    nvs_handle_t handle;
    esp_err_t err = nvs_open_from_partition(ESPFLEET_IDENTITY_PARTITION, ESPFLEET_IDENTITY_NAMESPACE, NVS_READONLY,
                                            &handle);
    if (err != ESP_OK) {
        return err;
    }
    err = read_thing(handle, thing);
    nvs_close(handle);
    return err;
}

/* A certificate from the bench: stored when it is for this device's key and thing, refused ("fail") otherwise. */
static esp_err_t accept_certificate(const char *pem)
{
    nvs_handle_t handle;
    esp_err_t err = nvs_open_from_partition(ESPFLEET_IDENTITY_PARTITION, ESPFLEET_IDENTITY_NAMESPACE, NVS_READONLY,
                                            &handle);
    if (err != ESP_OK) {
        return err;
    }
    nvs_handle_t keys;
    err = open_keys(&keys);
    if (err != ESP_OK) {
        nvs_close(handle);
        return err;
    }
    char *thing = NULL;
    char *key_pem = NULL;
    size_t key_size = 0;
    char why[96] = "";
    err = read_thing(handle, &thing);
    if (err == ESP_OK) {
        err = read_text(keys, ESPFLEET_NVS_KEY_PRIVATE_KEY, &key_pem, &key_size);
    }
    if (err == ESP_OK) {
        err = device_key_check_certificate(pem, key_pem, thing, why, sizeof(why));
        if (err == ESP_OK) {
            err = store(keys, ESPFLEET_NVS_KEY_DEVICE_CERT, pem);
        } else {
            ESP_LOGW(TAG, "certificate refused: %s", why);
            console_report_failure(CONSOLE_STAGE_IDENTITY, err, 0, 0, why);
        }
    }
    wipe(key_pem, key_size);
    free(key_pem);
    free(thing);
    nvs_close(keys);
    nvs_close(handle);
    if (err == ESP_OK) {
        ESP_LOGI(TAG, "certificate stored");
        console_report_milestone(CONSOLE_MILESTONE_CERTIFICATE_STORED, NULL);
    }
    return err;
}

/*
 * A "cert" frame from the bench, in the console task: {"cert": PEM, "chain": PEM (optional)}. Taken whenever it
 * comes (a rework may bring a new certificate to a unit that has one: it is used from the next boot); a boot that
 * waits for its first certificate is woken.
 */
static void on_cert_frame(const char *json, size_t length)
{
    cJSON *root = cJSON_ParseWithLength(json, length);
    const char *cert = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "cert"));
    const char *chain = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "chain"));
    size_t cert_length = cert != NULL ? strlen(cert) : 0;
    size_t chain_length = chain != NULL ? strlen(chain) : 0;
    char *pem = NULL;
    if (cert_length == 0 || cert_length + chain_length + 2 > CERT_PEM_MAX) {
        console_report_failure(CONSOLE_STAGE_IDENTITY, ESP_ERR_INVALID_ARG, 0, 0,
                               "a cert frame without a certificate, or too long");
    } else if ((pem = malloc(cert_length + chain_length + 2)) != NULL) {
        /* the leaf first (its SHA-256 is what hello reports), then the chain, as esp-mqtt takes a chain */
        memcpy(pem, cert, cert_length);
        size_t at = cert_length;
        if (chain_length > 0 && pem[at - 1] != '\n') {
            pem[at++] = '\n';
        }
        memcpy(pem + at, chain != NULL ? chain : "", chain_length);
        pem[at + chain_length] = '\0';
        if (accept_certificate(pem) == ESP_OK && s_stored != NULL) {
            bool stored = true;
            xQueueSend(s_stored, &stored, 0);
        }
        free(pem);
    }
    cJSON_Delete(root);
}

/* Makes the key when there is none (stored at once); returns it parsed. */
static esp_err_t ensure_key(nvs_handle_t handle, mbedtls_ctr_drbg_context *drbg, mbedtls_pk_context *key)
{
    char *key_pem = NULL;
    size_t key_size = 0;
    esp_err_t err = read_text(handle, ESPFLEET_NVS_KEY_PRIVATE_KEY, &key_pem, &key_size);
    if (err == ESP_ERR_NVS_NOT_FOUND) {
        key_size = KEY_PEM_MAX;
        key_pem = calloc(1, key_size);
        if (key_pem == NULL) {
            return ESP_ERR_NO_MEM;
        }
        int ret = make_key(drbg, key_pem, key_size);
        if (ret != 0) {
            ESP_LOGE(TAG, "cannot make a key (mbedTLS -0x%04x)", (unsigned)-ret);
            err = ESP_FAIL;
        } else {
            err = store(handle, ESPFLEET_NVS_KEY_PRIVATE_KEY, key_pem);
        }
        if (err == ESP_OK) {
            ESP_LOGI(TAG, "made this device's key (EC P-256); it stays in NVS partition '%s', encrypted",
                     ESPFLEET_DEVICE_KEYS_PARTITION);
        }
    } else if (err != ESP_OK) {
        ESP_LOGE(TAG, "cannot read this device's key: %s", esp_err_to_name(err));
    }
    if (err == ESP_OK) {
        int ret = mbedtls_pk_parse_key(key, (const unsigned char *)key_pem, strlen(key_pem) + 1, NULL, 0,
                                       mbedtls_ctr_drbg_random, drbg);
        if (ret != 0 || mbedtls_pk_get_type(key) != MBEDTLS_PK_ECKEY) {
            ESP_LOGE(TAG, "the key in NVS partition '%s' is not an EC key (mbedTLS -0x%04x)",
                     ESPFLEET_DEVICE_KEYS_PARTITION, (unsigned)-ret);
            err = ESP_ERR_INVALID_STATE;
        }
    }
    wipe(key_pem, key_size);
    free(key_pem);
    return err;
}

#ifdef ESPFLEET_CLAIM_TEMPLATE
/* identity.claim: a claim certificate in NVS means the unit gets its certificate from AWS, not from the bench */
static bool has_claim(nvs_handle_t handle)
{
    size_t length = 0;
    return nvs_get_str(handle, ESPFLEET_NVS_KEY_CLAIM_CERT, NULL, &length) == ESP_OK
        && nvs_get_str(handle, ESPFLEET_NVS_KEY_CLAIM_KEY, NULL, &length) == ESP_OK;
}
#endif

esp_err_t device_key_provision(void)
{
    bool have_certificate = false;
    return device_key_prepare(true, &have_certificate);
}

esp_err_t device_key_prepare(bool wait_for_bench, bool *have_certificate_out)
{
    esp_err_t err = device_key_store_init();
    if (err != ESP_OK) {
        return err;
    }
    nvs_handle_t handle;
    err = nvs_open_from_partition(ESPFLEET_IDENTITY_PARTITION, ESPFLEET_IDENTITY_NAMESPACE, NVS_READONLY, &handle);
    if (err != ESP_OK) {
        ESP_LOGE(TAG, "cannot open namespace '%s' in NVS partition '%s': %s", ESPFLEET_IDENTITY_NAMESPACE,
                 ESPFLEET_IDENTITY_PARTITION, esp_err_to_name(err));
        return err;
    }
    nvs_handle_t keys;
    err = open_keys(&keys);
    if (err != ESP_OK) {
        nvs_close(handle);
        return err;
    }
    char *thing = NULL;
    char *cert = NULL;
    char *csr = NULL;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_ctr_drbg_init(&drbg);
    mbedtls_pk_context key;
    mbedtls_pk_init(&key);
    bool have_certificate = false;
#ifdef ESPFLEET_CLAIM_TEMPLATE
    if (has_claim(handle)) {
        wait_for_bench = false; /* fleet_provisioning.h gets the certificate once the network is up */
    }
#endif

    err = read_thing(handle, &thing);
    if (err == ESP_OK && seed(&drbg) != 0) {
        ESP_LOGE(TAG, "cannot seed the random number generator");
        err = ESP_FAIL;
    }
    if (err == ESP_OK) {
        err = ensure_key(keys, &drbg, &key);
    }
    if (err == ESP_OK) {
        esp_err_t read = read_text(keys, ESPFLEET_NVS_KEY_DEVICE_CERT, &cert, NULL);
        char why[96] = "";
        if (read == ESP_OK && check_certificate(cert, &key, thing, &drbg, why, sizeof(why)) == ESP_OK) {
            have_certificate = true;
        } else if (read == ESP_OK) {
            ESP_LOGW(TAG, "the stored certificate is refused (%s): asking for another", why);
        }
        csr = malloc(CSR_PEM_MAX);
        int ret = csr != NULL ? make_csr(&key, thing, &drbg, csr, CSR_PEM_MAX) : 0;
        if (csr == NULL) {
            err = ESP_ERR_NO_MEM;
        } else if (ret != 0) {
            ESP_LOGE(TAG, "cannot build the certificate request (mbedTLS -0x%04x)", (unsigned)-ret);
            err = ESP_FAIL;
        }
    }
    if (err == ESP_OK && s_stored == NULL) {
        s_stored = xQueueCreate(1, sizeof(bool));
        err = s_stored == NULL ? ESP_ERR_NO_MEM : ESP_OK;
    }
    nvs_close(keys);
    nvs_close(handle);
    if (err == ESP_OK) {
        /* on offer for the whole boot: a rework's bench gets it too, and may bring a new certificate */
        console_report_on_cert(on_cert_frame);
        console_report_offer_csr(thing, csr);
        if (!have_certificate && wait_for_bench) {
            ESP_LOGI(TAG, "waiting for a certificate for '%s' (its request is on the console)", thing);
            bool stored = false;
            while (!stored) {
                xQueueReceive(s_stored, &stored, portMAX_DELAY);
            }
            have_certificate = true;
        }
    }
    *have_certificate_out = have_certificate;
    free(csr);
    free(cert);
    free(thing);
    mbedtls_pk_free(&key);
    mbedtls_ctr_drbg_free(&drbg);
    return err;
}

/*
 * Reads the thing name, opens the key partition's namespace (left open in `handle`) and parses the key stored
 * there under `key_name`.
 */
static esp_err_t load_key_named(const char *key_name, nvs_handle_t *handle, char **thing,
                                mbedtls_ctr_drbg_context *drbg, mbedtls_pk_context *key)
{
    esp_err_t err = read_identity_thing(thing);
    if (err == ESP_OK) {
        err = open_keys(handle);
    }
    if (err != ESP_OK) {
        return err;
    }
    char *key_pem = NULL;
    size_t key_size = 0;
    if (err == ESP_OK && seed(drbg) != 0) {
        err = ESP_FAIL;
    }
    if (err == ESP_OK) {
        err = read_text(*handle, key_name, &key_pem, &key_size);
    }
    if (err == ESP_OK && mbedtls_pk_parse_key(key, (const unsigned char *)key_pem, strlen(key_pem) + 1, NULL, 0,
                                              mbedtls_ctr_drbg_random, drbg) != 0) {
        err = ESP_ERR_INVALID_STATE;
    }
    wipe(key_pem, key_size);
    free(key_pem);
    if (err != ESP_OK) {
        nvs_close(*handle);
    }
    return err;
}

/* This device's key (the one it connects with). */
static esp_err_t load_key(nvs_handle_t *handle, char **thing, mbedtls_ctr_drbg_context *drbg, mbedtls_pk_context *key)
{
    return load_key_named(ESPFLEET_NVS_KEY_PRIVATE_KEY, handle, thing, drbg, key);
}

esp_err_t device_key_csr(char **csr_pem, char **thing)
{
    nvs_handle_t handle;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_ctr_drbg_init(&drbg);
    mbedtls_pk_context key;
    mbedtls_pk_init(&key);
    *csr_pem = NULL;
    *thing = NULL;
    esp_err_t err = load_key(&handle, thing, &drbg, &key);
    if (err == ESP_OK) {
        nvs_close(handle);
        *csr_pem = malloc(CSR_PEM_MAX);
        if (*csr_pem == NULL) {
            err = ESP_ERR_NO_MEM;
        } else if (make_csr(&key, *thing, &drbg, *csr_pem, CSR_PEM_MAX) != 0) {
            err = ESP_FAIL;
        }
    }
    if (err != ESP_OK) {
        free(*csr_pem);
        free(*thing);
        *csr_pem = NULL;
        *thing = NULL;
    }
    mbedtls_pk_free(&key);
    mbedtls_ctr_drbg_free(&drbg);
    return err;
}

esp_err_t device_key_check_issued(const char *cert_pem, char *why, size_t why_size)
{
    nvs_handle_t handle;
    char *thing = NULL;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_ctr_drbg_init(&drbg);
    mbedtls_pk_context key;
    mbedtls_pk_init(&key);
    esp_err_t err = load_key(&handle, &thing, &drbg, &key);
    if (err == ESP_OK) {
        nvs_close(handle);
        /* the issuer chose the subject: only the key must be this device's */
        err = check_certificate(cert_pem, &key, NULL, &drbg, why, why_size);
    } else {
        snprintf(why, why_size, "this device's key cannot be read (%s)", esp_err_to_name(err));
    }
    free(thing);
    mbedtls_pk_free(&key);
    mbedtls_ctr_drbg_free(&drbg);
    return err;
}

esp_err_t device_key_store_issued(const char *cert_pem, const char *thing)
{
    nvs_handle_t handle;
    esp_err_t err = nvs_open_from_partition(ESPFLEET_IDENTITY_PARTITION, ESPFLEET_IDENTITY_NAMESPACE, NVS_READWRITE,
                                            &handle);
    if (err != ESP_OK) {
        return err;
    }
    nvs_handle_t keys;
    err = open_keys(&keys);
    if (err != ESP_OK) {
        nvs_close(handle);
        return err;
    }
#ifdef ESPFLEET_PINNED_THING_NAME
    if (strcmp(thing, ESPFLEET_PINNED_THING_NAME) != 0) {
        ESP_LOGE(TAG, "the thing is '%s', but this firmware is pinned to '%s'", thing, ESPFLEET_PINNED_THING_NAME);
        err = ESP_ERR_INVALID_ARG;
    }
#else
    /* the provisioning template names the thing; the device connects as that name from now on */
    err = store(handle, ESPFLEET_NVS_KEY_THING_NAME, thing);
#endif
    if (err == ESP_OK) {
        err = store(keys, ESPFLEET_NVS_KEY_DEVICE_CERT, cert_pem);
    }
    nvs_close(keys);
    nvs_close(handle);
    if (err == ESP_OK) {
        ESP_LOGI(TAG, "certificate stored for thing '%s'", thing);
        console_report_milestone(CONSOLE_MILESTONE_CERTIFICATE_STORED, thing);
    }
    return err;
}

esp_err_t device_key_make_staged(const char *key_name, char **csr_pem)
{
    *csr_pem = NULL;
    nvs_handle_t handle;
    esp_err_t err = open_keys(&handle);
    if (err != ESP_OK) {
        return err;
    }
    char *thing = NULL;
    char *key_pem = calloc(1, KEY_PEM_MAX);
    mbedtls_ctr_drbg_context drbg;
    mbedtls_ctr_drbg_init(&drbg);
    mbedtls_pk_context key;
    mbedtls_pk_init(&key);
    err = key_pem == NULL ? ESP_ERR_NO_MEM : read_identity_thing(&thing);
    /* Wi-Fi is up: its RF makes esp_random() a true RNG (bootloader_random_enable() is for before Wi-Fi) */
    if (err == ESP_OK && mbedtls_ctr_drbg_seed(&drbg, chip_entropy, NULL, (const unsigned char *)"espfleet rotation",
                                                17) != 0) {
        err = ESP_FAIL;
    }
    if (err == ESP_OK && make_key(&drbg, key_pem, KEY_PEM_MAX) != 0) {
        ESP_LOGE(TAG, "cannot make a new key");
        err = ESP_FAIL;
    }
    if (err == ESP_OK && mbedtls_pk_parse_key(&key, (const unsigned char *)key_pem, strlen(key_pem) + 1, NULL, 0,
                                              mbedtls_ctr_drbg_random, &drbg) != 0) {
        err = ESP_ERR_INVALID_STATE;
    }
    if (err == ESP_OK) {
        err = store(handle, key_name, key_pem);
    }
    if (err == ESP_OK) {
        *csr_pem = malloc(CSR_PEM_MAX);
        if (*csr_pem == NULL) {
            err = ESP_ERR_NO_MEM;
        } else if (make_csr(&key, thing, &drbg, *csr_pem, CSR_PEM_MAX) != 0) {
            err = ESP_FAIL;
        }
    }
    if (err != ESP_OK) {
        free(*csr_pem);
        *csr_pem = NULL;
    } else {
        ESP_LOGI(TAG, "made a new key (EC P-256), staged as '%s' beside the current one", key_name);
    }
    wipe(key_pem, KEY_PEM_MAX);
    free(key_pem);
    free(thing);
    nvs_close(handle);
    mbedtls_pk_free(&key);
    mbedtls_ctr_drbg_free(&drbg);
    return err;
}

esp_err_t device_key_check_staged(const char *key_name, const char *cert_pem, char *why, size_t why_size)
{
    nvs_handle_t handle;
    char *thing = NULL;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_ctr_drbg_init(&drbg);
    mbedtls_pk_context key;
    mbedtls_pk_init(&key);
    esp_err_t err = load_key_named(key_name, &handle, &thing, &drbg, &key);
    if (err == ESP_OK) {
        nvs_close(handle);
        err = check_certificate(cert_pem, &key, NULL, &drbg, why, why_size);
    } else {
        snprintf(why, why_size, "the staged key '%s' cannot be read (%s)", key_name, esp_err_to_name(err));
    }
    free(thing);
    mbedtls_pk_free(&key);
    mbedtls_ctr_drbg_free(&drbg);
    return err;
}
