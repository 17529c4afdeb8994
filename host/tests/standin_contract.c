/*
 * What ESP-IDF v5.5 does, checked against both builds of the stand-ins (see standin_adapter.h). Each
 * expectation names the ESP-IDF source it comes from; a stand-in that disagrees with ESP-IDF fails here in
 * the build where it disagrees.
 *
 *   contract-fakes IMAGE     (host/fakes + host/shared)
 *   contract-runtime IMAGE   (host/runtime + host/shared)
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "esp_err.h"
#include "esp_event.h"
#include "esp_timer.h"
#include "esp_tls_errors.h"
#include "mqtt_client.h"
#include "nvs.h"
#include "nvs_flash.h"
#include "standin_adapter.h"

bool g_test_failed;
static int s_passed;
static int s_failed;
static const char *s_image;

void run_test(const char *name, void (*test)(void))
{
    g_test_failed = false;
    test();
    if (g_test_failed) {
        s_failed++;
        printf("FAIL %s\n", name);
    } else {
        s_passed++;
        printf("ok   %s\n", name);
    }
    fflush(stdout);
}

/* ---- NVS: components/nvs_flash/src (nvs_api.cpp, nvs_partition_manager.cpp, nvs_storage.cpp, nvs_page.cpp) ---- */

#define PART "contract"

/* NVSPartitionManager::open_handle: no partition initialised at all is NOT_INITIALIZED; this one not
 * initialised while another is, PART_NOT_FOUND. init_partition: a label longer than 16 bytes is INVALID_ARG,
 * one the partition table lacks is ESP_ERR_NOT_FOUND (partition_lookup::lookup_nvs_partition). */
static void nvs_partitions_must_be_initialised_and_exist(void)
{
    nvs_handle_t h = 0;
    CHECK_EQ_INT(ESP_ERR_NVS_NOT_INITIALIZED, nvs_open_from_partition(PART, "contract", NVS_READONLY, &h));
    CHECK_EQ_INT(ESP_ERR_NOT_FOUND, nvs_flash_init_partition("no-such-part"));
    CHECK_EQ_INT(ESP_ERR_INVALID_ARG, nvs_flash_init_partition("seventeen-bytes-x"));
    CHECK_EQ_INT(ESP_OK, nvs_flash_init()); /* the default partition, blank */
    CHECK_EQ_INT(ESP_ERR_NVS_PART_NOT_FOUND, nvs_open_from_partition(PART, "contract", NVS_READONLY, &h));
    CHECK_EQ_INT(ESP_OK, nvs_flash_init_partition(PART));
    CHECK_EQ_INT(ESP_OK, nvs_flash_init_partition(PART)); /* again: already initialised is fine */
    /* Storage::createOrOpenNamespace: read-only never creates a namespace */
    CHECK_EQ_INT(ESP_ERR_NVS_NOT_FOUND, nvs_open_from_partition(PART, "missing", NVS_READONLY, &h));
    CHECK_EQ_INT(ESP_ERR_NVS_NOT_FOUND, nvs_open("contract", NVS_READONLY, &h)); /* not in the default partition */
}

/* nvs_get_str_or_blob: the item's size is looked up first (a missing key is NOT_FOUND whatever the
 * buffer); then a NULL length is INVALID_LENGTH, a NULL buffer asks the size, and a buffer too short is
 * INVALID_LENGTH with *length set to the size needed. A string's size includes its NUL. */
static void nvs_get_str_reports_the_size_and_refuses_a_short_buffer(void)
{
    nvs_handle_t h = 0;
    CHECK_EQ_INT(ESP_OK, nvs_open_from_partition(PART, "contract", NVS_READONLY, &h));
    CHECK(h != 0);
    size_t length = 0;
    CHECK_EQ_INT(ESP_OK, nvs_get_str(h, "greeting", NULL, &length));
    CHECK_EQ_INT(6, length);

    char buffer[16];
    memset(buffer, '#', sizeof(buffer));
    length = 3;
    CHECK_EQ_INT(ESP_ERR_NVS_INVALID_LENGTH, nvs_get_str(h, "greeting", buffer, &length));
    CHECK_EQ_INT(6, length); /* the size needed */
    CHECK(buffer[0] == '#'); /* nothing read */

    length = 6;
    CHECK_EQ_INT(ESP_OK, nvs_get_str(h, "greeting", buffer, &length));
    CHECK_EQ_INT(6, length);
    CHECK(strcmp(buffer, "hello") == 0);

    length = sizeof(buffer);
    CHECK_EQ_INT(ESP_OK, nvs_get_str(h, "greeting", buffer, &length));
    CHECK_EQ_INT(6, length); /* what was read */

    CHECK_EQ_INT(ESP_ERR_NVS_INVALID_LENGTH, nvs_get_str(h, "greeting", buffer, NULL));
    CHECK_EQ_INT(ESP_ERR_NVS_NOT_FOUND, nvs_get_str(h, "absent", buffer, NULL));
    length = sizeof(buffer);
    CHECK_EQ_INT(ESP_ERR_NVS_NOT_FOUND, nvs_get_str(h, "absent", buffer, &length));
    CHECK_EQ_INT(sizeof(buffer), length); /* untouched */
    nvs_close(h);
}

static void nvs_get_blob_reports_the_size_and_refuses_a_short_buffer(void)
{
    nvs_handle_t h = 0;
    CHECK_EQ_INT(ESP_OK, nvs_open_from_partition(PART, "contract", NVS_READONLY, &h));
    const unsigned char expected[] = {1, 2, 3, 0, 0xFF};
    unsigned char buffer[8] = {0};
    size_t length = 0;
    CHECK_EQ_INT(ESP_OK, nvs_get_blob(h, "bytes", NULL, &length));
    CHECK_EQ_INT(5, length);
    length = 4;
    CHECK_EQ_INT(ESP_ERR_NVS_INVALID_LENGTH, nvs_get_blob(h, "bytes", buffer, &length));
    CHECK_EQ_INT(5, length);
    length = sizeof(buffer);
    CHECK_EQ_INT(ESP_OK, nvs_get_blob(h, "bytes", buffer, &length));
    CHECK_EQ_INT(5, length);
    CHECK(memcmp(buffer, expected, sizeof(expected)) == 0);
    CHECK_EQ_INT(ESP_ERR_NVS_INVALID_LENGTH, nvs_get_blob(h, "bytes", buffer, NULL));
    nvs_close(h);
}

/* Storage::findItem turns a page's TYPE_MISMATCH into NOT_FOUND: a key of another type is not found. */
static void nvs_key_of_another_type_is_not_found(void)
{
    nvs_handle_t h = 0;
    CHECK_EQ_INT(ESP_OK, nvs_open_from_partition(PART, "contract", NVS_READONLY, &h));
    size_t length = 0;
    CHECK_EQ_INT(ESP_ERR_NVS_NOT_FOUND, nvs_get_str(h, "bytes", NULL, &length));
    CHECK_EQ_INT(ESP_ERR_NVS_NOT_FOUND, nvs_get_blob(h, "greeting", NULL, &length));
    CHECK_EQ_INT(ESP_ERR_NVS_NOT_FOUND, nvs_get_str(h, "count", NULL, &length));
    uint32_t value = 0;
    CHECK_EQ_INT(ESP_ERR_NVS_NOT_FOUND, nvs_get_u32(h, "greeting", &value));
    CHECK_EQ_INT(ESP_OK, nvs_get_u32(h, "count", &value));
    CHECK_EQ_INT(4000000000u, value);
    nvs_close(h);
}

/* Namespaces keep keys apart; Page::findItem compares keys over Item::MAX_KEY_LENGTH (15) bytes, so a read
 * with a longer key finds the item named by its first 15 bytes (only writes check the length). */
static void nvs_keys_are_per_namespace_and_read_over_15_bytes(void)
{
    nvs_handle_t h = 0;
    CHECK_EQ_INT(ESP_OK, nvs_open_from_partition(PART, "other", NVS_READONLY, &h));
    char buffer[16];
    size_t length = sizeof(buffer);
    CHECK_EQ_INT(ESP_OK, nvs_get_str(h, "greeting", buffer, &length));
    CHECK(strcmp(buffer, "other") == 0);
    CHECK_EQ_INT(ESP_ERR_NVS_NOT_FOUND, nvs_get_str(h, "bytes", NULL, &length));
    nvs_close(h);

    CHECK_EQ_INT(ESP_OK, nvs_open_from_partition(PART, "contract", NVS_READONLY, &h));
    length = sizeof(buffer);
    CHECK_EQ_INT(ESP_OK, nvs_get_str(h, "fifteen_chars_k_and_more", buffer, &length));
    CHECK(strcmp(buffer, "fifteen") == 0);
    nvs_close(h);
}

/* NVSHandleSimple: a read-only handle refuses writes; nvs_find_ns_handle: an unknown or closed handle is
 * INVALID_HANDLE. nvs_api.cpp numbers handles from a counter: a closed handle's number is not reused. */
static void nvs_handles_are_checked_and_never_reused(void)
{
    nvs_handle_t h = 0;
    CHECK_EQ_INT(ESP_OK, nvs_open_from_partition(PART, "contract", NVS_READONLY, &h));
    CHECK_EQ_INT(ESP_ERR_NVS_READ_ONLY, nvs_set_str(h, "greeting", "changed"));
    CHECK_EQ_INT(ESP_ERR_NVS_READ_ONLY, nvs_set_blob(h, "bytes", "x", 1));
    CHECK_EQ_INT(ESP_OK, nvs_commit(h));
    nvs_close(h);
    size_t length = 0;
    CHECK_EQ_INT(ESP_ERR_NVS_INVALID_HANDLE, nvs_get_str(h, "greeting", NULL, &length));
    CHECK_EQ_INT(ESP_ERR_NVS_INVALID_HANDLE, nvs_commit(h));
    CHECK_EQ_INT(ESP_ERR_NVS_INVALID_HANDLE, nvs_get_str(h + 1000, "greeting", NULL, &length));
    nvs_handle_t again = 0;
    CHECK_EQ_INT(ESP_OK, nvs_open_from_partition(PART, "contract", NVS_READONLY, &again));
    CHECK(again != h);
    nvs_close(again);
}

/* Writes: a read-write open creates its namespace; Page::writeItem refuses a key over 15 bytes
 * (KEY_TOO_LONG) and a string over 4000 bytes with its NUL (VALUE_TOO_LONG, Page::CHUNK_MAX_SIZE). A key is
 * one item whatever its type (Storage::writeItem without CONFIG_NVS_LEGACY_DUP_KEYS_COMPATIBILITY erases an
 * older item of any type); only a blob write looks for an older blob alone, so a string survives it. */
static void nvs_writes_replace_a_key_and_check_sizes(void)
{
    nvs_handle_t h = 0;
    CHECK_EQ_INT(ESP_ERR_NVS_NOT_FOUND, nvs_open_from_partition(PART, "written", NVS_READONLY, &h));
    CHECK_EQ_INT(ESP_OK, nvs_open_from_partition(PART, "written", NVS_READWRITE, &h));
    CHECK_EQ_INT(ESP_OK, nvs_set_str(h, "k", "v1"));
    CHECK_EQ_INT(ESP_OK, nvs_set_str(h, "k", "second"));
    char buffer[4001];
    size_t length = sizeof(buffer);
    CHECK_EQ_INT(ESP_OK, nvs_get_str(h, "k", buffer, &length));
    CHECK(strcmp(buffer, "second") == 0);
    CHECK_EQ_INT(ESP_ERR_NVS_KEY_TOO_LONG, nvs_set_str(h, "sixteen_bytes_ky", "v"));
    CHECK_EQ_INT(ESP_OK, nvs_set_str(h, "fifteen_bytes_k", "v"));

    memset(buffer, 'x', sizeof(buffer));
    buffer[4000] = '\0';
    CHECK_EQ_INT(ESP_ERR_NVS_VALUE_TOO_LONG, nvs_set_str(h, "long", buffer));
    buffer[3999] = '\0';
    CHECK_EQ_INT(ESP_OK, nvs_set_str(h, "long", buffer));

    CHECK_EQ_INT(ESP_OK, nvs_set_blob(h, "b", "\x01\x02", 2));
    CHECK_EQ_INT(ESP_OK, nvs_set_str(h, "b", "now a string"));
    length = 0;
    CHECK_EQ_INT(ESP_ERR_NVS_NOT_FOUND, nvs_get_blob(h, "b", NULL, &length));
    CHECK_EQ_INT(ESP_OK, nvs_get_str(h, "b", NULL, &length));
    CHECK_EQ_INT(13, length);

    CHECK_EQ_INT(ESP_OK, nvs_set_blob(h, "k", "\x07", 1)); /* "k" is a string */
    CHECK_EQ_INT(ESP_OK, nvs_get_blob(h, "k", NULL, &length));
    CHECK_EQ_INT(1, length);
    CHECK_EQ_INT(ESP_OK, nvs_get_str(h, "k", NULL, &length));
    CHECK_EQ_INT(7, length);
    CHECK_EQ_INT(ESP_OK, nvs_commit(h));
    nvs_close(h);

    CHECK_EQ_INT(ESP_OK, nvs_open_from_partition(PART, "written", NVS_READONLY, &h)); /* it exists now */
    nvs_close(h);
}

/* nvs_flash_erase_partition: closes the partition's handles, deinitialises it and erases it; a label
 * the partition table lacks is ESP_ERR_NOT_FOUND. */
static void nvs_erase_forgets_everything_and_closes_handles(void)
{
    nvs_handle_t h = 0;
    CHECK_EQ_INT(ESP_OK, nvs_open_from_partition(PART, "contract", NVS_READONLY, &h));
    CHECK_EQ_INT(ESP_OK, nvs_flash_erase_partition(PART));
    size_t length = 0;
    CHECK_EQ_INT(ESP_ERR_NVS_INVALID_HANDLE, nvs_get_str(h, "greeting", NULL, &length));
    CHECK_EQ_INT(ESP_ERR_NVS_PART_NOT_FOUND, nvs_open_from_partition(PART, "contract", NVS_READONLY, &h));
    CHECK_EQ_INT(ESP_OK, nvs_flash_init_partition(PART));
    CHECK_EQ_INT(ESP_ERR_NVS_NOT_FOUND, nvs_open_from_partition(PART, "contract", NVS_READONLY, &h));
    CHECK_EQ_INT(ESP_ERR_NOT_FOUND, nvs_flash_erase_partition("no-such-part"));
}

/* ---- the default event loop: components/esp_event (default_event_loop.c, esp_event.c) ---- */

ESP_EVENT_DEFINE_BASE(CONTRACT_A);
ESP_EVENT_DEFINE_BASE(CONTRACT_B);

static char s_calls[512];

static void note(const char *who, esp_event_base_t base, int32_t id, void *arg)
{
    if (base != CONTRACT_A && base != CONTRACT_B) {
        return; /* an adapter's own event */
    }
    size_t used = strlen(s_calls);
    snprintf(s_calls + used, sizeof(s_calls) - used, "%s%s(%s/%d%s%s)", used ? " " : "", who,
             base == CONTRACT_A ? "A" : base == CONTRACT_B ? "B" : "?", (int)id, arg ? "," : "",
             arg ? (const char *)arg : "");
}

static void any_handler(void *arg, esp_event_base_t base, int32_t id, void *data)
{
    (void)data;
    note("any", base, id, arg);
}

static void late_any_handler(void *arg, esp_event_base_t base, int32_t id, void *data)
{
    (void)data;
    note("late", base, id, arg);
}

static void base_handler(void *arg, esp_event_base_t base, int32_t id, void *data)
{
    (void)data;
    note("base", base, id, arg);
}

static void id_handler(void *arg, esp_event_base_t base, int32_t id, void *data)
{
    (void)data;
    note("id", base, id, arg);
}

static const void *s_posted_data;
static char s_received[16];
static bool s_received_null;

static void data_handler(void *arg, esp_event_base_t base, int32_t id, void *data)
{
    (void)arg;
    (void)base;
    (void)id;
    s_received_null = data == NULL;
    if (data != NULL) {
        s_posted_data = data;
        memcpy(s_received, data, sizeof(s_received));
    }
}

/* Posts and waits for the handlers; returns what they noted. */
static const char *post(esp_event_base_t base, int32_t id)
{
    s_calls[0] = '\0';
    CHECK_EQ_INT(ESP_OK, esp_event_post(base, id, NULL, 0, 0));
    adapter_drain_events();
    return s_calls;
}

static void expect_calls(const char *expected, const char *actual)
{
    if (strcmp(expected, actual) != 0) {
        fprintf(stderr, "  expected handlers \"%s\", ran \"%s\"\n", expected, actual);
        g_test_failed = true;
    }
}

/* default_event_loop.c: nothing can be registered or posted before esp_event_loop_create_default, which
 * makes the loop once (again: INVALID_STATE). */
static void event_loop_must_be_created_once(void)
{
    CHECK_EQ_INT(ESP_ERR_INVALID_STATE, esp_event_handler_register(CONTRACT_A, 1, id_handler, NULL));
    CHECK_EQ_INT(ESP_ERR_INVALID_STATE, esp_event_post(CONTRACT_A, 1, NULL, 0, 0));
    CHECK_EQ_INT(ESP_OK, esp_event_loop_create_default());
    CHECK_EQ_INT(ESP_ERR_INVALID_STATE, esp_event_loop_create_default());
}

/* esp_event_handler_register_with_internal: ESP_EVENT_ANY_BASE only with ESP_EVENT_ANY_ID; a handler of
 * any base and any id runs for every event, one of a base and any id for that base's events, one of a base
 * and an id for that event alone. esp_event_post_to refuses ANY_BASE or ANY_ID. */
static void any_base_and_any_id_reach_the_events_esp_idf_gives_them(void)
{
    CHECK_EQ_INT(ESP_ERR_INVALID_ARG, esp_event_handler_register(ESP_EVENT_ANY_BASE, 5, any_handler, NULL));
    CHECK_EQ_INT(ESP_OK, esp_event_handler_register(ESP_EVENT_ANY_BASE, ESP_EVENT_ANY_ID, any_handler, NULL));
    CHECK_EQ_INT(ESP_OK, esp_event_handler_register(CONTRACT_A, ESP_EVENT_ANY_ID, base_handler, NULL));
    CHECK_EQ_INT(ESP_OK, esp_event_handler_register(CONTRACT_A, 1, id_handler, NULL));
    CHECK_EQ_INT(ESP_OK, esp_event_handler_register(CONTRACT_B, 1, id_handler, NULL));
    expect_calls("any(A/1) base(A/1) id(A/1)", post(CONTRACT_A, 1));
    expect_calls("any(A/2) base(A/2)", post(CONTRACT_A, 2));
    expect_calls("any(B/1) id(B/1)", post(CONTRACT_B, 1));
    expect_calls("any(B/2)", post(CONTRACT_B, 2));
    CHECK_EQ_INT(ESP_ERR_INVALID_ARG, esp_event_post(ESP_EVENT_ANY_BASE, 1, NULL, 0, 0));
    CHECK_EQ_INT(ESP_ERR_INVALID_ARG, esp_event_post(CONTRACT_A, ESP_EVENT_ANY_ID, NULL, 0, 0));
}

/* esp_event_loop_run runs, per loop node, the loop-level handlers, then each base node's handlers and then
 * its id's. Registration decides the nodes (esp_event_handler_register_with_internal, loop_node_add_handler):
 * a loop-level handler registered after base handlers opens a new loop node, and a base-level handler
 * registered after id handlers of that base a new base node, so each runs after those registered before it. */
static void handlers_run_in_the_order_esp_idf_keeps_them(void)
{
    CHECK_EQ_INT(ESP_OK, esp_event_handler_register(CONTRACT_B, ESP_EVENT_ANY_ID, base_handler, NULL));
    expect_calls("any(B/1) id(B/1) base(B/1)", post(CONTRACT_B, 1)); /* A's base handler came before its id's */
    expect_calls("any(B/2) base(B/2)", post(CONTRACT_B, 2));
    CHECK_EQ_INT(ESP_OK, esp_event_handler_register(ESP_EVENT_ANY_BASE, ESP_EVENT_ANY_ID, late_any_handler, NULL));
    expect_calls("any(A/1) base(A/1) id(A/1) late(A/1)", post(CONTRACT_A, 1));
    CHECK_EQ_INT(ESP_OK, esp_event_handler_unregister(ESP_EVENT_ANY_BASE, ESP_EVENT_ANY_ID, late_any_handler));
    CHECK_EQ_INT(ESP_OK, esp_event_handler_unregister(CONTRACT_B, ESP_EVENT_ANY_ID, base_handler));
    expect_calls("any(B/1) id(B/1)", post(CONTRACT_B, 1));
}

/* handler_instances_add (legacy API): the same handler registered again for the same event (in the same
 * loop node) only gets the new argument; esp_event_handler_unregister removes it (ESP_ERR_NOT_FOUND when it
 * is not there; ANY_BASE with an id is INVALID_ARG). */
static void registering_a_handler_again_replaces_its_argument(void)
{
    CHECK_EQ_INT(ESP_OK, esp_event_handler_register(CONTRACT_A, 1, id_handler, "second"));
    expect_calls("any(A/1) base(A/1) id(A/1,second)", post(CONTRACT_A, 1));
    CHECK_EQ_INT(ESP_OK, esp_event_handler_unregister(CONTRACT_A, 1, id_handler));
    CHECK_EQ_INT(ESP_ERR_NOT_FOUND, esp_event_handler_unregister(CONTRACT_A, 1, id_handler));
    CHECK_EQ_INT(ESP_ERR_INVALID_ARG, esp_event_handler_unregister(ESP_EVENT_ANY_BASE, 1, any_handler));
    expect_calls("any(A/1) base(A/1)", post(CONTRACT_A, 1));
    expect_calls("any(B/1) id(B/1)", post(CONTRACT_B, 1));
    CHECK_EQ_INT(ESP_OK, esp_event_handler_unregister(ESP_EVENT_ANY_BASE, ESP_EVENT_ANY_ID, any_handler));
    CHECK_EQ_INT(ESP_OK, esp_event_handler_unregister(CONTRACT_A, ESP_EVENT_ANY_ID, base_handler));
    CHECK_EQ_INT(ESP_OK, esp_event_handler_unregister(CONTRACT_B, 1, id_handler));
    expect_calls("", post(CONTRACT_A, 1));
}

/* esp_event_post_to copies event_data (event_data_size bytes) before queueing it: the handler gets the
 * copy; without data (NULL or size 0) it gets NULL. */
static void event_data_is_copied(void)
{
    CHECK_EQ_INT(ESP_OK, esp_event_handler_register(CONTRACT_B, 7, data_handler, NULL));
    char data[16] = "fifteen bytes!!";
    s_posted_data = NULL;
    CHECK_EQ_INT(ESP_OK, esp_event_post(CONTRACT_B, 7, data, sizeof(data), 0));
    memset(data, 0, sizeof(data)); /* the poster's buffer may change once the call returns */
    adapter_drain_events();
    CHECK(s_posted_data != NULL && s_posted_data != (const void *)data);
    CHECK(memcmp(s_received, "fifteen bytes!!", 16) == 0);
    CHECK_EQ_INT(ESP_OK, esp_event_post(CONTRACT_B, 7, data, 0, 0));
    adapter_drain_events();
    CHECK(s_received_null);
    CHECK_EQ_INT(ESP_OK, esp_event_handler_unregister(CONTRACT_B, 7, data_handler));
}

/* ---- esp_timer: components/esp_timer (esp_timer.c) ---- */

static void timer_callback(void *arg)
{
    (void)arg;
}

/* A running timer cannot be started again or deleted; stopping one that does not run is INVALID_STATE. */
static void timers_refuse_what_esp_timer_refuses(void)
{
    esp_timer_handle_t timer = NULL;
    const esp_timer_create_args_t no_callback = {.name = "none"};
    CHECK_EQ_INT(ESP_ERR_INVALID_ARG, esp_timer_create(&no_callback, &timer));
    const esp_timer_create_args_t args = {.callback = timer_callback, .name = "contract"};
    CHECK_EQ_INT(ESP_OK, esp_timer_create(&args, &timer));
    CHECK_EQ_INT(ESP_ERR_INVALID_STATE, esp_timer_stop(timer));
    CHECK_EQ_INT(ESP_OK, esp_timer_start_once(timer, 60u * 1000000u));
    CHECK(esp_timer_is_active(timer));
    CHECK_EQ_INT(ESP_ERR_INVALID_STATE, esp_timer_start_once(timer, 1000));
    CHECK_EQ_INT(ESP_ERR_INVALID_STATE, esp_timer_delete(timer));
    CHECK_EQ_INT(ESP_OK, esp_timer_stop(timer));
    CHECK(!esp_timer_is_active(timer));
    CHECK_EQ_INT(ESP_OK, esp_timer_delete(timer));
}

/* ---- esp_err_to_name: components/esp_common/src/esp_err_to_name.c ---- */

static void error_names_are_esp_idfs(void)
{
    CHECK(strcmp(esp_err_to_name(ESP_ERR_NVS_INVALID_LENGTH), "ESP_ERR_NVS_INVALID_LENGTH") == 0);
    CHECK(strcmp(esp_err_to_name(ESP_ERR_NVS_NOT_INITIALIZED), "ESP_ERR_NVS_NOT_INITIALIZED") == 0);
    CHECK(strcmp(esp_err_to_name(ESP_ERR_NVS_KEY_TOO_LONG), "ESP_ERR_NVS_KEY_TOO_LONG") == 0);
    CHECK(strcmp(esp_err_to_name(ESP_ERR_NOT_FOUND), "ESP_ERR_NOT_FOUND") == 0);
    CHECK(strcmp(esp_err_to_name(ESP_ERR_TIMEOUT), "ESP_ERR_TIMEOUT") == 0);
    CHECK(strcmp(esp_err_to_name(ESP_ERR_ESP_TLS_TCP_CLOSED_FIN), "ESP_ERR_ESP_TLS_TCP_CLOSED_FIN") == 0);
    CHECK_EQ_INT(0x8008, ESP_ERR_ESP_TLS_TCP_CLOSED_FIN);
    CHECK_EQ_INT(0x8004, ESP_ERR_ESP_TLS_FAILED_CONNECT_TO_HOST);
    CHECK(strcmp(esp_err_to_name(0x7FFF), "UNKNOWN ERROR") == 0);
}

/* ---- esp-mqtt: components/mqtt/esp-mqtt/mqtt_client.c (ESP-IDF v5.5) ---- */

static char s_mqtt[1024];
static esp_mqtt_client_handle_t s_mqtt_client;
static int s_mqtt_errors; /* seen by a handler registered for MQTT_EVENT_ERROR alone */
static int s_subscribed[2];
static int s_subscriptions_seen;
static volatile int s_mqtt_over;

static const char *error_type_name(esp_mqtt_error_type_t type)
{
    switch (type) {
    case MQTT_ERROR_TYPE_NONE: return "NONE";
    case MQTT_ERROR_TYPE_TCP_TRANSPORT: return "TCP_TRANSPORT";
    case MQTT_ERROR_TYPE_CONNECTION_REFUSED: return "CONNECTION_REFUSED";
    case MQTT_ERROR_TYPE_SUBSCRIBE_FAILED: return "SUBSCRIBE_FAILED";
    default: return "?";
    }
}

static void mqtt_note(const char *format, ...) __attribute__((format(printf, 1, 2)));

static void mqtt_note(const char *format, ...)
{
    size_t used = strlen(s_mqtt);
    if (used > 0 && used < sizeof(s_mqtt) - 1) {
        s_mqtt[used++] = ' ';
        s_mqtt[used] = '\0';
    }
    va_list args;
    va_start(args, format);
    vsnprintf(s_mqtt + used, sizeof(s_mqtt) - used, format, args);
    va_end(args);
}

/* Registered for MQTT_EVENT_ANY: notes every event as the application sees it. */
static void mqtt_recorder(void *arg, esp_event_base_t base, int32_t id, void *data)
{
    (void)arg;
    const esp_mqtt_event_t *event = data;
    if (base != MQTT_EVENTS || event == NULL || event->event_id != id || event->client != s_mqtt_client
        || event->error_handle == NULL) {
        mqtt_note("MALFORMED(%d)", (int)id); /* esp-mqtt: base MQTT_EVENTS, its client, an error_handle always */
        return;
    }
    const esp_mqtt_error_codes_t *e = event->error_handle;
    switch ((esp_mqtt_event_id_t)id) {
    case MQTT_EVENT_BEFORE_CONNECT: mqtt_note("BEFORE_CONNECT"); break;
    case MQTT_EVENT_CONNECTED: mqtt_note("CONNECTED(session %d)", event->session_present); break;
    case MQTT_EVENT_DISCONNECTED:
        mqtt_note("DISCONNECTED");
        s_mqtt_over = 1;
        break;
    case MQTT_EVENT_ERROR:
        mqtt_note("ERROR(%s,%s,errno %d)", error_type_name(e->error_type), esp_err_to_name(e->esp_tls_last_esp_err),
                  e->esp_transport_sock_errno);
        break;
    case MQTT_EVENT_SUBSCRIBED: {
        int n = s_subscriptions_seen < 2 ? s_subscriptions_seen : 1;
        mqtt_note("SUBSCRIBED(%s,%02x,%s)", event->msg_id == s_subscribed[n] ? "its msg_id" : "another msg_id",
                  event->data_len == 1 ? (unsigned)(uint8_t)event->data[0] : 0xFFu, error_type_name(e->error_type));
        if (++s_subscriptions_seen == 2) {
            s_mqtt_over = 1;
        }
        break;
    }
    default: mqtt_note("EVENT(%d)", (int)id); break;
    }
}

static void mqtt_error_counter(void *arg, esp_event_base_t base, int32_t id, void *data)
{
    (void)arg;
    (void)base;
    (void)data;
    s_mqtt_errors += id == MQTT_EVENT_ERROR ? 1 : 1000; /* registered for MQTT_EVENT_ERROR: nothing else */
}

static void mqtt_subscriber(void *arg, esp_event_base_t base, int32_t id, void *data)
{
    (void)arg;
    (void)base;
    (void)id;
    const esp_mqtt_event_t *event = data;
    s_subscribed[0] = esp_mqtt_client_subscribe(event->client, "contract/refused", 1);
    s_subscribed[1] = esp_mqtt_client_subscribe(event->client, "contract/granted", 1);
}

/* A client as the firmware makes one (its own reconnects), with the three handlers; the scenario played. */
static const char *play(adapter_mqtt_scenario_t scenario)
{
    s_mqtt[0] = '\0';
    s_mqtt_errors = 0;
    s_subscriptions_seen = 0;
    s_subscribed[0] = s_subscribed[1] = -1;
    s_mqtt_over = 0;
    const esp_mqtt_client_config_t config = {
        .broker.address.uri = adapter_mqtt_broker(scenario),
        .credentials.client_id = "contract",
        .network.disable_auto_reconnect = true,
    };
    s_mqtt_client = esp_mqtt_client_init(&config);
    CHECK(s_mqtt_client != NULL);
    if (s_mqtt_client == NULL) {
        return "";
    }
    CHECK_EQ_INT(ESP_ERR_INVALID_ARG, esp_mqtt_client_register_event(NULL, MQTT_EVENT_ANY, mqtt_recorder, NULL));
    CHECK_EQ_INT(ESP_OK, esp_mqtt_client_register_event(s_mqtt_client, MQTT_EVENT_ANY, mqtt_recorder, NULL));
    CHECK_EQ_INT(ESP_OK, esp_mqtt_client_register_event(s_mqtt_client, MQTT_EVENT_ERROR, mqtt_error_counter, NULL));
    CHECK_EQ_INT(ESP_OK, esp_mqtt_client_register_event(s_mqtt_client, MQTT_EVENT_CONNECTED, mqtt_subscriber, NULL));
    /* not started: esp_mqtt_client_reconnect ("not waiting for reconnection") and _stop refuse */
    CHECK_EQ_INT(ESP_FAIL, esp_mqtt_client_reconnect(s_mqtt_client));
    CHECK_EQ_INT(ESP_FAIL, esp_mqtt_client_stop(s_mqtt_client));
    /* not connected: QoS 0 is lost (-1), QoS 1 goes to the outbox (a message id); a subscription is refused */
    CHECK_EQ_INT(-1, esp_mqtt_client_publish(s_mqtt_client, "contract/t", "x", 0, 0, 0));
    CHECK(esp_mqtt_client_publish(s_mqtt_client, "contract/queued", "q", 0, 1, 0) > 0);
    CHECK_EQ_INT(-1, esp_mqtt_client_subscribe(s_mqtt_client, "contract/t", 0));
    adapter_mqtt_play(scenario, s_mqtt_client, &s_mqtt_over);
    CHECK(s_mqtt_over);
    CHECK_EQ_INT(ESP_FAIL, esp_mqtt_client_start(s_mqtt_client)); /* started already */
    CHECK_EQ_INT(ESP_OK, esp_mqtt_client_stop(s_mqtt_client));
    CHECK_EQ_INT(ESP_OK, esp_mqtt_client_destroy(s_mqtt_client));
    s_mqtt_client = NULL;
    return s_mqtt;
}

static void expect_events(const char *expected, const char *actual)
{
    if (strcmp(expected, actual) != 0) {
        fprintf(stderr, "  expected MQTT events \"%s\"\n  got                  \"%s\"\n", expected, actual);
        g_test_failed = true;
    }
}

/* esp_mqtt_task, MQTT_STATE_INIT: BEFORE_CONNECT; esp_transport_connect fails, so
 * esp_mqtt_client_dispatch_transport_error (ERROR: TCP_TRANSPORT, esp-tls' FAILED_CONNECT_TO_HOST and the
 * socket's errno) and esp_mqtt_abort_connection (DISCONNECTED). */
static void mqtt_failed_connection_posts_error_then_disconnected(void)
{
    expect_events("BEFORE_CONNECT ERROR(TCP_TRANSPORT,ESP_ERR_ESP_TLS_FAILED_CONNECT_TO_HOST,errno 111) DISCONNECTED",
                  play(SCENARIO_CONNECT_FAILS));
    CHECK_EQ_INT(1, s_mqtt_errors);
}

/* A connection the broker closes after CONNACK: mqtt_message_receive's read error dispatches the transport
 * error (esp-tls: ESP_ERR_ESP_TLS_TCP_CLOSED_FIN, errno 0), then esp_mqtt_abort_connection DISCONNECTED. */
static void mqtt_lost_connection_posts_error_then_disconnected(void)
{
    expect_events("BEFORE_CONNECT CONNECTED(session 0) ERROR(TCP_TRANSPORT,ESP_ERR_ESP_TLS_TCP_CLOSED_FIN,errno 0) "
                  "DISCONNECTED", play(SCENARIO_LOST_AFTER_CONNACK));
    CHECK_EQ_INT(1, s_mqtt_errors);
}

/* deliver_suback: SUBSCRIBED with the SUBACK's codes as data, error_type SUBSCRIBE_FAILED for 0x80 or more
 * and NONE again for the next; no ERROR. */
static void mqtt_refused_subscription_is_only_a_subscribed_event(void)
{
    expect_events("BEFORE_CONNECT CONNECTED(session 0) SUBSCRIBED(its msg_id,80,SUBSCRIBE_FAILED) "
                  "SUBSCRIBED(its msg_id,01,NONE)", play(SCENARIO_SUBSCRIPTION_REFUSED));
    CHECK_EQ_INT(0, s_mqtt_errors);
    CHECK(s_subscribed[0] > 0 && s_subscribed[1] > 0 && s_subscribed[0] != s_subscribed[1]);
    CHECK_EQ_INT(1, adapter_mqtt_sent_from_outbox("contract/queued")); /* once connected, the outbox went out */
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s NVS_IMAGE\n", argv[0]);
        return 2;
    }
    s_image = argv[1];
    adapter_provide_nvs(PART, s_image);

    RUN(nvs_partitions_must_be_initialised_and_exist);
    RUN(nvs_get_str_reports_the_size_and_refuses_a_short_buffer);
    RUN(nvs_get_blob_reports_the_size_and_refuses_a_short_buffer);
    RUN(nvs_key_of_another_type_is_not_found);
    RUN(nvs_keys_are_per_namespace_and_read_over_15_bytes);
    RUN(nvs_handles_are_checked_and_never_reused);
    RUN(nvs_writes_replace_a_key_and_check_sizes);
    RUN(nvs_erase_forgets_everything_and_closes_handles);
    RUN(event_loop_must_be_created_once);
    RUN(any_base_and_any_id_reach_the_events_esp_idf_gives_them);
    RUN(handlers_run_in_the_order_esp_idf_keeps_them);
    RUN(registering_a_handler_again_replaces_its_argument);
    RUN(event_data_is_copied);
    RUN(timers_refuse_what_esp_timer_refuses);
    RUN(error_names_are_esp_idfs);
    RUN(mqtt_failed_connection_posts_error_then_disconnected);
    RUN(mqtt_lost_connection_posts_error_then_disconnected);
    RUN(mqtt_refused_subscription_is_only_a_subscribed_event);

    printf("stand-in contract (%s): %d passed, %d failed\n", adapter_build_name(), s_passed, s_failed);
    return s_failed == 0 ? 0 : 1;
}
