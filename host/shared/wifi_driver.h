/* The shared Wi-Fi driver stand-in (wifi_driver.c): what each build supplies and may call. */
#pragma once

#include <stdint.h>

#include "esp_wifi.h"

/* esp_event_post's wait for the Wi-Fi driver's events (portMAX_DELAY without including FreeRTOS.h here). */
#define portMAX_DELAY_TICKS ((uint32_t)0xffffffffUL)

/* Supplied by each build: `call` names the call ("init", "set_storage(RAM)", "set_config", "start", ...);
 * `config` is the station config esp_wifi_set_config was given, NULL for other calls. */
void host_wifi_called(const char *call, const wifi_config_t *config);

/* The driver as before esp_wifi_init (a test's fresh start). */
void host_wifi_reset(void);
