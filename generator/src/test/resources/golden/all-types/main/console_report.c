#include "console_report.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cJSON.h"
#include "esp_app_desc.h"
#include "esp_chip_info.h"
#include "esp_log.h"
#include "esp_mac.h"
#include "esp_timer.h"
#include "freertos/FreeRTOS.h"
#include "freertos/task.h"
#include "mbedtls/base64.h"
#include "mbedtls/sha256.h"
#include "sdkconfig.h"

#include "console_frame.h"

#if CONFIG_ESP_CONSOLE_USB_SERIAL_JTAG
#include "driver/usb_serial_jtag.h"
#elif !CONFIG_ESP_CONSOLE_NONE
#include "driver/uart.h"
#endif

static const char *TAG = "console_report";

#define PROTOCOL_VERSION 1
#define THING_MAX 128
#define ENDPOINT_MAX 255
#define DETAIL_MAX 96
#define STAGE_COUNT 4
#define FRAME_MAX (CONSOLE_FRAME_JSON_MAX + 64)

static const char *const s_milestones[] = {"", "identity_loaded", "network_up", "mqtt_connected", "shadow_synced"};
static const char *const s_stages[STAGE_COUNT] = {"identity", "network", "mqtt", "shadow"};

typedef struct {
    bool present;
    esp_err_t err;
    int tls;
    int sock_errno;
    char detail[DETAIL_MAX + 1];
    int64_t uptime_ms;
} failure_t;

/* What the reports say, written by several tasks (main, MQTT, console): copied in and out under s_lock, the
 * frames built from the copy outside it (building JSON allocates, which a critical section must not). */
typedef struct {
    bool identity_known;
    bool thing_present;
    char thing[THING_MAX + 1];
    bool cert_present;
    char cert_sha256[65];
    char endpoint[ENDPOINT_MAX + 1];
    uint32_t hellos;
    console_milestone_t milestone;
    char milestone_thing[THING_MAX + 1];
    int64_t milestone_uptime_ms;
    failure_t failures[STAGE_COUNT];
    int last_failed_stage; /* -1: none */
} report_state_t;

static report_state_t s_state = {.last_failed_stage = -1};
static portMUX_TYPE s_lock = portMUX_INITIALIZER_UNLOCKED;

static int64_t uptime_ms(void)
{
    return esp_timer_get_time() / 1000;
}

static void copy_text(char *out, size_t size, const char *text)
{
    snprintf(out, size, "%s", text != NULL ? text : "");
}

bool console_cert_sha256_hex(const char *pem, char hex[65])
{
    static const char begin[] = "-----BEGIN CERTIFICATE-----";
    static const char end[] = "-----END CERTIFICATE-----";
    if (pem == NULL) {
        return false;
    }
    const char *body = strstr(pem, begin);
    const char *stop = body != NULL ? strstr(body, end) : NULL;
    if (body == NULL || stop == NULL) {
        return false;
    }
    body += sizeof(begin) - 1;
    size_t body_length = (size_t)(stop - body);
    size_t der_length = 0;
    if (mbedtls_base64_decode(NULL, 0, &der_length, (const unsigned char *)body, body_length)
        != MBEDTLS_ERR_BASE64_BUFFER_TOO_SMALL || der_length == 0) {
        return false;
    }
    unsigned char *der = malloc(der_length);
    if (der == NULL) {
        return false;
    }
    unsigned char digest[32];
    bool ok = mbedtls_base64_decode(der, der_length, &der_length, (const unsigned char *)body, body_length) == 0
              && mbedtls_sha256(der, der_length, digest, 0) == 0;
    free(der);
    if (ok) {
        for (int i = 0; i < 32; i++) {
            snprintf(hex + 2 * i, 3, "%02x", digest[i]);
        }
    }
    return ok;
}

/* One frame, one write: ESP-IDF's stdout takes a lock per call, so other tasks' logs cannot split it. */
static void send_frame(const char *kind, cJSON *json)
{
    char *text = json != NULL ? cJSON_PrintUnformatted(json) : NULL;
    cJSON_Delete(json);
    if (text == NULL) {
        ESP_LOGE(TAG, "no memory for a '%s' report", kind);
        return;
    }
    char *frame = malloc(FRAME_MAX);
    size_t length = frame != NULL ? console_frame_build(frame, FRAME_MAX, kind, text) : 0;
    if (length > 0) {
        fwrite(frame, 1, length, stdout);
        fflush(stdout);
    } else {
        ESP_LOGE(TAG, "the '%s' report did not fit a frame", kind);
    }
    free(frame);
    cJSON_free(text);
}

static void add_text_or_null(cJSON *json, const char *name, bool present, const char *text)
{
    if (present) {
        cJSON_AddStringToObject(json, name, text);
    } else {
        cJSON_AddNullToObject(json, name);
    }
}

static void send_hello(const report_state_t *state)
{
    const esp_app_desc_t *app = esp_app_get_description();
    esp_chip_info_t chip;
    esp_chip_info(&chip);
    uint8_t mac[6] = {0};
    char mac_text[18] = "";
    if (esp_efuse_mac_get_default(mac) == ESP_OK) {
        snprintf(mac_text, sizeof(mac_text), MACSTR, MAC2STR(mac));
    }
    char revision[16];
    snprintf(revision, sizeof(revision), "v%u.%u", (unsigned)(chip.revision / 100), (unsigned)(chip.revision % 100));
    cJSON *json = cJSON_CreateObject();
    cJSON_AddNumberToObject(json, "proto", PROTOCOL_VERSION);
    cJSON_AddStringToObject(json, "project", app->project_name);
    cJSON_AddStringToObject(json, "fw", app->version);
    cJSON_AddStringToObject(json, "idf", app->idf_ver);
    cJSON_AddStringToObject(json, "chip", CONFIG_IDF_TARGET);
    cJSON_AddStringToObject(json, "chip_rev", revision);
    cJSON_AddStringToObject(json, "mac", mac_text);
    add_text_or_null(json, "thing", state->thing_present, state->thing);
    add_text_or_null(json, "cert_sha256", state->cert_present, state->cert_sha256);
    add_text_or_null(json, "endpoint", state->identity_known, state->endpoint);
    cJSON_AddNumberToObject(json, "boot", state->hellos);
    cJSON_AddNumberToObject(json, "uptime_ms", (double)uptime_ms());
    send_frame("hello", json);
}

static void send_state(console_milestone_t milestone, const char *thing, int64_t when_ms)
{
    if (milestone == CONSOLE_MILESTONE_NONE) {
        return;
    }
    cJSON *json = cJSON_CreateObject();
    cJSON_AddStringToObject(json, "milestone", s_milestones[milestone]);
    if (milestone == CONSOLE_MILESTONE_MQTT_CONNECTED) {
        cJSON_AddStringToObject(json, "thing", thing);
    }
    cJSON_AddNumberToObject(json, "uptime_ms", (double)when_ms);
    send_frame("state", json);
}

static void send_failure(int stage, const failure_t *failure)
{
    cJSON *json = cJSON_CreateObject();
    cJSON_AddStringToObject(json, "stage", s_stages[stage]);
    cJSON_AddStringToObject(json, "err", esp_err_to_name(failure->err));
    cJSON_AddNumberToObject(json, "code", failure->err);
    if (failure->tls != 0) {
        cJSON_AddNumberToObject(json, "tls", failure->tls);
    }
    if (failure->sock_errno != 0) {
        cJSON_AddNumberToObject(json, "errno", failure->sock_errno);
    }
    cJSON_AddStringToObject(json, "detail", failure->detail);
    cJSON_AddNumberToObject(json, "uptime_ms", (double)failure->uptime_ms);
    send_frame("fail", json);
}

/* A copy of the state with the hello counter advanced (every hello counts: 1 is the boot report). */
static void snapshot_for_hello(report_state_t *copy)
{
    portENTER_CRITICAL(&s_lock);
    s_state.hellos++;
    *copy = s_state;
    portEXIT_CRITICAL(&s_lock);
}

void console_report_identity(const device_identity_t *identity, esp_err_t err)
{
    char sha[65] = "";
    bool have_sha = identity != NULL && console_cert_sha256_hex(identity->device_cert, sha);
    portENTER_CRITICAL(&s_lock);
    s_state.identity_known = identity != NULL;
    s_state.thing_present = identity != NULL && identity->thing_name != NULL;
    copy_text(s_state.thing, sizeof(s_state.thing), s_state.thing_present ? identity->thing_name : "");
    s_state.cert_present = have_sha;
    copy_text(s_state.cert_sha256, sizeof(s_state.cert_sha256), sha);
    copy_text(s_state.endpoint, sizeof(s_state.endpoint), identity != NULL ? identity->endpoint : "");
    portEXIT_CRITICAL(&s_lock);

    report_state_t copy;
    snapshot_for_hello(&copy);
    send_hello(&copy);
    if (identity != NULL && have_sha) {
        console_report_milestone(CONSOLE_MILESTONE_IDENTITY_LOADED, NULL);
    } else if (identity != NULL) {
        console_report_failure(CONSOLE_STAGE_IDENTITY, ESP_ERR_INVALID_ARG, 0, 0,
                               "the device certificate in NVS is not a PEM certificate");
    } else {
        console_report_failure(CONSOLE_STAGE_IDENTITY, err, 0, 0, "no usable identity in NVS (see the log)");
    }
}

/* Called from the MQTT task too: only what the frame needs goes on the stack. */
void console_report_milestone(console_milestone_t milestone, const char *thing)
{
    int64_t now = uptime_ms();
    portENTER_CRITICAL(&s_lock);
    s_state.milestone = milestone;
    copy_text(s_state.milestone_thing, sizeof(s_state.milestone_thing), thing);
    s_state.milestone_uptime_ms = now;
    portEXIT_CRITICAL(&s_lock);
    send_state(milestone, thing != NULL ? thing : "", now);
}

void console_report_failure(console_stage_t stage, esp_err_t err, int tls, int sock_errno, const char *detail)
{
    if ((int)stage < 0 || (int)stage >= STAGE_COUNT) {
        return;
    }
    failure_t failure = {.present = true, .err = err, .tls = tls, .sock_errno = sock_errno,
                         .uptime_ms = uptime_ms()};
    copy_text(failure.detail, sizeof(failure.detail), detail);
    bool repeated;
    portENTER_CRITICAL(&s_lock);
    const failure_t *last = &s_state.failures[stage];
    repeated = last->present && last->err == err && last->tls == tls && last->sock_errno == sock_errno;
    if (!repeated) {
        s_state.failures[stage] = failure;
        s_state.last_failed_stage = (int)stage;
    }
    portEXIT_CRITICAL(&s_lock);
    if (!repeated) {
        send_failure((int)stage, &failure);
    }
}

void console_report_answer_query(void)
{
    report_state_t copy;
    snapshot_for_hello(&copy);
    send_hello(&copy);
    send_state(copy.milestone, copy.milestone_thing, copy.milestone_uptime_ms);
    if (copy.last_failed_stage >= 0) {
        send_failure(copy.last_failed_stage, &copy.failures[copy.last_failed_stage]);
    }
}

void console_report_reset(void)
{
    portENTER_CRITICAL(&s_lock);
    memset(&s_state, 0, sizeof(s_state));
    s_state.last_failed_stage = -1;
    portEXIT_CRITICAL(&s_lock);
}

void console_report_input_line(const char *line, size_t length)
{
    console_frame_t frame;
    if (console_frame_parse(line, length, &frame) && strcmp(frame.kind, "query") == 0) {
        console_report_answer_query();
    }
}

#if !CONFIG_ESP_CONSOLE_NONE

static void on_line(const char *line, size_t length, void *arg)
{
    (void)arg;
    console_report_input_line(line, length);
}

/* Reads the console input, a line at a time; its own task, so neither the MQTT task nor app_main waits. */
static void console_task(void *arg)
{
    (void)arg;
    static console_line_t s_lines;
    console_line_init(&s_lines);
    char buffer[128];
    for (;;) {
#if CONFIG_ESP_CONSOLE_USB_SERIAL_JTAG
        int n = usb_serial_jtag_read_bytes(buffer, sizeof(buffer), pdMS_TO_TICKS(1000));
#else
        int n = uart_read_bytes(CONFIG_ESP_CONSOLE_UART_NUM, buffer, sizeof(buffer), pdMS_TO_TICKS(1000));
#endif
        if (n > 0) {
            console_line_feed(&s_lines, buffer, (size_t)n, on_line, NULL);
        }
    }
}

esp_err_t console_report_start(void)
{
    esp_err_t err = ESP_OK;
#if CONFIG_ESP_CONSOLE_USB_SERIAL_JTAG
    if (!usb_serial_jtag_is_driver_installed()) {
        usb_serial_jtag_driver_config_t config = USB_SERIAL_JTAG_DRIVER_CONFIG_DEFAULT();
        err = usb_serial_jtag_driver_install(&config);
    }
#else
    if (!uart_is_driver_installed(CONFIG_ESP_CONSOLE_UART_NUM)) {
        /* receive buffer only; sending stays as the console does it */
        err = uart_driver_install(CONFIG_ESP_CONSOLE_UART_NUM, 1024, 0, 0, NULL, 0);
    }
#endif
    if (err != ESP_OK) {
        ESP_LOGW(TAG, "console input unavailable (%s): queries go unanswered", esp_err_to_name(err));
        return err;
    }
    if (xTaskCreate(console_task, "console_rx", 4096, NULL, 2, NULL) != pdPASS) {
        return ESP_ERR_NO_MEM;
    }
    return ESP_OK;
}

#else

esp_err_t console_report_start(void)
{
    return ESP_ERR_NOT_SUPPORTED; /* no console: nothing to read queries from */
}

#endif
