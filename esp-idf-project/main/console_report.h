/*
 * The firmware's report to the bench over its console (docs/console-protocol.md): "hello" with what the device
 * is (firmware, chip, MAC, the identity it read), "state" at each milestone, "fail" when a stage fails, and an
 * answer to the bench's "query" read by a task of its own. Never a secret: the certificate goes out as the
 * SHA-256 of its DER, the key and the Wi-Fi password not at all.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esp_err.h"

#include "identity.h"

typedef enum {
    CONSOLE_MILESTONE_NONE,
    CONSOLE_MILESTONE_IDENTITY_LOADED,
    CONSOLE_MILESTONE_NETWORK_UP,
    CONSOLE_MILESTONE_MQTT_CONNECTED,
    CONSOLE_MILESTONE_SHADOW_SYNCED,
} console_milestone_t;

typedef enum {
    CONSOLE_STAGE_IDENTITY,
    CONSOLE_STAGE_NETWORK,
    CONSOLE_STAGE_MQTT,
    CONSOLE_STAGE_SHADOW,
} console_stage_t;

/* Hex of the SHA-256 of the DER of the first certificate in `pem`; false when there is none or it is not base64. */
bool console_cert_sha256_hex(const char *pem, char hex[65]);

/* Starts the task that answers "query" on the console input (UART driver on the console UART, or the
 * USB-Serial/JTAG driver where that is the console). Call once, early in app_main. */
esp_err_t console_report_start(void);

/*
 * The identity was read (identity != NULL) or could not be (err): remembers thing name, certificate SHA-256
 * and endpoint, and sends "hello", then "state" identity_loaded or "fail" identity.
 */
void console_report_identity(const device_identity_t *identity, esp_err_t err);

/* A milestone: sends "state" (thing: the MQTT client id, for mqtt_connected; NULL otherwise). */
void console_report_milestone(console_milestone_t milestone, const char *thing);

/*
 * A failure of `stage`: sends "fail" unless it is the same as the last one of that stage (err, tls, errno).
 * tls and sock_errno: 0 when there is none; detail: a short text (no secret).
 */
void console_report_failure(console_stage_t stage, esp_err_t err, int tls, int sock_errno, const char *detail);

/* Answers a query: "hello", the latest "state" and the latest "fail" (if any). */
void console_report_answer_query(void);

/* Forgets what was reported, as a reset does (the host tests boot the firmware several times in one process). */
void console_report_reset(void);

/* One line of console input (without "\n"): a valid "query" frame is answered, anything else ignored. */
void console_report_input_line(const char *line, size_t length);
