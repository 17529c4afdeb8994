/*
 * Type and range checks for values arriving in a shadow delta. A value is applied only when it is
 * exactly the declared type and inside the declared range; everything else is refused and logged.
 * cJSON_GetNumberValue() returns NaN for a non-number, so the type is always checked first.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cJSON.h"

bool field_check_int(const cJSON *item, const char *name, int64_t min, int64_t max, int32_t *out);

bool field_check_double(const cJSON *item, const char *name, bool has_min, double min,
                        bool has_max, double max, double *out);

bool field_check_bool(const cJSON *item, const char *name, bool *out);

/* Copies the string into out (size bytes) when it is at most max_length bytes long. */
bool field_check_string(const cJSON *item, const char *name, size_t max_length, char *out, size_t size);

/* "number", "string", ... for log messages. */
const char *field_json_type(const cJSON *item);
