#include "ota_job.h"

#include "espfleet_config.h"

#if ESPFLEET_JOBS_ENABLED

#include <ctype.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esp_app_desc.h"
#include "esp_https_ota.h"
#include "esp_log.h"
#include "esp_ota_ops.h"
#include "esp_partition.h"
#include "esp_system.h"
#include "esp_timer.h"
#include "mbedtls/sha256.h"
#ifdef ESPFLEET_OTA_SIGNING_KEY_PEM
#include "mbedtls/base64.h"
#include "mbedtls/md.h"
#include "mbedtls/pk.h"
#endif

static const char *TAG = "ota_job";

/* A download cut halfway starts over (from the first byte: the slot is erased again) this many times in all. */
#define OTA_DOWNLOAD_ATTEMPTS 3
#define SHA256_HEX_LENGTH 64

/* statusDetails.step: where an execution is, so that after a reboot the device knows how to carry on. */
#define STEP_DOWNLOADING "downloading"
#define STEP_REBOOTING "rebooting"

static bool s_pending;                 /* this app runs PENDING_VERIFY and has not yet passed its self-test */
static esp_timer_handle_t s_deadline;

__attribute__((weak)) bool app_self_test(void)
{
    return true;
}

void ota_self_test_begin(void (*on_deadline)(void *arg))
{
    const esp_partition_t *running = esp_ota_get_running_partition();
    esp_ota_img_states_t state;
    if (running == NULL || esp_ota_get_state_partition(running, &state) != ESP_OK
        || state != ESP_OTA_IMG_PENDING_VERIFY) {
        return;
    }
    s_pending = true;
    const esp_timer_create_args_t args = {.callback = on_deadline, .name = "ota_self_test"};
    if (esp_timer_create(&args, &s_deadline) != ESP_OK
        || esp_timer_start_once(s_deadline, (uint64_t)ESPFLEET_JOBS_SELF_TEST_TIMEOUT_MS * 1000u) != ESP_OK) {
        ESP_LOGE(TAG, "cannot arm the self-test deadline");
    }
    ESP_LOGW(TAG, "new app %s in %s runs PENDING_VERIFY: self-test within %" PRIu32 " ms (connected, shadow round "
             "trip, app_self_test)", esp_app_get_description()->version, running->label,
             (uint32_t)ESPFLEET_JOBS_SELF_TEST_TIMEOUT_MS);
}

bool ota_self_test_pending(void)
{
    return s_pending;
}

static void roll_back(const char *why)
{
    ESP_LOGE(TAG, "self-test failed (%s): marking this app invalid; the previous one boots again", why);
    esp_err_t err = esp_ota_mark_app_invalid_rollback_and_reboot();
    /* only back here when there is nothing to roll back to */
    ESP_LOGE(TAG, "rollback impossible (%s): keeping this app", esp_err_to_name(err));
    s_pending = false;
}

void ota_self_test_shadow_synced(void)
{
    if (!s_pending) {
        return;
    }
    if (!app_self_test()) {
        roll_back("app_self_test() returned false");
        return;
    }
    esp_err_t err = esp_ota_mark_app_valid_cancel_rollback();
    if (err != ESP_OK) {
        ESP_LOGE(TAG, "esp_ota_mark_app_valid_cancel_rollback: %s", esp_err_to_name(err));
        return;
    }
    if (s_deadline != NULL) {
        esp_timer_stop(s_deadline);
    }
    s_pending = false;
    ESP_LOGI(TAG, "self-test passed: app %s confirmed", esp_app_get_description()->version);
}

void ota_self_test_deadline_passed(void)
{
    if (s_pending) {
        roll_back("no shadow round trip as this thing before the deadline");
    }
}

/* Compares numbers numerically and other characters as text, so "1.10.0" is newer than "1.9.2". */
int ota_version_compare(const char *a, const char *b)
{
    while (*a != '\0' || *b != '\0') {
        if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
            char *end_a;
            char *end_b;
            unsigned long long x = strtoull(a, &end_a, 10);
            unsigned long long y = strtoull(b, &end_b, 10);
            if (x != y) {
                return x < y ? -1 : 1;
            }
            a = end_a;
            b = end_b;
        } else {
            if (*a != *b) {
                /* a version that ends sorts first; "1.2" < "1.2.1" */
                return (unsigned char)*a < (unsigned char)*b ? -1 : 1;
            }
            a++;
            b++;
        }
    }
    return 0;
}

static cJSON *details(const char *step, const char *key, const char *value, const char *from, const char *to)
{
    cJSON *d = cJSON_CreateObject();
    if (d == NULL) {
        return NULL;
    }
    if ((step != NULL && cJSON_AddStringToObject(d, "step", step) == NULL)
        || (key != NULL && cJSON_AddStringToObject(d, key, value) == NULL)
        || (from != NULL && cJSON_AddStringToObject(d, "from", from) == NULL)
        || (to != NULL && cJSON_AddStringToObject(d, "to", to) == NULL)) {
        cJSON_Delete(d);
        return NULL;
    }
    return d;
}

static void finish(jobs_execution_t *execution, const char *status, const char *step, const char *key,
                   const char *value)
{
    cJSON *d = details(step, key, value, NULL, NULL);
    if (strcmp(status, "SUCCEEDED") == 0) {
        ESP_LOGI(TAG, "job %s %s: %s", execution->job_id, status, value);
    } else {
        ESP_LOGW(TAG, "job %s %s: %s", execution->job_id, status, value);
    }
    jobs_update(execution, status, d);
    cJSON_Delete(d);
}

static bool hex_digest(const char *text, unsigned char out[32])
{
    if (text == NULL || strlen(text) != SHA256_HEX_LENGTH) {
        return false;
    }
    for (int i = 0; i < 32; i++) {
        unsigned int byte;
        if (!isxdigit((unsigned char)text[2 * i]) || !isxdigit((unsigned char)text[2 * i + 1])
            || sscanf(text + 2 * i, "%2x", &byte) != 1) {
            return false;
        }
        out[i] = (unsigned char)byte;
    }
    return true;
}

static void to_hex(const unsigned char digest[32], char out[SHA256_HEX_LENGTH + 1])
{
    for (int i = 0; i < 32; i++) {
        snprintf(out + 2 * i, 3, "%02x", digest[i]);
    }
}

/* SHA-256 of the first `length` bytes written to `partition`: what was downloaded, read back from flash. */
static esp_err_t partition_sha256(const esp_partition_t *partition, size_t length, unsigned char out[32])
{
    mbedtls_sha256_context sha;
    mbedtls_sha256_init(&sha);
    esp_err_t err = mbedtls_sha256_starts(&sha, 0) == 0 ? ESP_OK : ESP_FAIL;
    unsigned char buffer[1024];
    for (size_t at = 0; err == ESP_OK && at < length; at += sizeof(buffer)) {
        size_t n = length - at < sizeof(buffer) ? length - at : sizeof(buffer);
        err = esp_partition_read(partition, at, buffer, n);
        if (err == ESP_OK && mbedtls_sha256_update(&sha, buffer, n) != 0) {
            err = ESP_FAIL;
        }
    }
    if (err == ESP_OK && mbedtls_sha256_finish(&sha, out) != 0) {
        err = ESP_FAIL;
    }
    mbedtls_sha256_free(&sha);
    return err;
}

#ifdef ESPFLEET_OTA_SIGNING_KEY_PEM
/* A DER ECDSA P-256 signature is at most 72 bytes; room for more, refused by the verification. */
#define OTA_SIGNATURE_MAX 160

/* ESP_OK when `signature` (DER) is jobs.ota_signing_key's ECDSA over the image whose SHA-256 is `digest`. */
static esp_err_t verify_signature(const unsigned char digest[32], const unsigned char *signature, size_t length,
                                  char reason[OTA_REASON_MAX])
{
    static const char key[] = ESPFLEET_OTA_SIGNING_KEY_PEM;
    mbedtls_pk_context pk;
    mbedtls_pk_init(&pk);
    int rc = mbedtls_pk_parse_public_key(&pk, (const unsigned char *)key, sizeof(key));
    if (rc != 0) {
        snprintf(reason, OTA_REASON_MAX, "the signing key built into the firmware cannot be read (-0x%04x)",
                 (unsigned)-rc);
    } else if ((rc = mbedtls_pk_verify(&pk, MBEDTLS_MD_SHA256, digest, 32, signature, length)) != 0) {
        snprintf(reason, OTA_REASON_MAX, "signature check failed: the image is not signed by jobs.ota_signing_key "
                 "(-0x%04x)", (unsigned)-rc);
    }
    mbedtls_pk_free(&pk);
    return rc == 0 ? ESP_OK : ESP_ERR_OTA_VALIDATE_FAILED;
}
#endif

/*
 * One download into the next slot. ESP_OK: the image is there, its digest is the document's, and it is the
 * boot partition (esp_https_ota_finish switches only after the digest matched). Else `reason` says why and the
 * running app's slot stays the boot slot.
 */
static esp_err_t download(const char *url, const char *ca, const char *version, const unsigned char digest[32],
                          const unsigned char *signature, size_t signature_length, char reason[OTA_REASON_MAX],
                          bool *retryable)
{
    *retryable = true; /* the connection, the server, the transfer: another attempt may get through */
    const esp_http_client_config_t http = {
        .url = url,
        .cert_pem = ca,
        .timeout_ms = ESPFLEET_MQTT_NETWORK_TIMEOUT_MS,
        .keep_alive_enable = true,
    };
    const esp_https_ota_config_t config = {.http_config = &http};
    esp_https_ota_handle_t ota = NULL;
    esp_err_t err = esp_https_ota_begin(&config, &ota);
    if (err != ESP_OK) {
        snprintf(reason, OTA_REASON_MAX, "cannot start the download: %s", esp_err_to_name(err));
        return err;
    }
    esp_app_desc_t incoming;
    err = esp_https_ota_get_img_desc(ota, &incoming);
    const esp_app_desc_t *running = esp_app_get_description();
    if (err != ESP_OK) {
        snprintf(reason, OTA_REASON_MAX, "the download is not an app image: %s", esp_err_to_name(err));
    } else if (strncmp(incoming.project_name, running->project_name, sizeof(incoming.project_name)) != 0) {
        snprintf(reason, OTA_REASON_MAX, "the image is project '%.32s'; this device runs '%.32s'",
                 incoming.project_name, running->project_name);
        err = ESP_ERR_OTA_VALIDATE_FAILED;
    } else if (strncmp(incoming.version, version, sizeof(incoming.version)) != 0) {
        snprintf(reason, OTA_REASON_MAX, "the image is version '%.32s'; the job document says '%.32s'",
                 incoming.version, version);
        err = ESP_ERR_OTA_VALIDATE_FAILED;
    }
    if (err != ESP_OK) {
        *retryable = false; /* the image itself is wrong: asking again gives the same */
        esp_https_ota_abort(ota);
        return err;
    }
    while ((err = esp_https_ota_perform(ota)) == ESP_ERR_HTTPS_OTA_IN_PROGRESS) {
    }
    int received = esp_https_ota_get_image_len_read(ota);
    if (err != ESP_OK || !esp_https_ota_is_complete_data_received(ota)) {
        snprintf(reason, OTA_REASON_MAX, "download interrupted after %d of %d bytes: %s", received,
                 esp_https_ota_get_image_size(ota), esp_err_to_name(err != ESP_OK ? err : ESP_ERR_HTTP_INCOMPLETE_DATA));
        esp_https_ota_abort(ota);
        return err != ESP_OK ? err : ESP_ERR_HTTP_INCOMPLETE_DATA;
    }
    *retryable = false;
    unsigned char actual[32];
    const esp_partition_t *slot = esp_ota_get_next_update_partition(NULL);
    err = slot != NULL ? partition_sha256(slot, (size_t)received, actual) : ESP_ERR_NOT_FOUND;
    if (err != ESP_OK || memcmp(actual, digest, sizeof(actual)) != 0) {
        char expected_hex[SHA256_HEX_LENGTH + 1];
        char actual_hex[SHA256_HEX_LENGTH + 1];
        to_hex(digest, expected_hex);
        to_hex(actual, actual_hex);
        if (err != ESP_OK) {
            snprintf(reason, OTA_REASON_MAX, "cannot read the image back: %s", esp_err_to_name(err));
        } else {
            snprintf(reason, OTA_REASON_MAX, "SHA-256 mismatch: the download is %s, the job document says %s",
                     actual_hex, expected_hex);
            err = ESP_ERR_OTA_VALIDATE_FAILED;
        }
        esp_https_ota_abort(ota); /* the slot never becomes the boot slot */
        return err;
    }
#ifdef ESPFLEET_OTA_SIGNING_KEY_PEM
    /* the digest is the slot's own: the signature covers what was written, checked before the switch */
    err = verify_signature(actual, signature, signature_length, reason);
    if (err != ESP_OK) {
        esp_https_ota_abort(ota);
        return err;
    }
#else
    (void)signature;
    (void)signature_length;
#endif
    err = esp_https_ota_finish(ota);
    if (err != ESP_OK) {
        snprintf(reason, OTA_REASON_MAX, "the image was refused: %s", esp_err_to_name(err));
    }
    return err;
}

void ota_job_run(jobs_execution_t *execution, const char *ca)
{
    const cJSON *doc = execution->document;
    const cJSON *url = cJSON_GetObjectItemCaseSensitive(doc, "url");
    const cJSON *sha = cJSON_GetObjectItemCaseSensitive(doc, "sha256");
    const cJSON *version = cJSON_GetObjectItemCaseSensitive(doc, "version");
    const cJSON *allow = cJSON_GetObjectItemCaseSensitive(doc, "allowDowngrade");
    const char *running = esp_app_get_description()->version;
    unsigned char digest[32];
    char reason[OTA_REASON_MAX];

    if (!cJSON_IsString(url) || strncmp(url->valuestring, "https://", 8) != 0) {
        finish(execution, "REJECTED", NULL, "reason", "job document: \"url\" must be an https:// URL");
        return;
    }
    if (!cJSON_IsString(sha) || !hex_digest(sha->valuestring, digest)) {
        finish(execution, "REJECTED", NULL, "reason", "job document: \"sha256\" must be 64 hex digits");
        return;
    }
    if (!cJSON_IsString(version) || version->valuestring[0] == '\0' || strlen(version->valuestring) > 31) {
        finish(execution, "REJECTED", NULL, "reason", "job document: \"version\" must be 1-31 characters");
        return;
    }
    if (allow != NULL && !cJSON_IsBool(allow)) {
        finish(execution, "REJECTED", NULL, "reason", "job document: \"allowDowngrade\" must be true or false");
        return;
    }
    const unsigned char *signature = NULL;
    size_t signature_length = 0;
#ifdef ESPFLEET_OTA_SIGNING_KEY_PEM
    const cJSON *sig = cJSON_GetObjectItemCaseSensitive(doc, "signature");
    unsigned char signature_der[OTA_SIGNATURE_MAX];
    if (!cJSON_IsString(sig) || mbedtls_base64_decode(signature_der, sizeof(signature_der), &signature_length,
                                                      (const unsigned char *)sig->valuestring,
                                                      strlen(sig->valuestring)) != 0
        || signature_length == 0) {
        finish(execution, "FAILED", "download", "reason", "job document: \"signature\" (base64 DER ECDSA over the "
               "image's SHA-256) is required: this firmware has jobs.ota_signing_key");
        return;
    }
    signature = signature_der;
#endif
    const char *target = version->valuestring;
    const char *step = jobs_status_detail(execution, "step");
    bool after_switch = step != NULL && strcmp(step, STEP_REBOOTING) == 0;
    bool after_download = step != NULL && strcmp(step, STEP_DOWNLOADING) == 0;
    if ((after_switch || after_download) && strcmp(running, target) == 0) {
        /* the new app runs, and has passed its self-test (jobs waits for it) */
        finish(execution, "SUCCEEDED", "done", "version", running);
        return;
    }
    if (after_switch) {
        const esp_partition_t *invalid = esp_ota_get_last_invalid_partition();
        esp_app_desc_t rejected;
        if (invalid != NULL && esp_ota_get_partition_description(invalid, &rejected) == ESP_OK
            && strncmp(rejected.version, target, sizeof(rejected.version)) == 0) {
            snprintf(reason, sizeof(reason), "%s in %s did not pass its self-test (it marked itself invalid, or was "
                     "reset before confirming); rolled back to %s", target, invalid->label, running);
        } else {
            snprintf(reason, sizeof(reason), "%s did not come up; rolled back to %s", target, running);
        }
        cJSON *d = details("rolled-back", "reason", reason, NULL, NULL);
        if (d != NULL && cJSON_AddStringToObject(d, "version", running) != NULL) {
            ESP_LOGW(TAG, "job %s FAILED: %s", execution->job_id, reason);
            jobs_update(execution, "FAILED", d);
        }
        cJSON_Delete(d);
        return;
    }
    int order = ota_version_compare(target, running);
    if (order == 0) {
        snprintf(reason, sizeof(reason), "already running %s", running);
        finish(execution, "REJECTED", NULL, "reason", reason);
        return;
    }
    if (order < 0 && !cJSON_IsTrue(allow)) {
        snprintf(reason, sizeof(reason), "downgrade from %s to %s refused (the document does not allow it)", running,
                 target);
        finish(execution, "REJECTED", NULL, "reason", reason);
        return;
    }
    cJSON *progress = details(STEP_DOWNLOADING, NULL, NULL, running, target);
    bool started = progress != NULL && jobs_update(execution, "IN_PROGRESS", progress);
    cJSON_Delete(progress);
    if (!started) {
        return; /* start-next brings the execution back on the next connection */
    }
    esp_err_t err = ESP_FAIL;
    bool retryable = true;
    for (int attempt = 1; attempt <= OTA_DOWNLOAD_ATTEMPTS && retryable; attempt++) {
        ESP_LOGI(TAG, "job %s: downloading %s (attempt %d of %d)", execution->job_id, target, attempt,
                 OTA_DOWNLOAD_ATTEMPTS);
        err = download(url->valuestring, ca, target, digest, signature, signature_length, reason, &retryable);
        if (err == ESP_OK) {
            break;
        }
        ESP_LOGW(TAG, "job %s: %s", execution->job_id, reason);
    }
    if (err != ESP_OK) {
        finish(execution, "FAILED", "download", "reason", reason);
        return;
    }
    cJSON *rebooting = details(STEP_REBOOTING, NULL, NULL, running, target);
    if (rebooting == NULL || !jobs_update(execution, "IN_PROGRESS", rebooting)) {
        ESP_LOGW(TAG, "job %s: the switch was not recorded; rebooting anyway", execution->job_id);
    }
    cJSON_Delete(rebooting);
    ESP_LOGI(TAG, "job %s: %s is the boot app; rebooting", execution->job_id, target);
    esp_restart();
}

#endif /* ESPFLEET_JOBS_ENABLED */
