/*
 * libFuzzer target: arbitrary bytes as every shadow message (delta, get/accepted, get/rejected,
 * update/rejected; with and without a get awaited), as a message delivered in two fragments through the
 * reassembler, and as console input (docs/console-protocol.md): cut into lines, each checked as a frame, and
 * as one line with a valid frame's tail appended. Any crash, leak or undefined behaviour fails.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cJSON.h"
#include "console_frame.h"
#include "device_state.h"
#include "msg_assembler.h"
#include "shadow.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char s_buffer[4096 + 1];
static console_line_t s_lines;
static int s_frames;

static void on_line(const char *line, size_t length, void *arg)
{
    (void)arg;
    console_frame_t frame;
    if (console_frame_parse(line, length, &frame)) {
        /* what a valid frame points at lies inside the line */
        if (frame.json < line || frame.json + frame.json_length > line + length || frame.kind[0] == '\0') {
            __builtin_trap();
        }
        s_frames++;
    }
}

/* Console input: the bytes as a stream of lines, then as one line whose CRC is made right. */
static void fuzz_console(const uint8_t *data, size_t size)
{
    console_line_init(&s_lines);
    console_line_feed(&s_lines, (const char *)data, size, on_line, NULL);
    console_line_feed(&s_lines, "\n", 1, on_line, NULL);
    if (size < 6000) {
        char line[6200];
        memcpy(line, data, size);
        line[size] = ' ';
        uint32_t crc = console_frame_crc(line, size + 1);
        int n = snprintf(line + size + 1, sizeof(line) - size - 1, "*%08lx", (unsigned long)crc);
        on_line(line, size + 1 + (size_t)n, NULL);
    }
}

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
    fuzz_console(data, size);
    char *reported = shadow_build_reported(true, "fuzz-update-1");
    cJSON_free(reported);
    return 0;
}
