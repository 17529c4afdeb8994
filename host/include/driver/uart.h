/* Host build: ESP-IDF v5.x driver/uart.h subset (component esp_driver_uart). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esp_err.h"
#include "freertos/FreeRTOS.h"
#include "freertos/queue.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef int uart_port_t; /* hal/uart_types.h */

#define UART_NUM_0 (0)
#define UART_NUM_1 (1)
#define UART_NUM_MAX (3)

esp_err_t uart_driver_install(uart_port_t uart_num, int rx_buffer_size, int tx_buffer_size, int queue_size,
                              QueueHandle_t *uart_queue, int intr_alloc_flags);
esp_err_t uart_driver_delete(uart_port_t uart_num);
bool uart_is_driver_installed(uart_port_t uart_num);
/* Reads up to `length` bytes, waiting at most `ticks_to_wait`; the count read, or -1 on error. */
int uart_read_bytes(uart_port_t uart_num, void *buf, uint32_t length, TickType_t ticks_to_wait);

#ifdef __cplusplus
}
#endif
