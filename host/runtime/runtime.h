/*
 * Host runtime: real implementations of the ESP-IDF calls generated firmware makes, so that the app
 * runs as a Linux process (see docs/firmware-in-the-loop.md). Internal to host/runtime.
 */
#pragma once

#include <stdbool.h>

/* Serves NVS partition `label` from the image file at `path`; called from main() before app_main(). */
bool runtime_nvs_add_image(const char *label, const char *path);

/* mqtt[s]://host:port that replaces the URI the firmware configures, or NULL to keep it. */
void runtime_mqtt_set_broker_override(const char *uri);

/* Registers the calling thread (main) as a task, so that it can wait for notifications. */
void runtime_tasks_adopt_main_thread(void);
