/*
 * What ESP-IDF v5.5 does, checked against both builds of the stand-ins (see standin_adapter.h). Each
 * expectation names the ESP-IDF source it comes from; a stand-in that disagrees with ESP-IDF fails here in
 * the build where it disagrees.
 *
 *   contract-fakes IMAGE     (host/fakes + host/shared)
 *   contract-runtime IMAGE   (host/runtime + host/shared)
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "esp_err.h"
#include "esp_event.h"
#include "esp_timer.h"
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
    CHECK(strcmp(esp_err_to_name(0x7FFF), "UNKNOWN ERROR") == 0);
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

    printf("stand-in contract (%s): %d passed, %d failed\n", adapter_build_name(), s_passed, s_failed);
    return s_failed == 0 ? 0 : 1;
}
