/* Wi-Fi station with credentials from NVS; reconnects on its own after a drop. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "esp_err.h"

#include "identity.h"

esp_err_t wifi_sta_start(const wifi_credentials_t *credentials);

/* Waits up to timeout_ms for an IP address; true when the station has one. */
bool wifi_sta_wait_connected(uint32_t timeout_ms);
