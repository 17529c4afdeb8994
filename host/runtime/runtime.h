/*
 * Host runtime: real implementations of the ESP-IDF calls generated firmware makes, so that the app
 * runs as a Linux process (see docs/firmware-in-the-loop.md). Internal to host/runtime.
 */
#pragma once

#include <stdbool.h>

/* Serves NVS partition `label` from the image file at `path`; called from main() before app_main(). */
bool runtime_nvs_add_image(const char *label, const char *path);

/*
 * Serves every NVS partition of the partition table at `table_offset` of the flash file `path` from that file
 * (a simulated chip's flash). NULL when done, else what is wrong.
 */
const char *runtime_nvs_use_flash(const char *path, long table_offset);

/* The exit status of esp_restart(): the simulated chip boots again (flasher's SimApp.RESTART_EXIT_CODE). */
#define ESPFLEET_RESTART_EXIT_CODE 100

/* The chip's base MAC from eFuse (--mac), for esp_efuse_mac_get_default / esp_read_mac. */
void runtime_set_mac(const unsigned char mac[6]);

/* The console's stdout: what is written goes out with "\n" as "\r\n", as ESP-IDF's console sends it. */
void runtime_console_init(void);

/* mqtt[s]://host:port that replaces the URI the firmware configures, or NULL to keep it. */
void runtime_mqtt_set_broker_override(const char *uri);

/* Registers the calling thread (main) as a task, so that it can wait for notifications. */
void runtime_tasks_adopt_main_thread(void);
