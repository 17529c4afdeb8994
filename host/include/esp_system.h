/* Host build: ESP-IDF v5.x esp_system.h subset (component esp_system). */
#pragma once

#include <stdint.h>

#include "esp_err.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Restarts the chip: the ROM and the bootloader run again. Does not return. */
void esp_restart(void) __attribute__((noreturn));

uint32_t esp_get_free_heap_size(void);

#ifdef __cplusplus
}
#endif
