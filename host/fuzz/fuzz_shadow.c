/*
 * libFuzzer target: arbitrary bytes as every shadow message (delta, get/accepted, get/rejected,
 * update/rejected; with and without a get awaited), and as a message delivered in two fragments through the
 * reassembler. Any crash, leak or undefined behaviour fails.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "cJSON.h"
#include "device_state.h"
#include "msg_assembler.h"
#include "shadow.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char s_buffer[4096 + 1];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool initialised;
    if (!initialised) {
        device_state_init();
        initialised = true;
    }
    const char *text = (const char *)data;
    shadow_sync_t sync = {0};
    shadow_handle_message(&sync, SHADOW_MESSAGE_DELTA, text, size);
    shadow_handle_message(&sync, SHADOW_MESSAGE_GET_ACCEPTED, text, size);
    /* with a get awaited, as after connecting: the token paths (the corpus has "clientToken":"fuzz-get-1") */
    shadow_sync_t awaiting = {.have_version = true, .applied_version = 5};
    shadow_sync_get_sent(&awaiting, "fuzz-get-1");
    shadow_handle_message(&awaiting, SHADOW_MESSAGE_DELTA, text, size);
    shadow_handle_message(&awaiting, SHADOW_MESSAGE_GET_ACCEPTED, text, size);
    shadow_sync_get_sent(&awaiting, "fuzz-get-1");
    shadow_handle_message(&awaiting, SHADOW_MESSAGE_GET_REJECTED, text, size);
    shadow_handle_message(&awaiting, SHADOW_MESSAGE_UPDATE_REJECTED, text, size);

    if (size > 1 && size <= 0x7fffffff) {
        msg_assembler_t a;
        msg_assembler_init(&a, s_buffer, sizeof(s_buffer) - 1);
        int total = (int)size;
        int cut = data[0] % total;
        msg_assembler_result_t r = msg_assembler_feed(&a, "t", 1, text, cut, 0, total);
        if (r == MSG_ASSEMBLER_INCOMPLETE) {
            r = msg_assembler_feed(&a, NULL, 0, text + cut, total - cut, cut, total);
        }
        if (r == MSG_ASSEMBLER_COMPLETE) {
            shadow_sync_t fresh = {0};
            shadow_handle_message(&fresh, SHADOW_MESSAGE_DELTA, a.data, a.length);
        }
    }
    char *reported = shadow_build_reported(true, "fuzz-update-1");
    cJSON_free(reported);
    return 0;
}
