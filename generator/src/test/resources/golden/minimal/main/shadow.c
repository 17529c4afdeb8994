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
    int n = snprintf(topics->status, SHADOW_TOPIC_MAX, "%s/%s/%s", status_prefix, thing, ESPFLEET_STATUS_TOPIC_LEVEL);
    bool ok = n > 0 && n < SHADOW_TOPIC_MAX;
    n = snprintf(topics->telemetry, SHADOW_TOPIC_MAX, "%s/%s/%s", status_prefix, thing, ESPFLEET_TELEMETRY_TOPIC_LEVEL);
    ok = ok && n > 0 && n < SHADOW_TOPIC_MAX;
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

void shadow_sync_get_sent(shadow_sync_t *sync, const char *client_token)
{
    snprintf(sync->get_token, sizeof(sync->get_token), "%s", client_token);
    sync->applied_since_get = false;
}

/* True when the document's clientToken is the one of the get whose answer is awaited. */
static bool answers_awaited_get(const shadow_sync_t *sync, const cJSON *root)
{
    const char *token = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "clientToken"));
    return sync->get_token[0] != '\0' && token != NULL && strcmp(token, sync->get_token) == 0;
}

static void applied(shadow_sync_t *sync, bool has_version, int64_t version)
{
    if (has_version) {
        sync->have_version = true;
        sync->applied_version = version;
    }
    if (sync->get_token[0] != '\0') {
        sync->applied_since_get = true;
    }
}

static void handle_delta(shadow_sync_t *sync, const cJSON *root, shadow_outcome_t *outcome)
{
    int64_t version = 0;
    bool has_version = document_version(root, &version);
    const cJSON *state = cJSON_GetObjectItemCaseSensitive(root, "state");
    if (!cJSON_IsObject(state)) {
        ESP_LOGW(TAG, "refused a delta without a \"state\" object");
    } else if (!has_version) {
        ESP_LOGW(TAG, "refused a delta without a valid \"version\"");
    } else if (sync->have_version && version <= sync->applied_version) {
        ESP_LOGI(TAG, "ignored delta version %lld: version %lld is already applied; asking for the document",
                 (long long)version, (long long)sync->applied_version);
        outcome->resync = true;
    } else {
        outcome->report = device_state_apply(state) > 0;
        applied(sync, true, version);
    }
}

static void apply_document(shadow_sync_t *sync, const cJSON *root, bool has_version, int64_t version,
                           shadow_outcome_t *outcome)
{
    const cJSON *state = cJSON_GetObjectItemCaseSensitive(root, "state");
    const cJSON *desired = cJSON_IsObject(state) ? cJSON_GetObjectItemCaseSensitive(state, "desired") : NULL;
    if (cJSON_IsObject(desired)) {
        device_state_apply(desired);
    }
    applied(sync, has_version, version);
    outcome->report = true; /* the reported state must match the desired state now applied */
}

static void handle_get_accepted(shadow_sync_t *sync, const cJSON *root, shadow_outcome_t *outcome)
{
    int64_t version = 0;
    bool has_version = document_version(root, &version);
    bool older = sync->have_version && has_version && version < sync->applied_version;
    if (answers_awaited_get(sync, root)) {
        outcome->answered = true;
        outcome->round_trip = true;
        if (older && sync->applied_since_get) {
            ESP_LOGI(TAG, "ignored the shadow document version %lld: version %lld came while it was awaited; "
                     "asking again", (long long)version, (long long)sync->applied_version);
            outcome->resync = true;
            return;
        }
        if (older) {
            ESP_LOGW(TAG, "shadow version %lld follows %lld: the shadow was re-created; starting from it",
                     (long long)version, (long long)sync->applied_version);
        }
        sync->get_token[0] = '\0';
        sync->have_version = false; /* the answer is the new baseline, whatever its version */
        apply_document(sync, root, has_version, version, outcome);
    } else if (has_version && (!sync->have_version || version > sync->applied_version)) {
        apply_document(sync, root, true, version, outcome); /* another client's get: newer, so news */
    } else {
        ESP_LOGI(TAG, "ignored a shadow document of version %lld that this device did not ask for "
                 "(version %lld is applied)", has_version ? (long long)version : -1LL,
                 (long long)sync->applied_version);
    }
}

/* The "code" of a rejection, 0 when it has none. */
static int rejection_code(const cJSON *root)
{
    const cJSON *code = cJSON_GetObjectItemCaseSensitive(root, "code");
    double value = cJSON_IsNumber(code) ? cJSON_GetNumberValue(code) : 0.0;
    return isfinite(value) && value >= 0 && value < 1000 ? (int)value : 0;
}

static void handle_get_rejected(shadow_sync_t *sync, const cJSON *root, shadow_outcome_t *outcome)
{
    const char *message = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "message"));
    message = message != NULL ? message : "";
    int code = rejection_code(root);
    if (!answers_awaited_get(sync, root)) {
        ESP_LOGI(TAG, "ignored a get rejection (%d) this device did not ask for", code);
        return;
    }
    sync->get_token[0] = '\0';
    outcome->answered = true;
    if (code == 404) {
        /* no shadow yet: reporting creates it, and a new shadow starts again at version 1 */
        ESP_LOGI(TAG, "no shadow yet (404): reporting the initial state creates it");
        sync->have_version = false;
        outcome->round_trip = true;
        outcome->report = true;
    } else if (code == 429 || (code >= 500 && code <= 599)) {
        ESP_LOGW(TAG, "shadow get refused for now (%d %s); asking again later", code, message);
        outcome->retry_get = true;
    } else if (code == 401 || code == 403) {
        ESP_LOGE(TAG, "shadow get forbidden (%d %s): check that the IoT policy allows this thing to publish to "
                 "its shadow's get topic and receive get/accepted and get/rejected", code, message);
    } else {
        ESP_LOGE(TAG, "shadow get rejected (%d %s)", code, message);
    }
}

shadow_outcome_t shadow_handle_message(shadow_sync_t *sync, shadow_message_t kind, const char *json, size_t length)
{
    shadow_outcome_t outcome = {0};
    if (kind == SHADOW_MESSAGE_UNKNOWN) {
        return outcome;
    }
    cJSON *root = cJSON_ParseWithLength(json, length);
    if (root == NULL) {
        ESP_LOGW(TAG, "refused a shadow message that is not valid JSON (%u bytes)", (unsigned)length);
        return outcome;
    }
    if (!cJSON_IsObject(root)) {
        ESP_LOGW(TAG, "refused a shadow message that is not a JSON object");
    } else if (kind == SHADOW_MESSAGE_DELTA) {
        handle_delta(sync, root, &outcome);
    } else if (kind == SHADOW_MESSAGE_GET_ACCEPTED) {
        handle_get_accepted(sync, root, &outcome);
    } else if (kind == SHADOW_MESSAGE_GET_REJECTED) {
        handle_get_rejected(sync, root, &outcome);
    } else {
        const char *message = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "message"));
        const char *token = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "clientToken"));
        ESP_LOGW(TAG, "shadow update %s rejected (%d %s)", token != NULL ? token : "(no clientToken)",
                 rejection_code(root), message != NULL ? message : "");
    }
    cJSON_Delete(root);
    return outcome;
}

char *shadow_build_reported(bool with_telemetry, const char *client_token)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *state = cJSON_AddObjectToObject(root, "state");
    cJSON *reported = cJSON_AddObjectToObject(state, "reported");
    bool ok = reported != NULL
              && device_state_report_desired(reported)
              && (!with_telemetry || device_state_report_telemetry(reported))
              && cJSON_AddStringToObject(reported, "firmware_version", ESPFLEET_FIRMWARE_VERSION) != NULL
              && cJSON_AddBoolToObject(reported, "online", true) != NULL
              && (client_token == NULL || cJSON_AddStringToObject(root, "clientToken", client_token) != NULL);
    char *text = ok ? cJSON_PrintUnformatted(root) : NULL;
    cJSON_Delete(root);
    if (text == NULL) {
        ESP_LOGE(TAG, "out of memory building the reported document");
    }
    return text;
}

bool shadow_build_telemetry(char **out)
{
    *out = NULL;
    cJSON *root = cJSON_CreateObject();
    bool ok = root != NULL && device_state_report_telemetry(root);
    if (ok && cJSON_GetArraySize(root) > 0) {
        *out = cJSON_PrintUnformatted(root);
        ok = *out != NULL;
    }
    cJSON_Delete(root);
    if (!ok) {
        ESP_LOGE(TAG, "out of memory building the telemetry message");
    }
    return ok;
}

const char *shadow_status_message(bool online)
{
    return online ? "{\"state\":{\"reported\":{\"online\":true}}}"
                  : "{\"state\":{\"reported\":{\"online\":false}}}";
}
