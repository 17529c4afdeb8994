/* Field tests for examples/minimal.yaml: no desired fields, one reported int (uptime_s). */
#include <string.h>

#include "aws_mqtt.h"
#include "check.h"
#include "device_state.h"
#include "support.h"

bool read_uptime_s(int32_t *value)
{
    *value = 3600;
    return true;
}

static void every_delta_field_is_refused(void)
{
    fake_reset();
    deliver_delta("{\"uptime_s\":5,\"anything\":true}");
    CHECK_EQ_INT(0, publishes_to(test_topics()->update));
    CHECK(fake_log_contains("refused uptime_s: this device has no desired fields"));
}

static void telemetry_reports_the_hook_value(void)
{
    fake_reset();
    CHECK(mqtt_publish_reported(true));
    cJSON *reported = last_reported();
    CHECK(cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(reported, "uptime_s")) == 3600);
    cJSON_Delete(reported);
}

void run_field_tests(void)
{
    RUN(every_delta_field_is_refused);
    RUN(telemetry_reports_the_hook_value);
}
