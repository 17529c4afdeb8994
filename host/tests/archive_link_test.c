/*
 * Links the firmware the way ESP-IDF does, from the main component's static library, to prove that a
 * user's hooks file that only defines hooks replaces the weak defaults (ESP-IDF: WHOLE_ARCHIVE in
 * main/CMakeLists.txt; here: -Wl,--whole-archive). Built for env-sensor (read_temperature).
 */
#include <stdio.h>

#include "cJSON.h"
#include "device_state.h"

int main(void)
{
    cJSON *reported = cJSON_CreateObject();
    bool ok = device_state_report_telemetry(reported);
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(reported, "temperature");
    bool used = ok && cJSON_IsNumber(t) && cJSON_GetNumberValue(t) == 23.25;
    cJSON_Delete(reported);
    printf("%s: the user's read_temperature() %s\n", used ? "1 passed, 0 failed" : "0 passed, 1 failed",
           used ? "replaced the weak default" : "was NOT linked");
    return used ? 0 : 1;
}
