/* Host build: ESP-IDF v5.x driver/usb_serial_jtag.h subset (component esp_driver_usb_serial_jtag). The host
 * runtime's console is UART0, so nothing here is implemented on the host: it keeps the other console branch
 * of generated code honest (same names and types as ESP-IDF) where a build selects it. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "esp_err.h"
#include "freertos/FreeRTOS.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    uint32_t tx_buffer_size;
    uint32_t rx_buffer_size;
} usb_serial_jtag_driver_config_t;

#define USB_SERIAL_JTAG_DRIVER_CONFIG_DEFAULT() (usb_serial_jtag_driver_config_t) { \
    .tx_buffer_size = 256,                                                          \
    .rx_buffer_size = 256,                                                          \
}

esp_err_t usb_serial_jtag_driver_install(usb_serial_jtag_driver_config_t *usb_serial_jtag_config);
bool usb_serial_jtag_is_driver_installed(void);
int usb_serial_jtag_read_bytes(void *buf, uint32_t length, uint32_t ticks_to_wait);

#ifdef __cplusplus
}
#endif
