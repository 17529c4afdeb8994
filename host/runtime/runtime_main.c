/*
 * main() of a generated firmware built for Linux: reads the runtime's options, then calls app_main() as
 * ESP-IDF's main task would.
 *
 *   app --nvs certs=units/dev-001/identity.bin [--nvs nvs=default.bin] [--broker mqtts://localhost:8883]
 *
 * ESPFLEET_NVS (label=FILE) and ESPFLEET_BROKER are read when the options are not given.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime.h"

void app_main(void);

static int usage(const char *program, const char *problem)
{
    fprintf(stderr, "error: %s\nusage: %s --nvs LABEL=IMAGE [--nvs LABEL=IMAGE] [--broker mqtt[s]://HOST:PORT]\n",
            problem, program);
    return 2;
}

static int add_nvs(const char *program, const char *spec)
{
    const char *eq = strchr(spec, '=');
    char label[32];
    if (eq == NULL || eq == spec || (size_t)(eq - spec) >= sizeof(label) || eq[1] == '\0') {
        return usage(program, "--nvs wants LABEL=IMAGE, e.g. certs=units/dev-001/identity.bin");
    }
    memcpy(label, spec, (size_t)(eq - spec));
    label[eq - spec] = '\0';
    if (!runtime_nvs_add_image(label, eq + 1)) {
        return usage(program, "too many --nvs images, or a label longer than 16 bytes");
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *broker = getenv("ESPFLEET_BROKER");
    int images = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--nvs") == 0 && i + 1 < argc) {
            int rc = add_nvs(argv[0], argv[++i]);
            if (rc != 0) {
                return rc;
            }
            images++;
        } else if (strcmp(argv[i], "--broker") == 0 && i + 1 < argc) {
            broker = argv[++i];
        } else {
            return usage(argv[0], "unknown or incomplete option");
        }
    }
    if (images == 0 && getenv("ESPFLEET_NVS") != NULL) {
        int rc = add_nvs(argv[0], getenv("ESPFLEET_NVS"));
        if (rc != 0) {
            return rc;
        }
    }
    /* stderr carries the device's console; keep it unbuffered so lines appear as they are logged. */
    setvbuf(stderr, NULL, _IONBF, 0);
    runtime_mqtt_set_broker_override(broker != NULL && broker[0] != '\0' ? broker : NULL);
    runtime_tasks_adopt_main_thread();
    app_main();
    /* espfleet's app_main only returns when it halts (no identity, no network, no MQTT client). A device
     * would sit there; a host process says so and ends, so that scripts and tests see it. */
    fprintf(stderr, "app_main returned: the firmware halted\n");
    return 1;
}
