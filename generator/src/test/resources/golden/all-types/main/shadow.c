#include "shadow.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cJSON.h"
#include "esp_log.h"

#include "device_state.h"
#include "espfleet_config.h"

static const char *TAG = "shadow";

static bool format_topic(char *out, const char *thing, const char *shadow_name, const char *suffix)
{
    int n;
    if (shadow_name[0] == '\0') {
        n = snprintf(out, SHADOW_TOPIC_MAX, "$aws/things/%s/shadow/%s", thing, suffix);
    } else {
        n = snprintf(out, SHADOW_TOPIC_MAX, "$aws/things/%s/shadow/name/%s/%s", thing, shadow_name, suffix);
    }
    return n > 0 && n < SHADOW_TOPIC_MAX;
}

bool shadow_topics_init(shadow_topics_t *topics, const char *thing, const char *shadow_name,
                        const char *status_prefix)
{
    memset(topics, 0, sizeof(*topics));
    int n = snprintf(topics->status, SHADOW_TOPIC_MAX, "%s/%s/status", status_prefix, thing);
    bool ok = n > 0 && n < SHADOW_TOPIC_MAX;
    ok = ok && format_topic(topics->get, thing, shadow_name, "get");
    ok = ok && format_topic(topics->get_accepted, thing, shadow_name, "get/accepted");
    ok = ok && format_topic(topics->get_rejected, thing, shadow_name, "get/rejected");
    ok = ok && format_topic(topics->update, thing, shadow_name, "update");
    ok = ok && format_topic(topics->update_delta, thing, shadow_name, "update/delta");
    ok = ok && format_topic(topics->update_rejected, thing, shadow_name, "update/rejected");
    if (!ok) {
        ESP_LOGE(TAG, "thing or shadow name too long for a topic of %d bytes", SHADOW_TOPIC_MAX);
    }
    return ok;
}

shadow_message_t shadow_classify(const shadow_topics_t *topics, const char *topic)
{
    if (strcmp(topic, topics->update_delta) == 0) {
        return SHADOW_MESSAGE_DELTA;
    }
    if (strcmp(topic, topics->get_accepted) == 0) {
        return SHADOW_MESSAGE_GET_ACCEPTED;
    }
    if (strcmp(topic, topics->get_rejected) == 0) {
        return SHADOW_MESSAGE_GET_REJECTED;
    }
    if (strcmp(topic, topics->update_rejected) == 0) {
        return SHADOW_MESSAGE_UPDATE_REJECTED;
    }
    return SHADOW_MESSAGE_UNKNOWN;
}

/* The document's "version", when it is a whole number that fits an int64. */
static bool document_version(const cJSON *root, int64_t *version)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, "version");
    if (!cJSON_IsNumber(item)) {
        return false;
    }
    double value = cJSON_GetNumberValue(item);
    if (!isfinite(value) || value != floor(value) || value < 0 || value > 9007199254740992.0) {
        return false;
    }
    *version = (int64_t)value;
    return true;
}

bool shadow_handle_document(shadow_sync_t *sync, shadow_message_t kind, const char *json, size_t length)
{
    if (kind != SHADOW_MESSAGE_DELTA && kind != SHADOW_MESSAGE_GET_ACCEPTED) {
        return false;
    }
    cJSON *root = cJSON_ParseWithLength(json, length);
    if (root == NULL) {
        ESP_LOGW(TAG, "refused a shadow document that is not valid JSON (%u bytes)", (unsigned)length);
        return false;
    }
    bool report = false;
    int64_t version = 0;
    bool has_version = document_version(root, &version);
    const cJSON *state = cJSON_GetObjectItemCaseSensitive(root, "state");

    if (!cJSON_IsObject(root)) {
        ESP_LOGW(TAG, "refused a shadow document that is not a JSON object");
    } else if (kind == SHADOW_MESSAGE_DELTA) {
        if (!cJSON_IsObject(state)) {
            ESP_LOGW(TAG, "refused a delta without a \"state\" object");
        } else if (!has_version) {
            ESP_LOGW(TAG, "refused a delta without a valid \"version\"");
        } else if (sync->have_version && version <= sync->last_version) {
            ESP_LOGI(TAG, "ignored delta version %lld: version %lld is already applied; asking for the document",
                     (long long)version, (long long)sync->last_version);
            sync->resync_needed = true;
        } else {
            sync->have_version = true;
            sync->last_version = version;
            report = device_state_apply(state) > 0;
        }
    } else {
        /* get/accepted: the whole desired state is the truth after a reboot, not just the delta. */
        if (has_version) {
            sync->have_version = true;
            sync->last_version = version;
        }
        const cJSON *desired = cJSON_IsObject(state) ? cJSON_GetObjectItemCaseSensitive(state, "desired") : NULL;
        if (cJSON_IsObject(desired)) {
            device_state_apply(desired);
        }
        report = true;
    }
    cJSON_Delete(root);
    return report;
}

char *shadow_build_reported(bool with_telemetry)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *state = cJSON_AddObjectToObject(root, "state");
    cJSON *reported = cJSON_AddObjectToObject(state, "reported");
    bool ok = reported != NULL
              && device_state_report_desired(reported)
              && (!with_telemetry || device_state_report_telemetry(reported))
              && cJSON_AddStringToObject(reported, "firmware_version", ESPFLEET_FIRMWARE_VERSION) != NULL
              && cJSON_AddBoolToObject(reported, "online", true) != NULL;
    char *text = ok ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    if (text == NULL) {
        ESP_LOGE(TAG, "out of memory building the reported document");
    }
    return text;
}

const char *shadow_status_message(bool online)
{
    return online ? "{\"state\":{\"reported\":{\"online\":true}}}"
                  : "{\"state\":{\"reported\":{\"online\":false}}}";
}
