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

static void telemetry_sends_the_hook_value_to_its_topic(void)
{
    fake_reset();
    CHECK(mqtt_publish_telemetry());
    cJSON *readings = last_telemetry();
    CHECK(cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(readings, "uptime_s")) == 3600);
    cJSON_Delete(readings);
    CHECK_EQ_INT(0, publishes_to(test_topics()->update));
}

void run_field_tests(void)
{
    RUN(every_delta_field_is_refused);
    RUN(telemetry_sends_the_hook_value_to_its_topic);
}
