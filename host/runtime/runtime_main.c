/*
 * main() of a generated firmware built for Linux: reads the runtime's options, then calls app_main() as
 * ESP-IDF's main task would.
 *
 *   app --nvs certs=units/dev-001/identity.bin [--nvs nvs=default.bin] [--broker mqtts://localhost:8883]
 *   app --flash FLASH.bin [--partition-table-offset 0x8000] [--mac aa:bb:cc:dd:ee:ff]
 *
 * --flash serves every NVS partition of the flash file's partition table from that file (what a simulated
 * chip runs its app with); --mac is the chip's eFuse MAC. ESPFLEET_NVS (label=FILE) and ESPFLEET_BROKER are
 * read when the options are not given. The console is stdin/stdout (UART0). Exit status: 1 when app_main
 * returned (the firmware halted), ESPFLEET_RESTART_EXIT_CODE (100) for esp_restart(), 2 for bad options.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime.h"

void app_main(void);

static int usage(const char *program, const char *problem)
{
    fprintf(stderr, "error: %s\nusage: %s [--nvs LABEL=IMAGE]... [--flash FILE [--partition-table-offset OFFSET]] "
            "[--mac MAC] [--broker mqtt[s]://HOST:PORT]\n", problem, program);
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

static bool parse_mac(const char *text, unsigned char mac[6])
{
    unsigned int b[6];
    char tail;
    if (sscanf(text, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &tail) != 6
        || strlen(text) != 17) {
        return false;
    }
    for (int i = 0; i < 6; i++) {
        mac[i] = (unsigned char)b[i];
    }
    return true;
}

int main(int argc, char **argv)
{
    const char *broker = getenv("ESPFLEET_BROKER");
    const char *flash = NULL;
    long table_offset = 0x8000;
    int images = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--flash") == 0 && i + 1 < argc) {
            flash = argv[++i];
        } else if (strcmp(argv[i], "--partition-table-offset") == 0 && i + 1 < argc) {
            char *end = NULL;
            table_offset = strtol(argv[++i], &end, 0);
            if (*end != '\0' || table_offset <= 0 || table_offset % 0x1000 != 0) {
                return usage(argv[0], "--partition-table-offset wants a multiple of 0x1000, e.g. 0x8000");
            }
        } else if (strcmp(argv[i], "--mac") == 0 && i + 1 < argc) {
            unsigned char mac[6];
            if (!parse_mac(argv[++i], mac)) {
                return usage(argv[0], "--mac wants six two-digit hex bytes, e.g. 24:0a:c4:00:00:01");
            }
            runtime_set_mac(mac);
        } else if (strcmp(argv[i], "--nvs") == 0 && i + 1 < argc) {
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
    if (flash != NULL) {
        const char *problem = runtime_nvs_use_flash(flash, table_offset);
        if (problem != NULL) {
            return usage(argv[0], problem);
        }
        images++;
    }
    if (images == 0 && getenv("ESPFLEET_NVS") != NULL) {
        int rc = add_nvs(argv[0], getenv("ESPFLEET_NVS"));
        if (rc != 0) {
            return rc;
        }
    }
    /* stdout is the device's console (UART0): logs and console frames; stderr carries the runtime's own
     * complaints (and a sanitizer's report) */
    setvbuf(stderr, NULL, _IONBF, 0);
    runtime_console_init();
    runtime_mqtt_set_broker_override(broker != NULL && broker[0] != '\0' ? broker : NULL);
    runtime_tasks_adopt_main_thread();
    app_main();
    /* espfleet's app_main only returns when it halts (no identity, no network, no MQTT client). A device
     * would sit there; a host process says so and ends, so that scripts and tests see it. */
    fprintf(stderr, "app_main returned: the firmware halted\n");
    return 1;
}
