#include "field_check.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "esp_log.h"

static const char *TAG = "shadow";

const char *field_json_type(const cJSON *item)
{
    if (item == NULL || cJSON_IsInvalid(item)) {
        return "nothing";
    }
    if (cJSON_IsNumber(item)) {
        return "a number";
    }
    if (cJSON_IsString(item)) {
        return "a string";
    }
    if (cJSON_IsBool(item)) {
        return "a boolean";
    }
    if (cJSON_IsNull(item)) {
        return "null";
    }
    if (cJSON_IsArray(item)) {
        return "an array";
    }
    if (cJSON_IsObject(item)) {
        return "an object";
    }
    return "an unknown value";
}

bool field_check_int(const cJSON *item, const char *name, int64_t min, int64_t max, int32_t *out)
{
    if (!cJSON_IsNumber(item)) {
        ESP_LOGW(TAG, "refused %s: expected an integer, got %s", name, field_json_type(item));
        return false;
    }
    double value = cJSON_GetNumberValue(item);
    if (!isfinite(value) || value != floor(value)) {
        ESP_LOGW(TAG, "refused %s: expected an integer, got %g", name, value);
        return false;
    }
    if (value < (double)min || value > (double)max) {
        ESP_LOGW(TAG, "refused %s: %g is outside [%" PRId64 ", %" PRId64 "]", name, value, min, max);
        return false;
    }
    *out = (int32_t)value;
    return true;
}

bool field_check_double(const cJSON *item, const char *name, bool has_min, double min,
                        bool has_max, double max, double *out)
{
    if (!cJSON_IsNumber(item)) {
        ESP_LOGW(TAG, "refused %s: expected a number, got %s", name, field_json_type(item));
        return false;
    }
    double value = cJSON_GetNumberValue(item);
    if (!isfinite(value)) {
        ESP_LOGW(TAG, "refused %s: %g is not a finite number", name, value);
        return false;
    }
    if ((has_min && value < min) || (has_max && value > max)) {
        ESP_LOGW(TAG, "refused %s: %g is outside [%g, %g]", name, value,
                 has_min ? min : -INFINITY, has_max ? max : INFINITY);
        return false;
    }
    *out = value;
    return true;
}

bool field_check_bool(const cJSON *item, const char *name, bool *out)
{
    if (!cJSON_IsBool(item)) {
        ESP_LOGW(TAG, "refused %s: expected true or false, got %s", name, field_json_type(item));
        return false;
    }
    *out = cJSON_IsTrue(item);
    return true;
}

bool field_check_string(const cJSON *item, const char *name, size_t max_length, char *out, size_t size)
{
    const char *value = cJSON_GetStringValue(item);
    if (!cJSON_IsString(item) || value == NULL) {
        ESP_LOGW(TAG, "refused %s: expected a string, got %s", name, field_json_type(item));
        return false;
    }
    size_t length = strlen(value);
    if (length > max_length || length >= size) {
        ESP_LOGW(TAG, "refused %s: %u bytes is longer than %u", name, (unsigned)length, (unsigned)max_length);
        return false;
    }
    memcpy(out, value, length + 1);
    return true;
}
