/*
 * Host build: the part of ESP-IDF's generated sdkconfig.h that generated code reads. The target is the project's
 * (CONFIG_IDF_TARGET in its sdkconfig.defaults), which every host build passes on the command line:
 * -DCONFIG_IDF_TARGET='"esp32"' -DCONFIG_IDF_TARGET_ESP32=1 (host/Makefile, HostAppBuild). The console is ESP-IDF's
 * default for every target espfleet generates for: UART0.
 */
#pragma once

#ifndef CONFIG_IDF_TARGET
#error "a host build defines CONFIG_IDF_TARGET (and CONFIG_IDF_TARGET_<CHIP>) from the project's sdkconfig.defaults"
#endif

/* A compile check of the other console choices passes -DCONFIG_ESP_CONSOLE_USB_SERIAL_JTAG=1 or
 * -DCONFIG_ESP_CONSOLE_NONE=1 (GeneratedCCompilesTest); a host build runs with UART0. */
#if !defined(CONFIG_ESP_CONSOLE_USB_SERIAL_JTAG) && !defined(CONFIG_ESP_CONSOLE_NONE)
#define CONFIG_ESP_CONSOLE_UART_DEFAULT 1
#define CONFIG_ESP_CONSOLE_UART 1
#define CONFIG_ESP_CONSOLE_UART_NUM 0
#define CONFIG_ESP_CONSOLE_UART_BAUDRATE 115200
#endif
#define CONFIG_NEWLIB_STDOUT_LINE_ENDING_CRLF 1
