/*
 * Field tests for examples/all-types.yaml: target_flow float [-10.5, 250], open_percent int [0, 100],
 * maintenance_mode bool, label string (32 bytes); a named shadow and a pinned thing name.
 */
#include <math.h>
#include <string.h>

#include "aws_mqtt.h"
#include "check.h"
#include "device_state.h"
#include "support.h"

static int s_changes;
static char s_label[64];

void on_target_flow_changed(double value)
{
    (void)value;
    s_changes++;
}

void on_open_percent_changed(int32_t value)
{
    (void)value;
    s_changes++;
}

void on_maintenance_mode_changed(bool value)
{
    (void)value;
    s_changes++;
}

void on_label_changed(const char *value)
{
    s_changes++;
    snprintf(s_label, sizeof(s_label), "%s", value);
}

bool read_flow_lpm(double *value)
{
    *value = 3.25;
    return true;
}

bool read_position(int32_t *value)
{
    *value = 42;
    return true;
}

bool read_leak_detected(bool *value)
{
    *value = true;
    return true;
}

bool read_fault(char *value, size_t size)
{
    snprintf(value, size, "%s", "sensor \"B\" stuck");
    return true;
}

static void defaults_come_from_the_config(void)
{
    device_state_init();
    device_desired_t d;
    device_state_get(&d);
    CHECK(d.target_flow == 12.5);
    CHECK_EQ_INT(0, d.open_percent);
    CHECK(!d.maintenance_mode);
    CHECK(strcmp(d.label, "valve \"A\"") == 0);
}

static void every_type_is_applied_and_reported(void)
{
    fake_reset();
    s_changes = 0;
    deliver_delta("{\"target_flow\":-10.5,\"open_percent\":100,\"maintenance_mode\":true,"
                  "\"label\":\"north \\u00e9 \\\"x\\\"\"}");
    CHECK_EQ_INT(4, s_changes);
    CHECK(strcmp(s_label, "north \xc3\xa9 \"x\"") == 0);
    cJSON *reported = last_reported();
    CHECK(cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(reported, "target_flow")) == -10.5);
    CHECK(cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(reported, "open_percent")) == 100);
    CHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(reported, "maintenance_mode")));
    CHECK(strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(reported, "label")), s_label) == 0);
    cJSON_Delete(reported);
}

static void wrong_values_of_every_type_are_refused(void)
{
    const char *refused[] = {
        "{\"target_flow\":-10.51}", "{\"target_flow\":250.01}", "{\"target_flow\":\"1\"}", "{\"target_flow\":1e999}",
        "{\"open_percent\":101}", "{\"open_percent\":50.5}", "{\"open_percent\":-1}", "{\"open_percent\":false}",
        "{\"maintenance_mode\":1}", "{\"maintenance_mode\":\"true\"}", "{\"maintenance_mode\":null}",
        "{\"label\":5}", "{\"label\":[\"a\"]}", "{\"label\":\"123456789012345678901234567890123\"}",
    };
    fake_reset();
    s_changes = 0;
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        deliver_delta(refused[i]);
    }
    CHECK_EQ_INT(0, s_changes);
    CHECK_EQ_INT(0, publishes_to(test_topics()->update));
    deliver_delta("{\"label\":\"12345678901234567890123456789012\"}"); /* exactly 32 bytes */
    CHECK_EQ_INT(1, s_changes);
}

/* all-types sets telemetry.to: shadow: the readings are reported in the shadow, nothing on a topic. */
static void telemetry_reports_every_type_in_the_shadow(void)
{
    fake_reset();
    CHECK(mqtt_publish_telemetry());
    CHECK_EQ_INT(0, publishes_to(test_topics()->telemetry));
    cJSON *reported = last_reported();
    CHECK(cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(reported, "flow_lpm")) == 3.25);
    CHECK(cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(reported, "position")) == 42);
    CHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(reported, "leak_detected")));
    CHECK(strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(reported, "fault")), "sensor \"B\" stuck") == 0);
    cJSON_Delete(reported);
    CHECK(strstr(test_topics()->update, "/shadow/name/config/update") != NULL);
    CHECK(strstr(test_topics()->update, "valve-lab-01") != NULL);
}

void run_field_tests(void)
{
    RUN(defaults_come_from_the_config);
    RUN(every_type_is_applied_and_reported);
    RUN(wrong_values_of_every_type_are_refused);
    RUN(telemetry_reports_every_type_in_the_shadow);
}
