/*
 * The console UART on the host: UART0 is the process's standard input and output. Output goes through a stdout
 * of our own that sends "\n" as "\r\n", as ESP-IDF's console does (CONFIG_NEWLIB_STDOUT_LINE_ENDING_CRLF), with
 * glibc's per-call stream lock, so one fwrite (a console frame, a log line) is never split by another task's.
 * Input: the UART driver's calls (driver/uart.h) read standard input; only the console UART exists here.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "driver/uart.h"
#include "esp_log.h"
#include "sdkconfig.h"

#include "runtime.h"

static ssize_t write_all(const char *buf, size_t size)
{
    size_t done = 0;
    while (done < size) {
        ssize_t n = write(STDOUT_FILENO, buf + done, size - done);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return -1;
        }
        done += (size_t)n;
    }
    return (ssize_t)size;
}

static ssize_t crlf_write(void *cookie, const char *buf, size_t size)
{
    (void)cookie;
    char out[8192];
    size_t used = 0;
    for (size_t i = 0; i < size; i++) {
        if (used + 2 > sizeof(out)) {
            if (write_all(out, used) < 0) {
                return -1;
            }
            used = 0;
        }
        if (buf[i] == '\n') {
            out[used++] = '\r';
        }
        out[used++] = buf[i];
    }
    if (used > 0 && write_all(out, used) < 0) {
        return -1;
    }
    return (ssize_t)size;
}

void runtime_console_init(void)
{
    cookie_io_functions_t io = {.write = crlf_write};
    FILE *console = fopencookie(NULL, "w", io);
    if (console != NULL) {
        /* fully buffered, flushed by each fwrite's caller (the frame writer, the log): one write per line */
        setvbuf(console, NULL, _IOFBF, 16384);
        stdout = console;
    }
}

static bool s_installed;
static bool s_input_ended;

esp_err_t uart_driver_install(uart_port_t uart_num, int rx_buffer_size, int tx_buffer_size, int queue_size,
                              QueueHandle_t *uart_queue, int intr_alloc_flags)
{
    (void)tx_buffer_size;
    (void)queue_size;
    (void)intr_alloc_flags;
    /* uart.c: the receive buffer must be larger than the hardware FIFO (128 bytes) */
    if (uart_num != CONFIG_ESP_CONSOLE_UART_NUM || rx_buffer_size <= 128 || uart_queue != NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    if (s_installed) {
        return ESP_ERR_INVALID_STATE;
    }
    s_installed = true;
    return ESP_OK;
}

esp_err_t uart_driver_delete(uart_port_t uart_num)
{
    if (uart_num != CONFIG_ESP_CONSOLE_UART_NUM || !s_installed) {
        return ESP_ERR_INVALID_STATE;
    }
    s_installed = false;
    return ESP_OK;
}

bool uart_is_driver_installed(uart_port_t uart_num)
{
    return uart_num == CONFIG_ESP_CONSOLE_UART_NUM && s_installed;
}

/* Waits up to ticks_to_wait for input on stdin; at its end (closed, /dev/null) it waits out the ticks and
 * returns 0, as a UART with nothing connected does. */
int uart_read_bytes(uart_port_t uart_num, void *buf, uint32_t length, TickType_t ticks_to_wait)
{
    if (uart_num != CONFIG_ESP_CONSOLE_UART_NUM || !s_installed || buf == NULL) {
        return -1;
    }
    int timeout_ms = ticks_to_wait == portMAX_DELAY ? -1 : (int)(ticks_to_wait * portTICK_PERIOD_MS);
    if (s_input_ended) {
        poll(NULL, 0, timeout_ms < 0 ? 1000 : timeout_ms);
        return 0;
    }
    struct pollfd input = {.fd = STDIN_FILENO, .events = POLLIN};
    int ready = poll(&input, 1, timeout_ms);
    if (ready <= 0) {
        return 0;
    }
    ssize_t n = read(STDIN_FILENO, buf, length);
    if (n <= 0) {
        s_input_ended = n == 0 || errno != EINTR;
        return 0;
    }
    return (int)n;
}
