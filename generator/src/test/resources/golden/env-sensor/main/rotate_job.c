#include "rotate_job.h"

#include "espfleet_config.h"

#if ESPFLEET_JOBS_ENABLED && ESPFLEET_JOBS_ROTATION

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cJSON.h"
#include "esp_log.h"
#include "esp_system.h"
#include "esp_timer.h"
#include "esp_tls_errors.h"
#include "mqtt_client.h"
#include "nvs.h"

#include "device_key.h"
#include "fleet_provisioning.h"

static const char *TAG = "rotate_job";

/* AWS IoT's CreateCertificateFromCsr and RegisterThing (Fleet Provisioning MQTT API, JSON payloads), on the thing's
 * own connection: the certificate CreateCertificateFromCsr makes is attached to nothing; RegisterThing with the
 * rotation template attaches it to this thing and the device policy */
#define CREATE_TOPIC "$aws/certificates/create-from-csr/json"
#define REGISTER_TOPIC FLEET_PROVISIONING_TOPIC(ESPFLEET_JOBS_ROTATION_TEMPLATE)
/* how long the service may take to answer (as for fleet provisioning) */
#define ANSWER_TIMEOUT_MS 30000u
/* how long this boot tries the new pair when the broker neither accepts nor refuses it (a network down, a broker
 * away): the first connection attempt and a few reconnects */
#define CONNECT_DEADLINE_MS (4u * (uint32_t)ESPFLEET_MQTT_NETWORK_TIMEOUT_MS)
#define REASON_MAX 200

/* MQTT and esp_timer tasks: */
static esp_timer_handle_t s_deadline;
static volatile bool s_trying;       /* this boot connects with the staged pair and has not connected yet */
static char s_why[REASON_MAX];        /* why the staged pair is given up */

/* Where the key and certificate are, the staged pair beside them (device_key.h). */
static esp_err_t open_identity(nvs_handle_t *handle)
{
    return nvs_open_from_partition(DEVICE_KEY_PARTITION, ESPFLEET_IDENTITY_NAMESPACE, NVS_READWRITE, handle);
}

static rotate_state_t read_state(nvs_handle_t handle)
{
    uint8_t state = ROTATE_NONE;
    if (nvs_get_u8(handle, ROTATE_NVS_KEY_STATE, &state) != ESP_OK || state > ROTATE_COMMITTED) {
        return ROTATE_NONE;
    }
    return (rotate_state_t)state;
}

static esp_err_t write_state(nvs_handle_t handle, rotate_state_t state)
{
    esp_err_t err = nvs_set_u8(handle, ROTATE_NVS_KEY_STATE, (uint8_t)state);
    if (err == ESP_OK) {
        err = nvs_commit(handle);
    }
    if (err != ESP_OK) {
        ESP_LOGE(TAG, "cannot write the rotation state %d: %s", (int)state, esp_err_to_name(err));
    }
    return err;
}

static char *read_text(nvs_handle_t handle, const char *key)
{
    size_t length = 0;
    if (nvs_get_str(handle, key, NULL, &length) != ESP_OK) {
        return NULL;
    }
    char *value = malloc(length);
    if (value != NULL && nvs_get_str(handle, key, value, &length) != ESP_OK) {
        free(value);
        value = NULL;
    }
    return value;
}

static void free_secret(char *secret)
{
    if (secret != NULL) {
        for (volatile char *p = secret; *p != '\0'; p++) {
            *p = '\0';
        }
        free(secret);
    }
}

static void erase_key(nvs_handle_t handle, const char *key)
{
    esp_err_t err = nvs_erase_key(handle, key);
    if (err != ESP_OK && err != ESP_ERR_NVS_NOT_FOUND) {
        ESP_LOGW(TAG, "cannot erase '%s': %s", key, esp_err_to_name(err));
    }
}

/* Erases the staged pair, the reason and, when `state_too`, the state. */
static void discard_staged(nvs_handle_t handle, bool state_too)
{
    erase_key(handle, ROTATE_NVS_KEY_STAGED_KEY);
    erase_key(handle, ROTATE_NVS_KEY_STAGED_CERT);
    erase_key(handle, ROTATE_NVS_KEY_WHY);
    if (state_too) {
        erase_key(handle, ROTATE_NVS_KEY_STATE);
    }
    nvs_commit(handle);
}

/* Copies the staged pair over the current one and erases it: COMMITTING before, COMMITTED after, so that a commit
 * cut short is finished at the next boot. */
static esp_err_t commit(nvs_handle_t handle)
{
    char *key = read_text(handle, ROTATE_NVS_KEY_STAGED_KEY);
    char *cert = read_text(handle, ROTATE_NVS_KEY_STAGED_CERT);
    esp_err_t err = key != NULL && cert != NULL ? ESP_OK : ESP_ERR_NVS_NOT_FOUND;
    if (err == ESP_OK) {
        err = write_state(handle, ROTATE_COMMITTING);
    }
    if (err == ESP_OK) {
        err = nvs_set_str(handle, ESPFLEET_NVS_KEY_PRIVATE_KEY, key);
    }
    if (err == ESP_OK) {
        err = nvs_set_str(handle, ESPFLEET_NVS_KEY_DEVICE_CERT, cert);
    }
    if (err == ESP_OK) {
        err = nvs_commit(handle);
    }
    if (err == ESP_OK) {
        discard_staged(handle, false);
        err = write_state(handle, ROTATE_COMMITTED);
    }
    free_secret(key);
    free(cert);
    return err;
}

/* esp_timer task: the staged pair did not connect (or was refused): back to the old pair with a restart. */
static void fall_back(void *arg)
{
    (void)arg;
    if (!s_trying) {
        return;
    }
    s_trying = false;
    nvs_handle_t handle;
    if (open_identity(&handle) == ESP_OK) {
        nvs_set_str(handle, ROTATE_NVS_KEY_WHY, s_why);
        write_state(handle, ROTATE_REFUSED);
        nvs_close(handle);
    }
    ESP_LOGW(TAG, "the new certificate was not accepted (%s): restarting with the old one", s_why);
    esp_restart();
}

void rotate_boot_select(device_identity_t *identity)
{
    nvs_handle_t handle;
    if (open_identity(&handle) != ESP_OK) {
        return;
    }
    rotate_state_t state = read_state(handle);
    if (state == ROTATE_COMMITTING) {
        ESP_LOGI(TAG, "finishing a commit cut short by a restart");
        if (commit(handle) != ESP_OK) {
            ESP_LOGE(TAG, "the staged pair is gone: staying on the current one");
            write_state(handle, ROTATE_COMMITTED);
        }
        state = ROTATE_COMMITTED;
        free(identity->device_cert);
        free_secret(identity->private_key);
        identity->device_cert = read_text(handle, ESPFLEET_NVS_KEY_DEVICE_CERT);
        identity->private_key = read_text(handle, ESPFLEET_NVS_KEY_PRIVATE_KEY);
    } else if (state == ROTATE_STAGED) {
        char *key = read_text(handle, ROTATE_NVS_KEY_STAGED_KEY);
        char *cert = read_text(handle, ROTATE_NVS_KEY_STAGED_CERT);
        const esp_timer_create_args_t args = {.callback = fall_back, .name = "rotate_deadline"};
        if (key == NULL || cert == NULL || write_state(handle, ROTATE_TRYING) != ESP_OK
            || (s_deadline == NULL && esp_timer_create(&args, &s_deadline) != ESP_OK)) {
            ESP_LOGE(TAG, "the staged pair cannot be tried: staying on the current one");
            nvs_set_str(handle, ROTATE_NVS_KEY_WHY, "the staged key and certificate could not be read");
            write_state(handle, ROTATE_REFUSED);
            free_secret(key);
            free(cert);
        } else {
            /* tried once: a restart before it connects means the old pair (ROTATE_TRYING below) */
            free(identity->device_cert);
            free_secret(identity->private_key);
            identity->device_cert = cert;
            identity->private_key = key;
            snprintf(s_why, sizeof(s_why), "not connected with the new certificate within %u s",
                     (unsigned)(CONNECT_DEADLINE_MS / 1000u));
            s_trying = true;
            esp_timer_start_once(s_deadline, (uint64_t)CONNECT_DEADLINE_MS * 1000u);
            ESP_LOGI(TAG, "connecting with the new certificate (the old one stays until this succeeds)");
        }
    } else if (state == ROTATE_TRYING) {
        ESP_LOGW(TAG, "restarted while trying the new certificate: back on the old one");
        nvs_set_str(handle, ROTATE_NVS_KEY_WHY, "the device restarted before it connected with the new certificate");
        write_state(handle, ROTATE_REFUSED);
    }
    nvs_close(handle);
}

void rotate_on_connected(void)
{
    if (s_trying) {
        s_trying = false;
        esp_timer_stop(s_deadline);
        ESP_LOGI(TAG, "connected with the new certificate");
    }
}

void rotate_on_mqtt_error(const esp_mqtt_error_codes_t *error)
{
    if (!s_trying || error == NULL) {
        return;
    }
    char detail[REASON_MAX - 48];
    if (error->error_type == MQTT_ERROR_TYPE_CONNECTION_REFUSED) {
        snprintf(detail, sizeof(detail), "CONNACK refused (code %d)", (int)error->connect_return_code);
    } else if (error->error_type == MQTT_ERROR_TYPE_TCP_TRANSPORT
               && (error->esp_tls_last_esp_err == ESP_ERR_MBEDTLS_SSL_HANDSHAKE_FAILED
                   || error->esp_tls_last_esp_err == ESP_ERR_ESP_TLS_TCP_CLOSED_FIN)) {
        /* esp-tls keeps the mbedTLS error negated (positive): shown as mbedTLS writes it */
        snprintf(detail, sizeof(detail), "%s (mbedTLS -0x%04x) before CONNACK",
                 esp_err_to_name(error->esp_tls_last_esp_err), (unsigned)error->esp_tls_stack_err);
    } else {
        return; /* a network that is down says nothing about the certificate: the deadline decides */
    }
    snprintf(s_why, sizeof(s_why), "the broker refused the new certificate: %s", detail);
    /* not here, in the MQTT task: the fall-back writes NVS and restarts, from the timer's task */
    esp_timer_stop(s_deadline);
    esp_timer_start_once(s_deadline, 0);
}

static void finish(jobs_execution_t *execution, const char *status, const char *step, const char *reason)
{
    cJSON *details = cJSON_CreateObject();
    if (details != NULL && cJSON_AddStringToObject(details, "step", step) != NULL
        && (reason == NULL || cJSON_AddStringToObject(details, "reason", reason) != NULL)) {
        const char *id = jobs_status_detail(execution, "certificateId");
        if (id != NULL) {
            cJSON_AddStringToObject(details, "certificateId", id);
        }
        jobs_update(execution, status, details);
    }
    cJSON_Delete(details);
}

/* After the restart: the boot tried the staged pair; the job runs, so this boot is connected. */
static void resume(jobs_execution_t *execution, nvs_handle_t handle, rotate_state_t state)
{
    if (state == ROTATE_TRYING) {
        if (commit(handle) != ESP_OK) {
            discard_staged(handle, true);
            finish(execution, "FAILED", "commit", "the new key and certificate could not be stored as the current ones");
            return;
        }
        ESP_LOGI(TAG, "the new certificate is the current one; the old key is erased");
        state = ROTATE_COMMITTED;
    }
    if (state == ROTATE_COMMITTED) {
        finish(execution, "SUCCEEDED", "committed", NULL);
        erase_key(handle, ROTATE_NVS_KEY_STATE);
        nvs_commit(handle);
    } else if (state == ROTATE_REFUSED) {
        char *why = read_text(handle, ROTATE_NVS_KEY_WHY);
        char reason[REASON_MAX + 64];
        snprintf(reason, sizeof(reason), "%s; back on the old certificate", why != NULL ? why : "refused");
        free(why);
        discard_staged(handle, true);
        finish(execution, "FAILED", "fell-back", reason);
    } else {
        discard_staged(handle, true);
        finish(execution, "FAILED", "reconnecting", "no new certificate was staged when the device restarted");
    }
}

static const char *string_field(const cJSON *root, const char *name)
{
    const char *value = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, name));
    return value != NULL && value[0] != '\0' ? value : NULL;
}

/*
 * RegisterThing with the rotation template and the ownership token of the new certificate: the template attaches it
 * to this thing and the device policy (without that AWS refuses a connection with it). `*step` becomes "register"
 * once the request is made, so that a failure is reported as that step.
 */
static esp_err_t register_thing(const char *token, char *why, size_t why_size, const char **step)
{
    *step = "register";
    const char *thing = jobs_thing_name();
    cJSON *request = fleet_provisioning_register_request(token, thing);
    char *text = request != NULL ? cJSON_PrintUnformatted(request) : NULL;
    cJSON_Delete(request);
    bool sent = text != NULL && esp_mqtt_client_publish(jobs_client(), REGISTER_TOPIC, text, 0, 1, 0) >= 0;
    free_secret(text); /* the ownership token is a bearer secret */
    bool accepted = false;
    char *payload = NULL;
    bool answered = sent && jobs_await_certificate_answer(true, ANSWER_TIMEOUT_MS, &accepted, &payload);
    cJSON *answer = answered ? cJSON_Parse(payload) : NULL;
    free(payload);
    const char *registered = NULL;
    esp_err_t err = ESP_FAIL;
    if (!sent) {
        snprintf(why, why_size, "cannot publish to " REGISTER_TOPIC);
    } else if (!answered) {
        snprintf(why, why_size, "no answer to RegisterThing within %u s", (unsigned)(ANSWER_TIMEOUT_MS / 1000u));
    } else if (answer == NULL) {
        snprintf(why, why_size, "RegisterThing's answer is not JSON");
    } else {
        err = fleet_provisioning_check_registered(answer, accepted, &registered, why, why_size);
        if (err == ESP_OK && strcmp(registered, thing) != 0) {
            snprintf(why, why_size, "RegisterThing registered thing '%.64s', not this one: check template '"
                     ESPFLEET_JOBS_ROTATION_TEMPLATE "'", registered);
            err = ESP_ERR_INVALID_RESPONSE;
        }
    }
    if (err == ESP_OK) {
        ESP_LOGI(TAG, "the new certificate is registered to '%s' with template '%s'", thing,
                 ESPFLEET_JOBS_ROTATION_TEMPLATE);
    }
    cJSON_Delete(answer);
    return err;
}

/* From the start: new key, CSR, certificate, registered with the thing, staged, restart. */
static void start(jobs_execution_t *execution, nvs_handle_t handle)
{
    discard_staged(handle, true); /* what an earlier rotation left */
    cJSON *details = cJSON_CreateObject();
    bool reported = details != NULL && cJSON_AddStringToObject(details, "step", "csr") != NULL
                    && jobs_update(execution, "IN_PROGRESS", details);
    cJSON_Delete(details);
    if (!reported) {
        return; /* the service did not take the step: the execution comes back from start-next */
    }
    char *csr = NULL;
    esp_err_t err = device_key_make_staged(ROTATE_NVS_KEY_STAGED_KEY, &csr);
    if (err != ESP_OK) {
        discard_staged(handle, true);
        finish(execution, "FAILED", "csr", "no new key or certificate request could be made");
        return;
    }
    cJSON *request = cJSON_CreateObject();
    char *text = NULL;
    if (request != NULL && cJSON_AddStringToObject(request, "certificateSigningRequest", csr) != NULL) {
        text = cJSON_PrintUnformatted(request);
    }
    cJSON_Delete(request);
    free(csr);
    bool sent = text != NULL && esp_mqtt_client_publish(jobs_client(), CREATE_TOPIC, text, 0, 1, 0) >= 0;
    cJSON_free(text);
    bool accepted = false;
    char *payload = NULL;
    bool answered = sent && jobs_await_certificate_answer(false, ANSWER_TIMEOUT_MS, &accepted, &payload);
    cJSON *answer = answered ? cJSON_Parse(payload) : NULL;
    free(payload);
    const char *certificate = string_field(answer, "certificatePem");
    const char *id = string_field(answer, "certificateId");
    const char *token = string_field(answer, "certificateOwnershipToken");
    char why[REASON_MAX] = "";
    const char *step = "certificate";
    if (!sent) {
        snprintf(why, sizeof(why), "cannot publish to " CREATE_TOPIC);
    } else if (!answered) {
        snprintf(why, sizeof(why), "no answer to CreateCertificateFromCsr within %u s",
                 (unsigned)(ANSWER_TIMEOUT_MS / 1000u));
    } else if (!accepted) {
        const cJSON *status = cJSON_GetObjectItemCaseSensitive(answer, "statusCode");
        const char *code = string_field(answer, "errorCode");
        const char *message = string_field(answer, "errorMessage");
        snprintf(why, sizeof(why), "CreateCertificateFromCsr rejected: %d %s: %s",
                 cJSON_IsNumber(status) ? status->valueint : 0, code != NULL ? code : "?",
                 message != NULL ? message : "");
    } else if (certificate == NULL || id == NULL || token == NULL) {
        snprintf(why, sizeof(why), "CreateCertificateFromCsr's answer lacks certificatePem, certificateId or the token");
    } else if (device_key_check_staged(ROTATE_NVS_KEY_STAGED_KEY, certificate, why, sizeof(why)) == ESP_OK
               && register_thing(token, why, sizeof(why), &step) == ESP_OK) {
        err = nvs_set_str(handle, ROTATE_NVS_KEY_STAGED_CERT, certificate);
        if (err == ESP_OK) {
            err = nvs_commit(handle);
        }
        if (err == ESP_OK) {
            err = write_state(handle, ROTATE_STAGED);
        }
        if (err != ESP_OK) {
            snprintf(why, sizeof(why), "cannot store the new certificate: %s", esp_err_to_name(err));
        }
    }
    if (why[0] != '\0') {
        cJSON_Delete(answer);
        discard_staged(handle, true);
        finish(execution, "FAILED", step, why);
        return;
    }
    details = cJSON_CreateObject();
    reported = details != NULL && cJSON_AddStringToObject(details, "step", "reconnecting") != NULL
               && cJSON_AddStringToObject(details, "certificateId", id) != NULL
               && jobs_update(execution, "IN_PROGRESS", details);
    cJSON_Delete(details);
    cJSON_Delete(answer);
    if (!reported) {
        /* after the restart the job would not know it staged a pair: give it up, start-next brings the job back */
        discard_staged(handle, true);
        return;
    }
    ESP_LOGI(TAG, "new certificate %.16s... staged: restarting to connect with it", id);
    nvs_close(handle);
    esp_restart();
}

void rotate_job_run(jobs_execution_t *execution)
{
    nvs_handle_t handle;
    esp_err_t err = open_identity(&handle);
    if (err != ESP_OK) {
        finish(execution, "FAILED", "csr", "the identity partition cannot be opened");
        return;
    }
    const char *step = jobs_status_detail(execution, "step");
    rotate_state_t state = read_state(handle);
    if (step != NULL && strcmp(step, "reconnecting") == 0) {
        resume(execution, handle, state);
    } else {
        start(execution, handle); /* new, or cut short before the restart: the staged key never served */
    }
    nvs_close(handle);
}

#else /* no rotate-certificate jobs (jobs.rotation): the boot never has a staged pair to choose */

void rotate_boot_select(device_identity_t *identity)
{
    (void)identity;
}

void rotate_on_connected(void)
{
}

void rotate_on_mqtt_error(const esp_mqtt_error_codes_t *error)
{
    (void)error;
}

void rotate_job_run(jobs_execution_t *execution)
{
    (void)execution;
}

#endif
