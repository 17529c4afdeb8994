/*
 * Host tests of a generated firmware project: backoff, message reassembly, shadow documents, the MQTT
 * event flow and boot with and without identity, all against the fakes in host/fakes. Built once per
 * example config, plain and with AddressSanitizer + UndefinedBehaviorSanitizer.
 */
#include <math.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws_mqtt.h"
#include "backoff.h"
#include "console_frame.h"
#include "console_report.h"
#include "esp_rom_crc.h"
#include "sdkconfig.h"
#include "esp_netif.h"
#include "esp_tls_errors.h"
#include "esp_wifi.h"
#include "check.h"
#include "device_state.h"
#include "msg_assembler.h"
#include "support.h"
#include "wifi_sta.h"

void app_main(void);

bool g_test_failed;
static int s_passed;
static int s_failed;

void run_test(const char *name, void (*test)(void))
{
    g_test_failed = false;
    int critical_before = fake_critical_depth();
    test();
    if (fake_critical_depth() != critical_before) {
        fprintf(stderr, "  critical section left unbalanced\n");
        g_test_failed = true;
    }
    if (g_test_failed) {
        s_failed++;
        printf("FAIL %s\n", name);
    } else {
        s_passed++;
        printf("ok   %s\n", name);
    }
    fflush(stdout);
}

/* ---- support ---- */

static shadow_topics_t s_topics;
static long long s_version = 1000;

const shadow_topics_t *test_topics(void)
{
    return &s_topics;
}

long long next_version(void)
{
    return ++s_version;
}

void deliver_split(const char *topic, const char *json, const int *cuts, int cut_count)
{
    int total = (int)strlen(json);
    int start = 0;
    for (int i = 0; i <= cut_count; i++) {
        int end = i < cut_count ? cuts[i] : total;
        esp_mqtt_event_t event = {
            .event_id = MQTT_EVENT_DATA,
            .data = (char *)json + start,
            .data_len = end - start,
            .total_data_len = total,
            .current_data_offset = start,
            .topic = start == 0 ? (char *)topic : NULL,
            .topic_len = start == 0 ? (int)strlen(topic) : 0,
        };
        fake_mqtt_dispatch(&event);
        start = end;
    }
}

void deliver(const char *topic, const char *json)
{
    deliver_split(topic, json, NULL, 0);
    run_control_task(); /* then whatever the handler handed to the control task happens */
}

void run_control_task(void)
{
    fake_task_t *task = fake_task(CONTROL_TASK);
    if (task != NULL) {
        fake_task_run(task);
    }
}

long long deliver_delta_version(const char *state_json, long long version)
{
    char json[4096];
    int n = snprintf(json, sizeof(json), "{\"state\":%s,\"metadata\":{},\"version\":%lld,\"timestamp\":1700000000}",
                     state_json, version);
    CHECK(n > 0 && (size_t)n < sizeof(json));
    deliver(s_topics.update_delta, json);
    return version;
}

long long deliver_delta(const char *state_json)
{
    return deliver_delta_version(state_json, next_version());
}

void deliver_get_accepted(const char *desired_json)
{
    char json[4096];
    int n = snprintf(json, sizeof(json),
                     "{\"state\":{\"desired\":%s,\"reported\":{\"online\":true}},\"metadata\":{},\"version\":%lld}",
                     desired_json, next_version());
    CHECK(n > 0 && (size_t)n < sizeof(json));
    deliver(s_topics.get_accepted, json);
}

const char *awaited_get_token(void)
{
    static char token[SHADOW_CLIENT_TOKEN_MAX + 1];
    const fake_publish_t *get = last_publish_to(s_topics.get);
    cJSON *root = get != NULL ? cJSON_Parse(get->data) : NULL;
    const char *value = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "clientToken"));
    bool found = value != NULL && strlen(value) <= SHADOW_CLIENT_TOKEN_MAX;
    if (found) {
        snprintf(token, sizeof(token), "%s", value);
    }
    cJSON_Delete(root);
    return found ? token : NULL;
}

void answer_get(const char *desired_json, long long version)
{
    const char *token = awaited_get_token();
    CHECK(token != NULL);
    char json[4096];
    int n = snprintf(json, sizeof(json),
                     "{\"state\":{\"desired\":%s,\"reported\":{\"online\":true}},\"metadata\":{},\"version\":%lld,"
                     "\"timestamp\":1700000000,\"clientToken\":\"%s\"}", desired_json, version, token != NULL ? token : "");
    CHECK(n > 0 && (size_t)n < sizeof(json));
    deliver(s_topics.get_accepted, json);
}

void reject_get(int code)
{
    const char *token = awaited_get_token();
    CHECK(token != NULL);
    char json[256];
    snprintf(json, sizeof(json), "{\"code\":%d,\"message\":\"as AWS says\",\"timestamp\":1700000000,"
             "\"clientToken\":\"%s\"}", code, token != NULL ? token : "");
    deliver(s_topics.get_rejected, json);
}

void connect_and_subscribe(void)
{
    esp_mqtt_event_t connected = {.event_id = MQTT_EVENT_CONNECTED, .session_present = 0};
    fake_mqtt_dispatch(&connected);
    int first = fake_mqtt_subscribe_count() - 4;
    for (int i = first < 0 ? 0 : first; i < fake_mqtt_subscribe_count(); i++) {
        esp_mqtt_event_t suback = {.event_id = MQTT_EVENT_SUBSCRIBED, .msg_id = fake_mqtt_subscription_msg_id(i)};
        fake_mqtt_dispatch(&suback);
    }
    run_control_task();
}

int publishes_to(const char *topic)
{
    int n = 0;
    for (int i = 0; i < fake_mqtt_publish_count(); i++) {
        n += strcmp(fake_mqtt_publish(i)->topic, topic) == 0 ? 1 : 0;
    }
    return n;
}

const fake_publish_t *last_publish_to(const char *topic)
{
    for (int i = fake_mqtt_publish_count() - 1; i >= 0; i--) {
        if (strcmp(fake_mqtt_publish(i)->topic, topic) == 0) {
            return fake_mqtt_publish(i);
        }
    }
    return NULL;
}

cJSON *last_telemetry(void)
{
    const fake_publish_t *p = last_publish_to(s_topics.telemetry);
    return p == NULL ? NULL : cJSON_Parse(p->data);
}

cJSON *last_reported(void)
{
    const fake_publish_t *p = last_publish_to(s_topics.update);
    if (p == NULL) {
        return NULL;
    }
    cJSON *root = cJSON_Parse(p->data);
    cJSON *reported = cJSON_DetachItemFromObjectCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "state"),
                                                              "reported");
    cJSON_Delete(root);
    return reported;
}

/* ---- backoff ---- */

static uint64_t s_lcg;

static uint32_t seeded_random(void *ctx)
{
    (void)ctx;
    s_lcg = s_lcg * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(s_lcg >> 32);
}

static void backoff_grows_exponentially_up_to_the_cap(void)
{
    backoff_policy_t p = {.initial_ms = 1000, .max_ms = 60000, .multiplier = 2, .jitter = BACKOFF_JITTER_NONE};
    uint32_t expected[] = {1000, 2000, 4000, 8000, 16000, 32000, 60000, 60000};
    for (uint32_t i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
        CHECK_EQ_INT(expected[i], backoff_base_delay_ms(&p, i));
        CHECK_EQ_INT(expected[i], backoff_delay_ms(&p, i, seeded_random, NULL));
    }
    CHECK_EQ_INT(60000, backoff_base_delay_ms(&p, UINT32_MAX));
    backoff_policy_t big = {.initial_ms = 3000000, .max_ms = 3600000, .multiplier = 10, .jitter = BACKOFF_JITTER_NONE};
    CHECK_EQ_INT(3600000, backoff_base_delay_ms(&big, 1000)); /* no overflow */
    backoff_policy_t flat = {.initial_ms = 500, .max_ms = 9000, .multiplier = 1, .jitter = BACKOFF_JITTER_NONE};
    CHECK_EQ_INT(500, backoff_base_delay_ms(&flat, 50));
}

/* 10,000 draws at a fixed attempt: every delay in range, and the mean where the strategy puts it. */
static void check_spread(backoff_jitter_t jitter, uint32_t percent, double low_fraction, double high_fraction,
                         double mean_fraction)
{
    backoff_policy_t p = {.initial_ms = 1000, .max_ms = 64000, .multiplier = 2, .jitter = jitter,
                          .jitter_percent = percent};
    s_lcg = 12345;
    const uint32_t attempt = 3; /* base 8000 ms */
    const double base = 8000.0;
    double sum = 0;
    uint32_t lowest = UINT32_MAX;
    uint32_t highest = 0;
    for (int i = 0; i < 10000; i++) {
        uint32_t d = backoff_delay_ms(&p, attempt, seeded_random, NULL);
        sum += d;
        lowest = d < lowest ? d : lowest;
        highest = d > highest ? d : highest;
    }
    double mean = sum / 10000.0;
    CHECK(lowest >= (uint32_t)(base * low_fraction));
    CHECK(highest <= (uint32_t)(base * high_fraction));
    CHECK(highest <= p.max_ms);
    CHECK(fabs(mean - base * mean_fraction) < base * 0.02);
    /* the draws really spread over the range, not a constant */
    CHECK(jitter == BACKOFF_JITTER_NONE || highest - lowest > (uint32_t)(base * (high_fraction - low_fraction) * 0.9));
}

static void backoff_jitter_spreads_as_configured(void)
{
    check_spread(BACKOFF_JITTER_NONE, 0, 1.0, 1.0, 1.0);
    check_spread(BACKOFF_JITTER_FULL, 0, 0.0, 1.0, 0.5);
    check_spread(BACKOFF_JITTER_EQUAL, 0, 0.5, 1.0, 0.75);
    check_spread(BACKOFF_JITTER_PROPORTIONAL, 25, 0.75, 1.25, 1.0);
}

static void backoff_never_exceeds_the_cap_with_jitter(void)
{
    backoff_policy_t p = {.initial_ms = 1000, .max_ms = 10000, .multiplier = 3,
                          .jitter = BACKOFF_JITTER_PROPORTIONAL, .jitter_percent = 50};
    s_lcg = 7;
    for (uint32_t attempt = 0; attempt < 40; attempt++) {
        for (int i = 0; i < 250; i++) {
            CHECK(backoff_delay_ms(&p, attempt, seeded_random, NULL) <= 10000);
        }
    }
}

static void backoff_of_this_config_stays_within_its_cap(void)
{
    backoff_policy_t p = {.initial_ms = ESPFLEET_BACKOFF_INITIAL_MS, .max_ms = ESPFLEET_BACKOFF_MAX_MS,
                          .multiplier = ESPFLEET_BACKOFF_MULTIPLIER, .jitter = ESPFLEET_BACKOFF_JITTER,
                          .jitter_percent = ESPFLEET_BACKOFF_JITTER_PERCENT};
    s_lcg = 99;
    uint32_t previous_base = 0;
    for (uint32_t attempt = 0; attempt < 30; attempt++) {
        uint32_t base = backoff_base_delay_ms(&p, attempt);
        CHECK(base >= previous_base);
        previous_base = base;
        for (int i = 0; i < 300; i++) {
            CHECK(backoff_delay_ms(&p, attempt, seeded_random, NULL) <= ESPFLEET_BACKOFF_MAX_MS);
        }
    }
    CHECK_EQ_INT(ESPFLEET_BACKOFF_MAX_MS, previous_base);
}

/* ---- message reassembly ---- */

static char s_buffer[64 + 1];

static void assembler_rebuilds_a_message_split_at_every_boundary(void)
{
    const char *message = "{\"state\":{\"a\":1},\"version\":7}";
    int total = (int)strlen(message);
    for (int cut = 1; cut < total; cut++) {
        msg_assembler_t a;
        msg_assembler_init(&a, s_buffer, 64);
        CHECK_EQ_INT(MSG_ASSEMBLER_INCOMPLETE, msg_assembler_feed(&a, "t/x", 3, message, cut, 0, total));
        CHECK_EQ_INT(MSG_ASSEMBLER_COMPLETE, msg_assembler_feed(&a, NULL, 0, message + cut, total - cut, cut, total));
        CHECK(strcmp(a.data, message) == 0);
        CHECK(strcmp(a.topic, "t/x") == 0);
    }
    for (int first = 1; first < total - 1; first++) {
        for (int second = first + 1; second < total; second++) {
            msg_assembler_t a;
            msg_assembler_init(&a, s_buffer, 64);
            msg_assembler_feed(&a, "t/x", 3, message, first, 0, total);
            msg_assembler_feed(&a, NULL, 0, message + first, second - first, first, total);
            CHECK_EQ_INT(MSG_ASSEMBLER_COMPLETE,
                         msg_assembler_feed(&a, NULL, 0, message + second, total - second, second, total));
            CHECK_EQ_INT(total, a.length);
            CHECK(memcmp(a.data, message, (size_t)total) == 0);
        }
    }
}

static void assembler_drops_messages_larger_than_its_buffer(void)
{
    char big[200];
    memset(big, 'x', sizeof(big));
    msg_assembler_t a;
    msg_assembler_init(&a, s_buffer, 64);
    CHECK_EQ_INT(MSG_ASSEMBLER_INCOMPLETE, msg_assembler_feed(&a, "t", 1, big, 100, 0, 200));
    CHECK_EQ_INT(MSG_ASSEMBLER_DROPPED, msg_assembler_feed(&a, NULL, 0, big + 100, 100, 100, 200));
    CHECK_EQ_INT(MSG_ASSEMBLER_DROPPED, msg_assembler_feed(&a, "t", 1, big, 65, 0, 65));
    CHECK_EQ_INT(MSG_ASSEMBLER_COMPLETE, msg_assembler_feed(&a, "t", 1, big, 64, 0, 64)); /* exactly fits */
    CHECK_EQ_INT('\0', a.data[64]);
}

static void assembler_drops_stray_and_out_of_order_fragments(void)
{
    msg_assembler_t a;
    msg_assembler_init(&a, s_buffer, 64);
    CHECK_EQ_INT(MSG_ASSEMBLER_DROPPED, msg_assembler_feed(&a, NULL, 0, "bc", 2, 1, 3)); /* no start */
    CHECK_EQ_INT(MSG_ASSEMBLER_INCOMPLETE, msg_assembler_feed(&a, "t", 1, "ab", 2, 0, 6));
    CHECK_EQ_INT(MSG_ASSEMBLER_DROPPED, msg_assembler_feed(&a, NULL, 0, "ef", 2, 4, 6)); /* gap */
    CHECK_EQ_INT(MSG_ASSEMBLER_DROPPED, msg_assembler_feed(&a, NULL, 0, "x", 1, 0, -1)); /* nonsense */
    CHECK_EQ_INT(MSG_ASSEMBLER_DROPPED, msg_assembler_feed(&a, NULL, 0, "abc", 3, 0, 3)); /* no topic */
    CHECK_EQ_INT(MSG_ASSEMBLER_COMPLETE, msg_assembler_feed(&a, "t", 1, "ok", 2, 0, 2));
    CHECK(strcmp(a.data, "ok") == 0);
}

/* ---- shadow documents (any config) ---- */

static int applied(const char *json)
{
    shadow_sync_t sync = {0};
    return shadow_handle_message(&sync, SHADOW_MESSAGE_DELTA, json, strlen(json)).report ? 1 : 0;
}

static void shadow_refuses_malformed_documents(void)
{
    const char *bad[] = {
        "", "{", "{\"state\":", "not json", "[]", "null", "42", "\"state\"",
        "{\"version\":5}",                                /* no state */
        "{\"state\":[1,2],\"version\":5}",                /* state not an object */
        "{\"state\":\"x\",\"version\":5}",
        "{\"state\":{},\"version\":5}",                   /* nothing to apply */
        "{\"state\":{\"no_such_field\":1},\"version\":5}",
        "{\"state\":{\"no_such_field\":{\"deep\":[1,{\"x\":1e308}]}},\"version\":5}",
        "{\"state\":{\"no_such_field\":1e999},\"version\":5}",
        "{\"state\":{\"no_such_field\":1}}",              /* no version */
        "{\"state\":{\"no_such_field\":1},\"version\":\"5\"}",
        "{\"state\":{\"no_such_field\":1},\"version\":-3}",
        "{\"state\":{\"no_such_field\":1},\"version\":1.5}",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int before = fake_log_count(ESP_LOG_WARN) + fake_log_count(ESP_LOG_INFO);
        CHECK_EQ_INT(0, applied(bad[i]));
        CHECK(fake_log_count(ESP_LOG_WARN) + fake_log_count(ESP_LOG_INFO) > before || strlen(bad[i]) == 0
              || strstr(bad[i], "{}") != NULL);
    }
    /* a valid delta's every prefix is invalid JSON: never applied, never a crash */
    const char *valid = "{\"state\":{\"no_such_field\":12345,\"x\":[true,false,null]},\"version\":77}";
    for (size_t n = 0; n < strlen(valid); n++) {
        shadow_sync_t sync = {0};
        shadow_outcome_t outcome = shadow_handle_message(&sync, SHADOW_MESSAGE_DELTA, valid, n);
        CHECK(!outcome.report && !outcome.resync && !outcome.round_trip && !outcome.retry_get);
        CHECK(!sync.have_version);
    }
}

static bool nothing_to_do(shadow_outcome_t o)
{
    return !o.report && !o.resync && !o.round_trip && !o.retry_get;
}

static void shadow_ignores_rejections_of_requests_it_did_not_make(void)
{
    shadow_sync_t sync = {0};
    shadow_sync_get_sent(&sync, "mine-1");
    const char *others[] = {
        "{\"code\":404,\"message\":\"No shadow exists with name: 'x'\",\"clientToken\":\"console-7\"}",
        "{\"code\":404,\"message\":\"No shadow exists with name: 'x'\"}",
        "{\"code\":500,\"message\":\"Internal service failure\",\"clientToken\":\"mine-0\"}",
    };
    for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
        CHECK(nothing_to_do(shadow_handle_message(&sync, SHADOW_MESSAGE_GET_REJECTED, others[i], strlen(others[i]))));
        CHECK(nothing_to_do(shadow_handle_message(&sync, SHADOW_MESSAGE_UPDATE_REJECTED, others[i], strlen(others[i]))));
        CHECK(nothing_to_do(shadow_handle_message(&sync, SHADOW_MESSAGE_UNKNOWN, others[i], strlen(others[i]))));
    }
    CHECK(strcmp(sync.get_token, "mine-1") == 0); /* still awaited */
}

static void shadow_get_rejected_codes_decide_what_follows(void)
{
    struct {
        int code;
        bool report;
        bool retry;
        const char *log;
    } cases[] = {
        {404, true, false, "no shadow yet (404)"},
        {429, false, true, "refused for now (429"},
        {500, false, true, "refused for now (500"},
        {503, false, true, "refused for now (503"},
        {403, false, false, "shadow get forbidden (403"},
        {401, false, false, "shadow get forbidden (401"},
        {400, false, false, "shadow get rejected (400"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        fake_reset();
        shadow_sync_t sync = {.have_version = true, .applied_version = 12};
        shadow_sync_get_sent(&sync, "mine-2");
        char doc[160];
        snprintf(doc, sizeof(doc), "{\"code\":%d,\"message\":\"m\",\"timestamp\":1,\"clientToken\":\"mine-2\"}",
                 cases[i].code);
        shadow_outcome_t o = shadow_handle_message(&sync, SHADOW_MESSAGE_GET_REJECTED, doc, strlen(doc));
        CHECK_EQ_INT(cases[i].report, o.report);
        CHECK_EQ_INT(cases[i].retry, o.retry_get);
        CHECK_EQ_INT(cases[i].code == 404, o.round_trip); /* only "no shadow" completes a round trip */
        CHECK(!o.resync);
        CHECK(fake_log_contains(cases[i].log));
        CHECK_EQ_INT('\0', sync.get_token[0]); /* answered */
        CHECK_EQ_INT(cases[i].code != 404, sync.have_version); /* a new shadow starts again at version 1 */
    }
}

static void shadow_topics_are_built_for_the_thing(void)
{
    const shadow_topics_t *t = test_topics();
    const char *shadow = ESPFLEET_SHADOW_NAME;
    char expected[SHADOW_TOPIC_MAX];
    if (shadow[0] == '\0') {
        snprintf(expected, sizeof(expected), "$aws/things/%s/shadow/update/delta", TEST_THING);
    } else {
        snprintf(expected, sizeof(expected), "$aws/things/%s/shadow/name/%s/update/delta", TEST_THING, shadow);
    }
    CHECK(strcmp(t->update_delta, expected) == 0);
    snprintf(expected, sizeof(expected), "%s/%s/status", ESPFLEET_STATUS_TOPIC_PREFIX, TEST_THING);
    CHECK(strcmp(t->status, expected) == 0);
    CHECK(t->status[0] != '$');
    CHECK_EQ_INT(SHADOW_MESSAGE_DELTA, shadow_classify(t, t->update_delta));
    CHECK_EQ_INT(SHADOW_MESSAGE_GET_ACCEPTED, shadow_classify(t, t->get_accepted));
    CHECK_EQ_INT(SHADOW_MESSAGE_UNKNOWN, shadow_classify(t, t->update));

    shadow_topics_t too_long;
    char thing[300];
    memset(thing, 'a', sizeof(thing) - 1);
    thing[sizeof(thing) - 1] = '\0';
    CHECK(!shadow_topics_init(&too_long, thing, shadow, ESPFLEET_STATUS_TOPIC_PREFIX));
}

static void reported_document_parses_back(void)
{
    char *text = shadow_build_reported(true, "0badc0de-update-1");
    CHECK(text != NULL);
    cJSON *root = cJSON_Parse(text);
    CHECK(root != NULL);
    cJSON *reported = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "state"), "reported");
    CHECK(cJSON_IsObject(reported));
    CHECK(strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(reported, "firmware_version")),
                 ESPFLEET_FIRMWARE_VERSION) == 0);
    CHECK(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(reported, "online"))); /* repairs a late Last Will */
    CHECK(strcmp(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "clientToken")), "0badc0de-update-1") == 0);
    cJSON_Delete(root);
    cJSON_free(text);
}

/* ---- boot ---- */

static void put_identity(bool with_key)
{
#ifndef ESPFLEET_PINNED_THING_NAME
    fake_nvs_put_str(ESPFLEET_IDENTITY_PARTITION, ESPFLEET_IDENTITY_NAMESPACE, ESPFLEET_NVS_KEY_THING_NAME, TEST_THING);
#endif
    fake_nvs_put_str(ESPFLEET_IDENTITY_PARTITION, ESPFLEET_IDENTITY_NAMESPACE, ESPFLEET_NVS_KEY_DEVICE_CERT,
                     "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");
    if (with_key) {
        /* written as a blob (file,binary): must come back NUL-terminated */
        /* not a key: just PEM-shaped text (split so that secret scanners do not take it for one) */
        const char key[] = "-----BEGIN " "PRIVATE KEY-----\nMIGH\n-----END " "PRIVATE KEY-----\n";
        fake_nvs_put_blob(ESPFLEET_IDENTITY_PARTITION, ESPFLEET_IDENTITY_NAMESPACE, ESPFLEET_NVS_KEY_PRIVATE_KEY,
                          key, sizeof(key) - 1);
    }
    fake_nvs_put_str(ESPFLEET_WIFI_PARTITION, ESPFLEET_WIFI_NAMESPACE, ESPFLEET_NVS_KEY_WIFI_SSID, "bench-ap");
    fake_nvs_put_str(ESPFLEET_WIFI_PARTITION, ESPFLEET_WIFI_NAMESPACE, ESPFLEET_NVS_KEY_WIFI_PASSWORD, "secret123");
}

static void boot_without_private_key_halts_with_a_clear_log(void)
{
    fake_restart();
    fake_nvs_set_flash_init_result(ESP_ERR_NVS_NO_FREE_PAGES); /* the default partition gets erased once */
    put_identity(false);
    app_main(); /* returns: nothing started */
    CHECK(!fake_mqtt_started());
    CHECK(fake_log_contains("key '" ESPFLEET_NVS_KEY_PRIVATE_KEY "' is missing from NVS partition '"
                            ESPFLEET_IDENTITY_PARTITION "'"));
    CHECK(fake_log_contains("halted"));
    CHECK_EQ_INT(0, fake_nvs_open_handles());
}

/* While app_main sleeps the first time, the broker accepts the connection. */
static void connected_during_first_delay(int delay)
{
    if (delay == 1) {
        esp_mqtt_event_t event = {.event_id = MQTT_EVENT_CONNECTED, .session_present = 0};
        fake_mqtt_dispatch(&event);
    }
}

static void boot_with_identity_starts_mqtt_then_sends_telemetry(void)
{
    fake_restart();
    put_identity(true);
    jmp_buf escape;
    if (setjmp(escape) == 0) {
        fake_on_delay(connected_during_first_delay, 2); /* one turn of the telemetry loop, then out */
        fake_set_escape(&escape);
        app_main();
        CHECK(!"app_main returned although identity is complete");
    }
    /* one telemetry interval passed while connected: the readings went where the config says */
    int updates = publishes_to(test_topics()->update);
    int telemetry = publishes_to(test_topics()->telemetry);
    if (ESPFLEET_TELEMETRY_TO_SHADOW) {
        CHECK_EQ_INT(1, updates);
        CHECK_EQ_INT(0, telemetry);
    } else {
        CHECK_EQ_INT(0, updates); /* no shadow update (each is a version and a billed operation) per sample */
        CHECK_EQ_INT(1, telemetry);
        CHECK(strstr(test_topics()->telemetry, "/" TEST_THING "/telemetry") != NULL);
    }
    CHECK(fake_mqtt_started());
    const esp_mqtt_client_config_t *c = fake_mqtt_config();
    CHECK(c != NULL);
    if (c == NULL) {
        return;
    }
    char uri[300];
    snprintf(uri, sizeof(uri), "mqtts://%s:8883", ESPFLEET_DEFAULT_ENDPOINT);
    CHECK(strcmp(c->broker.address.uri, uri) == 0);
    CHECK(strcmp(c->credentials.client_id, TEST_THING) == 0);
    CHECK(strstr(c->credentials.authentication.certificate, "BEGIN CERTIFICATE") != NULL);
    CHECK(strcmp(c->credentials.authentication.key + strlen(c->credentials.authentication.key) - 26,
                 "-----END PRIVATE KEY-----\n") == 0);
    CHECK(strstr(c->broker.verification.certificate, "MIIDQTCCAimgAwIBAgITBmyfz5m/jAo54vB4ikPmljZbyjANBgkqhkiG9w0BAQsF")
          != NULL); /* Amazon Root CA 1 by default */
    CHECK(c->network.disable_auto_reconnect);
    CHECK_EQ_INT(ESPFLEET_MQTT_KEEPALIVE_S, c->session.keepalive);
    CHECK_EQ_INT(ESPFLEET_MQTT_PERSISTENT_SESSION, c->session.disable_clean_session);
    CHECK(strcmp(c->session.last_will.topic, test_topics()->status) == 0);
    CHECK(strstr(c->session.last_will.msg, "\"online\":false") != NULL);
    CHECK(c->session.last_will.qos == 0 || c->session.last_will.qos == 1);
    CHECK(fake_timer("mqtt_reconnect") != NULL);
    CHECK(fake_task(CONTROL_TASK) != NULL);
}

static void wifi_password_is_kept_in_ram_not_written_to_nvs(void)
{
    fake_restart();
    char ssid[] = "bench-ap";
    char password[] = "pa55-in-ram-only";
    wifi_credentials_t credentials = {.ssid = ssid, .password = password};
    CHECK_EQ_INT(ESP_OK, wifi_sta_start(&credentials));
    /* ESP-IDF's default, WIFI_STORAGE_FLASH, copies the station config (password in plain text) into the
     * default NVS partition, which is not encrypted, is erased when full and is open to other code */
    const char *calls = fake_wifi_calls();
    const char *init = strstr(calls, "init");
    const char *storage = strstr(calls, "set_storage(RAM)");
    const char *config = strstr(calls, "set_config");
    CHECK(init != NULL && storage != NULL && config != NULL);
    CHECK(init < storage && storage < config);
    CHECK(strstr(calls, "set_storage(FLASH)") == NULL);
    CHECK_EQ_INT(0, fake_nvs_items_holding(password));
    if (g_test_failed) {
        fprintf(stderr, "  Wi-Fi calls: %s\n", calls);
    }
}

static void wifi_drop_arms_a_retry_timer_without_blocking(void)
{
    fake_reset();
    fake_timer_t *retry = fake_timer("wifi_retry");
    CHECK(retry != NULL);
    if (retry == NULL) {
        return;
    }
    uint64_t previous = 0;
    for (int i = 0; i < 8; i++) {
        int blocking = fake_blocking_calls();
        esp_event_post(WIFI_EVENT, WIFI_EVENT_STA_DISCONNECTED, NULL, 0, 0);
        CHECK_EQ_INT(blocking, fake_blocking_calls());
        CHECK(retry->active);
        CHECK(retry->timeout_us <= 30000000u);
        CHECK(i < 2 || retry->timeout_us >= previous / 2); /* equal jitter: never below half the base */
        previous = retry->timeout_us;
    }
    CHECK(retry->timeout_us >= 15000000u); /* grown to the cap's range: 30 s base, at least half of it */
    esp_event_post(IP_EVENT, IP_EVENT_STA_GOT_IP, NULL, 0, 0);
    esp_event_post(WIFI_EVENT, WIFI_EVENT_STA_DISCONNECTED, NULL, 0, 0);
    CHECK(retry->timeout_us <= 500000u); /* connected again: the backoff starts over */
}

/* ---- MQTT event flow ---- */

static void connect_event(int session_present)
{
    esp_mqtt_event_t event = {.event_id = MQTT_EVENT_CONNECTED, .session_present = session_present};
    fake_mqtt_dispatch(&event);
}

static void connected_subscribes_then_gets_the_shadow(void)
{
    fake_reset();
    int blocking = fake_blocking_calls();
    connect_event(0);
    const shadow_topics_t *t = test_topics();
    CHECK_EQ_INT(4, fake_mqtt_subscribe_count());
    const char *want[] = {t->update_delta, t->get_accepted, t->get_rejected, t->update_rejected};
    for (int i = 0; i < 4; i++) {
        bool found = false;
        for (int j = 0; j < fake_mqtt_subscribe_count(); j++) {
            found = found || strcmp(fake_mqtt_subscription(j), want[i]) == 0;
        }
        CHECK(found);
    }
    const fake_publish_t *online = last_publish_to(t->status);
    CHECK(online != NULL && strstr(online->data, "\"online\":true") != NULL);
    CHECK_EQ_INT(0, publishes_to(t->get)); /* not before the subscriptions are acknowledged */
    for (int i = 0; i < 4; i++) {
        esp_mqtt_event_t suback = {.event_id = MQTT_EVENT_SUBSCRIBED, .msg_id = fake_mqtt_subscription_msg_id(i)};
        fake_mqtt_dispatch(&suback);
        CHECK_EQ_INT(i == 3 ? 1 : 0, publishes_to(t->get));
    }
    const char *token = awaited_get_token(); /* {"clientToken":"..."}: its answer will carry it */
    CHECK(token != NULL && strlen(token) > 0);
    CHECK_EQ_INT(blocking, fake_blocking_calls());
    CHECK(mqtt_is_connected());
}

static void connected_with_a_kept_session_gets_the_shadow_at_once(void)
{
    fake_reset();
    connect_event(0); /* the first session: every subscription granted */
    for (int i = 0; i < 4; i++) {
        esp_mqtt_event_t suback = {.event_id = MQTT_EVENT_SUBSCRIBED, .msg_id = fake_mqtt_subscription_msg_id(i)};
        fake_mqtt_dispatch(&suback);
    }
    fake_reset();
    connect_event(1);
    if (ESPFLEET_MQTT_PERSISTENT_SESSION) {
        CHECK_EQ_INT(0, fake_mqtt_subscribe_count());
        CHECK_EQ_INT(1, publishes_to(test_topics()->get));
    } else {
        CHECK_EQ_INT(4, fake_mqtt_subscribe_count()); /* clean session: the broker kept nothing */
    }
}

static void disconnect_event(void)
{
    esp_mqtt_event_t event = {.event_id = MQTT_EVENT_DISCONNECTED};
    fake_mqtt_dispatch(&event);
}

static void disconnected_arms_the_backoff_timer_without_blocking(void)
{
    fake_reset();
    connect_event(0);
    fake_timer_t *timer = fake_timer("mqtt_reconnect");
    for (int attempt = 0; attempt < 12; attempt++) {
        int blocking = fake_blocking_calls();
        int starts = timer->starts;
        disconnect_event();
        CHECK_EQ_INT(blocking, fake_blocking_calls()); /* nothing in the handler waited */
        run_control_task();
        CHECK_EQ_INT(starts + 1, timer->starts);
        CHECK(timer->active);
        CHECK(timer->timeout_us <= (uint64_t)ESPFLEET_BACKOFF_MAX_MS * 1000u);
        CHECK(timer->timeout_us % 1000u == 0); /* microseconds from whole milliseconds */
        CHECK_EQ_INT(0, fake_mqtt_reconnect_calls());
    }
    CHECK(!mqtt_is_connected());
}

static void timer_wakes_the_control_task_to_reconnect(void)
{
    fake_reset();
    disconnect_event();
    run_control_task();
    fake_timer_t *timer = fake_timer("mqtt_reconnect");
    CHECK(timer->active);
    fake_timer_fire(timer);
    CHECK_EQ_INT(0, fake_mqtt_reconnect_calls()); /* not from the esp_timer task */
    run_control_task();
    CHECK_EQ_INT(1, fake_mqtt_reconnect_calls());
    CHECK(!timer->active);

    /* the client refuses (not waiting to reconnect): the task backs off again */
    fake_mqtt_set_reconnect_result(ESP_FAIL);
    fake_timer_fire(timer);
    run_control_task();
    CHECK_EQ_INT(2, fake_mqtt_reconnect_calls());
    CHECK(timer->active);
    fake_mqtt_set_reconnect_result(ESP_OK);
}

/* The smallest and largest delay the config's backoff can give for `attempt`, in ms. */
static void delay_bounds(uint32_t attempt, uint32_t *low, uint32_t *high)
{
    backoff_policy_t p = {.initial_ms = ESPFLEET_BACKOFF_INITIAL_MS, .max_ms = ESPFLEET_BACKOFF_MAX_MS,
                          .multiplier = ESPFLEET_BACKOFF_MULTIPLIER, .jitter = ESPFLEET_BACKOFF_JITTER,
                          .jitter_percent = ESPFLEET_BACKOFF_JITTER_PERCENT};
    uint32_t base = backoff_base_delay_ms(&p, attempt);
    uint32_t spread = (uint32_t)((uint64_t)base * ESPFLEET_BACKOFF_JITTER_PERCENT / 100u);
    switch (p.jitter) {
    case BACKOFF_JITTER_FULL: *low = 0; *high = base; break;
    case BACKOFF_JITTER_EQUAL: *low = base / 2; *high = base; break;
    case BACKOFF_JITTER_PROPORTIONAL:
        *low = base - spread;
        *high = base + spread > p.max_ms ? p.max_ms : base + spread;
        break;
    default: *low = base; *high = base; break;
    }
}

/* The subscriptions of the connection are acknowledged, the device asks for its shadow and gets it. */
static void shadow_round_trip(void)
{
    for (int i = 0; i < fake_mqtt_subscribe_count(); i++) {
        esp_mqtt_event_t suback = {.event_id = MQTT_EVENT_SUBSCRIBED, .msg_id = fake_mqtt_subscription_msg_id(i)};
        fake_mqtt_dispatch(&suback); /* the ones acknowledged before change nothing */
    }
    answer_get("{}", next_version());
}

/* Called inside esp_timer_start_once: the timer expires, and the control task runs, before the code that
 * started the timer goes on (a delay of a few ms with full jitter, the other core, a preemption). */
static void expires_at_once(fake_timer_t *timer)
{
    timer->on_started = NULL;
    fake_timer_fire(timer);
    run_control_task();
}

static void reconnect_state_has_one_owner_when_the_timer_expires_inside_the_handler(void)
{
    fake_reset();
    connect_event(0);
    shadow_round_trip(); /* attempts count from 1 */
    fake_timer_t *timer = fake_timer("mqtt_reconnect");
    timer->on_started = expires_at_once;
    disconnect_event(); /* the client is not waiting to reconnect until its handler returns */
    run_control_task();
    /* the attempt count and the timer are changed by one task only: no interleaving can lose an update */
    CHECK_EQ_INT(1, timer->context_count);
    CHECK(timer->context_count == 1 && strcmp(timer->contexts[0], CONTROL_TASK) == 0);
    CHECK(!fake_log_contains("cannot arm"));
    CHECK_EQ_INT(1, fake_log_occurrences("reconnect attempt 1 in "));
    for (int attempt = 1; attempt <= 100; attempt++) {
        char line[64];
        snprintf(line, sizeof(line), "reconnect attempt %d in ", attempt);
        CHECK(fake_log_occurrences(line) <= 1); /* each attempt scheduled once */
    }
    CHECK_EQ_INT(1, fake_mqtt_reconnect_calls());
    if (g_test_failed) {
        for (int i = 0; i < timer->context_count; i++) {
            fprintf(stderr, "  reconnect timer started or stopped from: %s\n", timer->contexts[i]);
        }
    }
}

static void backoff_restarts_only_after_a_shadow_round_trip(void)
{
    fake_reset();
    fake_timer_t *timer = fake_timer("mqtt_reconnect");
    connect_event(0);
    shadow_round_trip(); /* a healthy session: attempts count from 0 again */
    for (int i = 0; i < 3; i++) {
        disconnect_event();
        run_control_task();
    }
    connect_event(0); /* accepted, then dropped before any shadow reply (a policy that refuses, say) */
    disconnect_event();
    run_control_task();
    uint32_t low;
    uint32_t high;
    delay_bounds(3, &low, &high); /* the fourth attempt, not the first */
    CHECK(timer->timeout_us >= (uint64_t)low * 1000u && timer->timeout_us <= (uint64_t)high * 1000u);

    connect_event(0);
    shadow_round_trip();
    disconnect_event();
    run_control_task();
    delay_bounds(0, &low, &high);
    CHECK(timer->timeout_us <= (uint64_t)high * 1000u);
}

static void refused_subscription_is_not_trusted_in_a_kept_session(void)
{
    fake_reset();
    connect_event(0);
    int first = fake_mqtt_subscription_msg_id(0);
    /* esp-mqtt: a SUBACK that refuses (0x80) is MQTT_EVENT_SUBSCRIBED with error_type SUBSCRIBE_FAILED */
    static const uint8_t refused[] = {0x80};
    static const uint8_t granted[] = {ESPFLEET_MQTT_QOS};
    for (int i = 0; i < 4; i++) {
        fake_mqtt_suback(fake_mqtt_subscription_msg_id(i), i == 0 ? refused : granted, 1);
    }
    CHECK(fake_log_contains("subscription"));
    CHECK(first > 0);
    int before = fake_mqtt_subscribe_count();
    connect_event(1); /* the broker says it kept the session, but one subscription was refused */
    CHECK_EQ_INT(before + 4, fake_mqtt_subscribe_count());
}

static void error_events_are_logged_not_fatal(void)
{
    fake_reset();
    esp_mqtt_error_codes_t codes = {.error_type = MQTT_ERROR_TYPE_TCP_TRANSPORT,
                                    .esp_tls_last_esp_err = ESP_ERR_ESP_TLS_FAILED_CONNECT_TO_HOST,
                                    .esp_transport_sock_errno = 104};
    esp_mqtt_event_t event = {.event_id = MQTT_EVENT_ERROR, .error_handle = &codes};
    fake_mqtt_dispatch(&event);
    codes.error_type = MQTT_ERROR_TYPE_CONNECTION_REFUSED;
    codes.connect_return_code = MQTT_CONNECTION_REFUSE_NOT_AUTHORIZED;
    fake_mqtt_dispatch(&event);
    event.error_handle = NULL;
    fake_mqtt_dispatch(&event);
    CHECK(fake_log_contains("ESP_ERR_ESP_TLS_FAILED_CONNECT_TO_HOST"));
    CHECK(fake_log_contains("socket errno 104"));
    CHECK(fake_log_contains("connection refused by the broker"));
    CHECK_EQ_INT(0, fake_mqtt_reconnect_calls());
}

/*
 * esp-mqtt posts MQTT_EVENT_ERROR and then MQTT_EVENT_DISCONNECTED for one lost connection, and again for
 * each reconnect that fails (as the genuine client was seen to): the device backs off once per connection.
 * A device that also reconnected on the error would arm its timer twice and skip an attempt's delay each
 * time.
 */
static void error_then_disconnected_schedules_one_reconnect(void)
{
    fake_reset();
    fake_timer_t *timer = fake_timer("mqtt_reconnect");
    connect_event(0);
    shadow_round_trip(); /* attempts count from 0 */
    int starts = timer->starts;
    fake_mqtt_connection_lost(ESP_ERR_ESP_TLS_TCP_CLOSED_FIN, 0);
    run_control_task();
    CHECK_EQ_INT(starts + 1, timer->starts);
    CHECK_EQ_INT(1, fake_log_occurrences("reconnect attempt 1 in "));
    CHECK_EQ_INT(0, fake_log_occurrences("reconnect attempt 2 in "));
    CHECK(fake_log_contains("ESP_ERR_ESP_TLS_TCP_CLOSED_FIN"));
    uint32_t low;
    uint32_t high;
    delay_bounds(0, &low, &high);
    CHECK(timer->timeout_us >= (uint64_t)low * 1000u && timer->timeout_us <= (uint64_t)high * 1000u);
    for (int failure = 1; failure <= 3; failure++) {
        fake_timer_fire(timer);
        run_control_task();
        CHECK_EQ_INT(failure, fake_mqtt_reconnect_calls()); /* one reconnect per expiry */
        fake_mqtt_connect_failed(111); /* the broker is away: ECONNREFUSED */
        run_control_task();
        CHECK_EQ_INT(starts + 1 + failure, timer->starts);
        delay_bounds((uint32_t)failure, &low, &high);
        CHECK(timer->timeout_us >= (uint64_t)low * 1000u && timer->timeout_us <= (uint64_t)high * 1000u);
        CHECK(!mqtt_is_connected());
    }
    CHECK_EQ_INT(1, fake_log_occurrences("reconnect attempt 4 in "));
    CHECK_EQ_INT(0, fake_log_occurrences("reconnect attempt 5 in "));
    CHECK_EQ_INT(3, fake_log_occurrences("socket errno 111"));
}

static void oversized_message_is_dropped_safely(void)
{
    fake_reset();
    static char big[ESPFLEET_MQTT_MAX_MESSAGE + 100];
    memset(big, ' ', sizeof(big) - 1);
    big[0] = '{';
    big[sizeof(big) - 2] = '}';
    big[sizeof(big) - 1] = '\0';
    int cuts[] = {1000, 5000};
    int before = fake_mqtt_publish_count();
    deliver_split(test_topics()->update_delta, big, cuts, 2);
    CHECK_EQ_INT(before, fake_mqtt_publish_count());
    CHECK(fake_log_contains("dropped a message"));
}

static void get_rejected_404_reports_to_create_the_shadow(void)
{
    fake_reset();
    connect_and_subscribe();
    reject_get(404);
    CHECK_EQ_INT(1, publishes_to(test_topics()->update));
    cJSON *reported = last_reported();
    CHECK(reported != NULL);
    cJSON_Delete(reported);
}

static void gets_and_reports_carry_client_tokens(void)
{
    fake_reset();
    connect_and_subscribe();
    const fake_publish_t *get = last_publish_to(test_topics()->get);
    CHECK(get != NULL);
    char first[SHADOW_CLIENT_TOKEN_MAX + 1] = "";
    const char *token = awaited_get_token();
    CHECK(token != NULL && strlen(token) > 0 && strlen(token) <= SHADOW_CLIENT_TOKEN_MAX);
    snprintf(first, sizeof(first), "%s", token != NULL ? token : "");
    reject_get(404);
    const fake_publish_t *update = last_publish_to(test_topics()->update);
    cJSON *root = update != NULL ? cJSON_Parse(update->data) : NULL;
    const char *update_token = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(root, "clientToken"));
    CHECK(update_token != NULL && strlen(update_token) <= SHADOW_CLIENT_TOKEN_MAX);
    CHECK(update_token != NULL && strcmp(update_token, first) != 0);
    cJSON_Delete(root);
    connect_and_subscribe();
    token = awaited_get_token();
    CHECK(token != NULL && strcmp(token, first) != 0); /* every request its own */
}

static void another_clients_get_rejection_is_ignored(void)
{
    fake_reset();
    connect_and_subscribe();
    deliver(test_topics()->get_rejected, "{\"code\":404,\"message\":\"No shadow exists\",\"clientToken\":\"console-1\"}");
    deliver(test_topics()->get_rejected, "{\"code\":404,\"message\":\"No shadow exists\"}");
    CHECK_EQ_INT(0, publishes_to(test_topics()->update));
}

static void get_forbidden_is_logged_and_neither_reported_nor_retried(void)
{
    fake_reset();
    connect_and_subscribe();
    int gets = publishes_to(test_topics()->get);
    reject_get(403);
    fake_timer_t *retry = fake_timer("shadow_get_retry");
    CHECK_EQ_INT(0, publishes_to(test_topics()->update));
    CHECK(retry != NULL && !retry->active);
    CHECK_EQ_INT(gets, publishes_to(test_topics()->get));
    CHECK(fake_log_contains("shadow get forbidden (403"));
    CHECK(fake_log_contains("IoT policy"));
}

/* 429 (throttled) and 500 (AWS failed): the get is asked again after a backoff; nothing is reported (the
 * device does not know the desired state) and the reconnect backoff does not start over. */
static void get_refused_for_now_is_retried_after_a_backoff(void)
{
    fake_reset();
    fake_timer_t *reconnect = fake_timer("mqtt_reconnect");
    fake_timer_t *retry = fake_timer("shadow_get_retry");
    connect_event(0);
    shadow_round_trip(); /* attempts count from 0 */
    for (int i = 0; i < 3; i++) {
        disconnect_event();
        run_control_task();
    }
    connect_and_subscribe();
    char refused[SHADOW_CLIENT_TOKEN_MAX + 1];
    snprintf(refused, sizeof(refused), "%s", awaited_get_token());
    int gets = publishes_to(test_topics()->get);
    int updates = publishes_to(test_topics()->update);
    reject_get(429);
    CHECK_EQ_INT(updates, publishes_to(test_topics()->update));
    CHECK(retry->active);
    uint32_t low;
    uint32_t high;
    delay_bounds(0, &low, &high);
    CHECK(retry->timeout_us >= (uint64_t)low * 1000u && retry->timeout_us <= (uint64_t)high * 1000u);
    CHECK_EQ_INT(gets, publishes_to(test_topics()->get)); /* not at once */
    fake_timer_fire(retry);
    run_control_task();
    CHECK_EQ_INT(gets + 1, publishes_to(test_topics()->get));
    CHECK(strcmp(awaited_get_token(), refused) != 0);

    reject_get(500); /* again: the delay grows */
    CHECK_EQ_INT(updates, publishes_to(test_topics()->update));
    delay_bounds(1, &low, &high);
    CHECK(retry->active && retry->timeout_us >= (uint64_t)low * 1000u && retry->timeout_us <= (uint64_t)high * 1000u);

    disconnect_event(); /* a refusal is no round trip: the reconnect backoff goes on from attempt 3 */
    run_control_task();
    CHECK(!retry->active); /* the next connection asks anyway */
    delay_bounds(3, &low, &high);
    CHECK(reconnect->timeout_us >= (uint64_t)low * 1000u && reconnect->timeout_us <= (uint64_t)high * 1000u);

    connect_and_subscribe();
    reject_get(503);
    fake_timer_fire(retry);
    run_control_task();
    answer_get("{}", next_version()); /* answered at last */
    CHECK_EQ_INT(updates + 1, publishes_to(test_topics()->update));
    disconnect_event();
    run_control_task();
    delay_bounds(0, &low, &high);
    CHECK(reconnect->timeout_us <= (uint64_t)high * 1000u);
}

/* aws_mqtt.c's deadline for the answer to the device's own get: twice the config's network timeout. */
#define GET_DEADLINE_US (2ull * ESPFLEET_MQTT_NETWORK_TIMEOUT_MS * 1000u)

static char s_first_token[SHADOW_CLIENT_TOKEN_MAX + 1];

/* A get or its answer lost on the way (QoS 0, a broker hiccup): once the deadline has passed the device asks
 * again, with the same clientToken, after the get-retry backoff, which grows while answers stay missing; an
 * answer at last makes the round trip, and the reconnect backoff starts over. */
static void unanswered_get_is_asked_again_after_its_deadline(void)
{
    fake_reset();
    fake_timer_t *deadline = fake_timer("shadow_get_deadline");
    fake_timer_t *retry = fake_timer("shadow_get_retry");
    fake_timer_t *reconnect = fake_timer("mqtt_reconnect");
    CHECK(deadline != NULL && retry != NULL && reconnect != NULL);
    if (deadline == NULL || retry == NULL || reconnect == NULL) {
        return;
    }
    connect_event(0);
    shadow_round_trip();
    for (int i = 0; i < 3; i++) { /* the reconnect backoff has grown: attempt 3 next */
        disconnect_event();
        run_control_task();
    }
    connect_and_subscribe(); /* the get goes out, and is lost */
    snprintf(s_first_token, sizeof(s_first_token), "%s", awaited_get_token());
    int gets = publishes_to(test_topics()->get);
    CHECK(deadline->active);
    CHECK_EQ_INT(GET_DEADLINE_US, deadline->timeout_us);
    CHECK(deadline->context_count == 1 && strcmp(deadline->contexts[0], CONTROL_TASK) == 0); /* one owner */
    uint32_t low;
    uint32_t high;
    for (uint32_t lost = 0; lost < 3; lost++) {
        fake_timer_fire(deadline);
        run_control_task();
        CHECK(fake_log_contains("no answer to shadow get"));
        CHECK(retry->active);
        delay_bounds(lost, &low, &high); /* the delay grows with each answer that does not come */
        CHECK(retry->timeout_us >= (uint64_t)low * 1000u && retry->timeout_us <= (uint64_t)high * 1000u);
        CHECK_EQ_INT(gets + (int)lost, publishes_to(test_topics()->get)); /* not at once */
        fake_timer_fire(retry);
        run_control_task();
        CHECK_EQ_INT(gets + (int)lost + 1, publishes_to(test_topics()->get));
        CHECK(strcmp(awaited_get_token(), s_first_token) == 0); /* the same request, asked again */
        CHECK(deadline->active);
    }
    int updates = publishes_to(test_topics()->update);
    answer_get("{}", next_version()); /* answered at last */
    CHECK_EQ_INT(updates + 1, publishes_to(test_topics()->update));
    CHECK(!deadline->active);
    CHECK(!retry->active);
    disconnect_event();
    run_control_task();
    delay_bounds(0, &low, &high); /* the round trip made: the reconnect backoff starts over */
    CHECK(reconnect->timeout_us <= (uint64_t)high * 1000u);
}

/* An answer in time turns the deadline off; so does one that comes after the deadline but before the retry,
 * which is then not sent; a lost connection turns both off. */
static void get_answered_in_time_or_late_needs_no_retry(void)
{
    fake_reset();
    fake_timer_t *deadline = fake_timer("shadow_get_deadline");
    fake_timer_t *retry = fake_timer("shadow_get_retry");
    CHECK(deadline != NULL && retry != NULL);
    if (deadline == NULL || retry == NULL) {
        return;
    }
    connect_and_subscribe();
    CHECK(deadline->active);
    answer_get("{}", next_version());
    CHECK(!deadline->active);
    int gets = publishes_to(test_topics()->get);
    fake_timer_fire(deadline); /* an expiry that raced with the answer: nothing is asked again */
    run_control_task();
    CHECK(!retry->active);
    CHECK(!fake_log_contains("no answer to shadow get"));

    connect_and_subscribe();
    gets = publishes_to(test_topics()->get);
    fake_timer_fire(deadline);
    run_control_task();
    CHECK(retry->active);
    reject_get(404); /* the late answer */
    CHECK(!retry->active);
    fake_timer_fire(retry);
    run_control_task();
    CHECK_EQ_INT(gets, publishes_to(test_topics()->get));

    connect_and_subscribe();
    CHECK(deadline->active);
    disconnect_event();
    run_control_task();
    CHECK(!deadline->active && !retry->active); /* the next connection asks anyway */
}


/* ---- the console report (docs/console-protocol.md) ---- */

static char s_captured[65536];

/* Everything the firmware writes to stdout between the two calls goes into s_captured. */
static int s_saved_stdout = -1;
static FILE *s_capture;

static void capture_begin(void)
{
    fflush(stdout);
    s_capture = tmpfile();
    s_saved_stdout = dup(STDOUT_FILENO);
    dup2(fileno(s_capture), STDOUT_FILENO);
}

static const char *capture_end(void)
{
    fflush(stdout);
    dup2(s_saved_stdout, STDOUT_FILENO);
    close(s_saved_stdout);
    rewind(s_capture);
    size_t n = fread(s_captured, 1, sizeof(s_captured) - 1, s_capture);
    s_captured[n] = '\0';
    fclose(s_capture);
    return s_captured;
}

/* The JSON of the `nth` (from 0) frame of `kind` in `text`, checked and parsed (cJSON_Delete it), or NULL. */
static cJSON *frame_of(const char *text, const char *kind, int nth)
{
    const char *line = text;
    while (line != NULL && *line != '\0') {
        const char *end = strchr(line, '\n');
        size_t length = end != NULL ? (size_t)(end - line) : strlen(line);
        console_frame_t frame;
        if (console_frame_parse(line, length, &frame) && strcmp(frame.kind, kind) == 0 && nth-- == 0) {
            return cJSON_ParseWithLength(frame.json, frame.json_length);
        }
        line = end != NULL ? end + 1 : NULL;
    }
    return NULL;
}

static const char *text_of(const cJSON *json, const char *name)
{
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(json, name);
    return cJSON_IsString(item) ? item->valuestring : NULL;
}

static void console_crc_is_zlibs_and_the_roms(void)
{
    const uint8_t check[] = "123456789";
    CHECK_EQ_INT(0xCBF43926u, esp_rom_crc32_le(0, check, 9));  /* CRC-32/ISO-HDLC check value */
    CHECK_EQ_INT(0xCBF43926u, console_frame_crc("123456789", 9));
    /* the ROM's function goes on from a previous result */
    CHECK_EQ_INT(0xCBF43926u, esp_rom_crc32_le(esp_rom_crc32_le(0, check, 4), check + 4, 5));
    /* from UINT32_MAX (NVS, otadata): zlib.crc32(struct.pack('<I', 1), 0xFFFFFFFF) */
    const uint8_t seq1[4] = {1, 0, 0, 0};
    CHECK_EQ_INT(0x4743989Au, esp_rom_crc32_le(UINT32_MAX, seq1, 4));
    CHECK_EQ_INT(0u, esp_rom_crc32_le(0, check, 0));
}

static void console_frames_escape_quotes_and_line_breaks(void)
{
    char frame[256];
    size_t n = console_frame_build(frame, sizeof(frame), "query", "{}");
    CHECK(strcmp(frame, "@EF1 query {} *78e0233a\n") == 0); /* zlib.crc32(b"@EF1 query {} ") */
    CHECK_EQ_INT(strlen(frame), n);

    cJSON *json = cJSON_CreateObject();
    cJSON_AddStringToObject(json, "thing", "dev-\"001\"\nline two\\");
    char *text = cJSON_PrintUnformatted(json);
    n = console_frame_build(frame, sizeof(frame), "hello", text);
    CHECK(n > 0);
    CHECK(strchr(frame, '\n') == frame + n - 1); /* one line */
    console_frame_t parsed;
    CHECK(console_frame_parse(frame, n - 1, &parsed));
    cJSON *back = cJSON_ParseWithLength(parsed.json, parsed.json_length);
    CHECK(back != NULL && strcmp(text_of(back, "thing"), "dev-\"001\"\nline two\\") == 0);
    cJSON_Delete(back);
    cJSON_free(text);
    cJSON_Delete(json);

    CHECK_EQ_INT(0, console_frame_build(frame, sizeof(frame), "Hello", "{}"));       /* kind [a-z_] */
    CHECK_EQ_INT(0, console_frame_build(frame, sizeof(frame), "hello", "{\"a\":\n1}")); /* raw line break */
    CHECK_EQ_INT(0, console_frame_build(frame, 20, "hello", "{\"a\":1}"));           /* does not fit */
}

static void console_parser_takes_only_intact_frames(void)
{
    console_frame_t f;
    const char good[] = "@EF1 query {} *78e0233a";
    CHECK(console_frame_parse(good, strlen(good), &f) && strcmp(f.kind, "query") == 0 && f.json_length == 2);
    const char noisy[] = "\x1b[0;32mI (12) app: partial line@EF1 query {} *78e0233a\r";
    CHECK(console_frame_parse(noisy, strlen(noisy), &f));
    const char damaged[] = "@EF1 query {}  *78e0233a";
    CHECK(!console_frame_parse(damaged, strlen(damaged), &f));
    const char bad_crc[] = "@EF1 query {} *78e0233b";
    CHECK(!console_frame_parse(bad_crc, strlen(bad_crc), &f));
    const char upper_hex[] = "@EF1 query {} *78E0233A";
    CHECK(!console_frame_parse(upper_hex, strlen(upper_hex), &f));
    char not_object[64];
    size_t n = console_frame_build(not_object, sizeof(not_object), "query", "[1]");
    CHECK(n > 0 && !console_frame_parse(not_object, n - 1, &f));
    char too_long[CONSOLE_FRAME_LINE_MAX + 64];
    memset(too_long, ' ', sizeof(too_long));
    memcpy(too_long + sizeof(too_long) - strlen(good), good, strlen(good));
    CHECK(!console_frame_parse(too_long, sizeof(too_long), &f));
}

static int s_lines_seen;
static char s_last_line[64];

static void count_line(const char *line, size_t length, void *arg)
{
    (void)arg;
    s_lines_seen++;
    snprintf(s_last_line, sizeof(s_last_line), "%.*s", (int)length, line);
}

static void console_input_is_cut_into_lines_and_long_ones_dropped(void)
{
    static console_line_t lines;
    console_line_init(&lines);
    s_lines_seen = 0;
    console_line_feed(&lines, "ab", 2, count_line, NULL);
    console_line_feed(&lines, "c\nde", 4, count_line, NULL);
    CHECK_EQ_INT(1, s_lines_seen);
    CHECK(strcmp(s_last_line, "abc") == 0);
    static char huge[CONSOLE_FRAME_LINE_MAX + 10];
    memset(huge, 'x', sizeof(huge));
    console_line_feed(&lines, huge, sizeof(huge), count_line, NULL);
    console_line_feed(&lines, "\nok\n", 4, count_line, NULL);
    CHECK_EQ_INT(2, s_lines_seen); /* "de" + the huge rest dropped; "ok" taken */
    CHECK(strcmp(s_last_line, "ok") == 0);
}

static void console_endpoint_may_name_a_port(void)
{
    char uri[300];
    CHECK(mqtt_broker_uri("a1b2-ats.iot.eu-west-1.amazonaws.com", 8883, uri, sizeof(uri)));
    CHECK(strcmp(uri, "mqtts://a1b2-ats.iot.eu-west-1.amazonaws.com:8883") == 0);
    CHECK(mqtt_broker_uri("127.0.0.1:18883", 8883, uri, sizeof(uri)));
    CHECK(strcmp(uri, "mqtts://127.0.0.1:18883") == 0);
    CHECK(!mqtt_broker_uri("localhost:", 8883, uri, sizeof(uri)));
    CHECK(!mqtt_broker_uri("localhost:0", 8883, uri, sizeof(uri)));
    CHECK(!mqtt_broker_uri("localhost:65536", 8883, uri, sizeof(uri)));
    CHECK(!mqtt_broker_uri("localhost: 1", 8883, uri, sizeof(uri)));
    CHECK(!mqtt_broker_uri(":8883", 8883, uri, sizeof(uri)));
    CHECK(!mqtt_broker_uri("a:b:1", 8883, uri, sizeof(uri)));
    CHECK(!mqtt_broker_uri("localhost", 8883, uri, 10));
}

/* SHA-256 of the DER "MIIB" decodes to (30 82 01): hashlib.sha256(base64.b64decode("MIIB")) */
#define TEST_CERT_SHA256 "ccf72380a62a235fbf5474c2a85f6f68d0a1398f2dada1b19df37e10d4aea723"

static void console_boot_reports_who_it_is_and_never_a_secret(void)
{
    fake_restart();
    console_report_reset();
    put_identity(true);
    capture_begin();
    jmp_buf escape;
    if (setjmp(escape) == 0) {
        fake_on_delay(connected_during_first_delay, 2);
        fake_set_escape(&escape);
        app_main();
    }
    const char *out = capture_end();
    cJSON *hello = frame_of(out, "hello", 0);
    CHECK(hello != NULL);
    if (hello != NULL) {
        CHECK_EQ_INT(1, cJSON_GetNumberValue(cJSON_GetObjectItem(hello, "proto")));
        CHECK(strcmp(text_of(hello, "thing"), TEST_THING) == 0);
        CHECK(strcmp(text_of(hello, "cert_sha256"), TEST_CERT_SHA256) == 0);
        CHECK(strcmp(text_of(hello, "mac"), "24:0a:c4:00:00:01") == 0);
        CHECK(strcmp(text_of(hello, "fw"), FAKE_APP_VERSION) == 0);
        CHECK(strcmp(text_of(hello, "project"), FAKE_APP_PROJECT) == 0);
        CHECK(strcmp(text_of(hello, "chip"), CONFIG_IDF_TARGET) == 0); /* the project's target */
        CHECK(strcmp(text_of(hello, "endpoint"), ESPFLEET_DEFAULT_ENDPOINT) == 0);
        CHECK_EQ_INT(1, cJSON_GetNumberValue(cJSON_GetObjectItem(hello, "boot")));
    }
    cJSON_Delete(hello);
    const char *milestones[] = {"identity_loaded", "network_up", "mqtt_connected"};
    for (int i = 0; i < 3; i++) {
        cJSON *state = frame_of(out, "state", i);
        CHECK(state != NULL && strcmp(text_of(state, "milestone"), milestones[i]) == 0);
        if (i == 2 && state != NULL) {
            CHECK(strcmp(text_of(state, "thing"), TEST_THING) == 0);
        }
        cJSON_Delete(state);
    }
    /* never a secret: not the key, not the Wi-Fi password, not the certificate body */
    CHECK(strstr(out, "PRIVATE KEY") == NULL);
    CHECK(strstr(out, "MIGH") == NULL);
    CHECK(strstr(out, "secret123") == NULL);
    CHECK(strstr(out, "BEGIN CERTIFICATE") == NULL);
    CHECK(frame_of(out, "fail", 0) == NULL);
}

static void console_boot_without_identity_says_so(void)
{
    fake_restart();
    console_report_reset();
    put_identity(false);
    capture_begin();
    app_main();
    const char *out = capture_end();
    cJSON *hello = frame_of(out, "hello", 0);
    CHECK(hello != NULL && cJSON_IsNull(cJSON_GetObjectItem(hello, "thing"))
          && cJSON_IsNull(cJSON_GetObjectItem(hello, "cert_sha256")));
    cJSON_Delete(hello);
    cJSON *fail = frame_of(out, "fail", 0);
    CHECK(fail != NULL && strcmp(text_of(fail, "stage"), "identity") == 0
          && strcmp(text_of(fail, "err"), "ESP_ERR_NVS_NOT_FOUND") == 0);
    cJSON_Delete(fail);
}

static void console_query_is_answered_by_the_console_task(void)
{
    fake_restart();
    console_report_reset();
    put_identity(true);
    jmp_buf escape;
    capture_begin();
    if (setjmp(escape) == 0) {
        fake_on_delay(connected_during_first_delay, 2);
        fake_set_escape(&escape);
        app_main();
    }
    capture_end();
    CHECK(fake_uart_installed());
    fake_task_t *task = fake_task("console_rx");
    CHECK(task != NULL);
    if (task == NULL) {
        return;
    }
    const char input[] = "garbage\r\n@EF1 query {} *78e0233b\r\nI (1) noise@EF1 query {} *78e0233a\r\n";
    fake_uart_input(input, sizeof(input) - 1);
    capture_begin();
    fake_task_run(task); /* reads until it would block */
    const char *out = capture_end();
    cJSON *hello = frame_of(out, "hello", 0);
    CHECK(hello != NULL && cJSON_GetNumberValue(cJSON_GetObjectItem(hello, "boot")) == 2); /* the boot report was 1 */
    CHECK(frame_of(out, "hello", 1) == NULL); /* the damaged query was not answered */
    cJSON_Delete(hello);
    cJSON *state = frame_of(out, "state", 0);
    CHECK(state != NULL && strcmp(text_of(state, "milestone"), "mqtt_connected") == 0);
    cJSON_Delete(state);
}

static void console_mqtt_failure_is_reported_once_with_its_reason(void)
{
    console_report_reset();
    connect_and_subscribe();
    capture_begin();
    fake_mqtt_connect_failed(111);
    fake_mqtt_connect_failed(111);
    const char *out = capture_end();
    cJSON *fail = frame_of(out, "fail", 0);
    CHECK(fail != NULL);
    if (fail != NULL) {
        CHECK(strcmp(text_of(fail, "stage"), "mqtt") == 0);
        CHECK(strcmp(text_of(fail, "err"), "ESP_ERR_ESP_TLS_FAILED_CONNECT_TO_HOST") == 0);
        CHECK_EQ_INT(ESP_ERR_ESP_TLS_FAILED_CONNECT_TO_HOST, cJSON_GetNumberValue(cJSON_GetObjectItem(fail, "code")));
        CHECK_EQ_INT(111, cJSON_GetNumberValue(cJSON_GetObjectItem(fail, "errno")));
    }
    cJSON_Delete(fail);
    CHECK(frame_of(out, "fail", 1) == NULL); /* the same failure again: not repeated */
    run_control_task();
}

int main(void)
{
    shadow_topics_init(&s_topics, TEST_THING, ESPFLEET_SHADOW_NAME, ESPFLEET_STATUS_TOPIC_PREFIX);
    device_state_init();

    RUN(backoff_grows_exponentially_up_to_the_cap);
    RUN(backoff_jitter_spreads_as_configured);
    RUN(backoff_never_exceeds_the_cap_with_jitter);
    RUN(backoff_of_this_config_stays_within_its_cap);
    RUN(assembler_rebuilds_a_message_split_at_every_boundary);
    RUN(assembler_drops_messages_larger_than_its_buffer);
    RUN(assembler_drops_stray_and_out_of_order_fragments);
    RUN(shadow_refuses_malformed_documents);
    RUN(shadow_ignores_rejections_of_requests_it_did_not_make);
    RUN(shadow_get_rejected_codes_decide_what_follows);
    RUN(shadow_topics_are_built_for_the_thing);
    RUN(reported_document_parses_back);
    RUN(boot_without_private_key_halts_with_a_clear_log);
    RUN(boot_with_identity_starts_mqtt_then_sends_telemetry);
    RUN(wifi_password_is_kept_in_ram_not_written_to_nvs);
    RUN(wifi_drop_arms_a_retry_timer_without_blocking);
    RUN(connected_subscribes_then_gets_the_shadow);
    RUN(connected_with_a_kept_session_gets_the_shadow_at_once);
    RUN(disconnected_arms_the_backoff_timer_without_blocking);
    RUN(timer_wakes_the_control_task_to_reconnect);
    RUN(reconnect_state_has_one_owner_when_the_timer_expires_inside_the_handler);
    RUN(backoff_restarts_only_after_a_shadow_round_trip);
    RUN(refused_subscription_is_not_trusted_in_a_kept_session);
    RUN(error_events_are_logged_not_fatal);
    RUN(error_then_disconnected_schedules_one_reconnect);
    RUN(oversized_message_is_dropped_safely);
    RUN(get_rejected_404_reports_to_create_the_shadow);
    RUN(gets_and_reports_carry_client_tokens);
    RUN(another_clients_get_rejection_is_ignored);
    RUN(get_forbidden_is_logged_and_neither_reported_nor_retried);
    RUN(get_refused_for_now_is_retried_after_a_backoff);
    RUN(unanswered_get_is_asked_again_after_its_deadline);
    RUN(get_answered_in_time_or_late_needs_no_retry);
    RUN(console_crc_is_zlibs_and_the_roms);
    RUN(console_frames_escape_quotes_and_line_breaks);
    RUN(console_parser_takes_only_intact_frames);
    RUN(console_input_is_cut_into_lines_and_long_ones_dropped);
    RUN(console_endpoint_may_name_a_port);
    RUN(console_boot_reports_who_it_is_and_never_a_secret);
    RUN(console_boot_without_identity_says_so);
    RUN(console_query_is_answered_by_the_console_task);
    RUN(console_mqtt_failure_is_reported_once_with_its_reason);
    run_field_tests();

    printf("%d passed, %d failed\n", s_passed, s_failed);
    return s_failed == 0 ? 0 : 1;
}
