#include "console_frame.h"

#include <stdio.h>
#include <string.h>

#include "cJSON.h"
#include "esp_rom_crc.h"

#define MARKER_LENGTH (sizeof(CONSOLE_FRAME_MARKER) - 1)
#define CRC_DIGITS 8

uint32_t console_frame_crc(const char *data, size_t length)
{
    /* the ROM's CRC inverts on the way in and out: starting from 0 it is zlib's crc32 */
    return esp_rom_crc32_le(0, (const uint8_t *)data, (uint32_t)length);
}

static bool kind_valid(const char *kind, size_t length)
{
    if (length == 0 || length > CONSOLE_FRAME_KIND_MAX) {
        return false;
    }
    for (size_t i = 0; i < length; i++) {
        if (!((kind[i] >= 'a' && kind[i] <= 'z') || kind[i] == '_')) {
            return false;
        }
    }
    return true;
}

size_t console_frame_build(char *out, size_t capacity, const char *kind, const char *json)
{
    size_t json_length = strlen(json);
    if (!kind_valid(kind, strlen(kind)) || json_length > CONSOLE_FRAME_JSON_MAX || strpbrk(json, "\r\n") != NULL) {
        return 0;
    }
    int covered = snprintf(out, capacity, CONSOLE_FRAME_MARKER "%s %s ", kind, json);
    if (covered < 0 || (size_t)covered + 1 + CRC_DIGITS + 1 >= capacity) {
        return 0;
    }
    uint32_t crc = console_frame_crc(out, (size_t)covered);
    int total = snprintf(out + covered, capacity - (size_t)covered, "*%08lx\n", (unsigned long)crc);
    if (total < 0) {
        return 0;
    }
    return (size_t)covered + (size_t)total;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    return -1;
}

bool console_frame_parse(const char *line, size_t length, console_frame_t *frame)
{
    if (length > CONSOLE_FRAME_LINE_MAX) {
        return false;
    }
    while (length > 0 && line[length - 1] == '\r') {
        length--;
    }
    /* the last marker on the line: bytes of an interrupted line may come before it */
    const char *start = NULL;
    for (size_t i = 0; i + MARKER_LENGTH <= length; i++) {
        if (memcmp(line + i, CONSOLE_FRAME_MARKER, MARKER_LENGTH) == 0) {
            start = line + i;
        }
    }
    if (start == NULL) {
        return false;
    }
    size_t rest = length - (size_t)(start - line);
    /* ... " *" and 8 hex digits at the end */
    if (rest < MARKER_LENGTH + 1 + 1 + 2 + 1 + 1 + CRC_DIGITS) {
        return false;
    }
    const char *star = start + rest - CRC_DIGITS - 1;
    if (*star != '*' || star[-1] != ' ') {
        return false;
    }
    uint32_t crc = 0;
    for (int i = 0; i < CRC_DIGITS; i++) {
        int d = hex_digit(star[1 + i]);
        if (d < 0) {
            return false;
        }
        crc = (crc << 4) | (uint32_t)d;
    }
    size_t covered = (size_t)(star - start);
    if (console_frame_crc(start, covered) != crc) {
        return false;
    }
    const char *kind = start + MARKER_LENGTH;
    const char *space = memchr(kind, ' ', covered - MARKER_LENGTH);
    if (space == NULL || !kind_valid(kind, (size_t)(space - kind))) {
        return false;
    }
    const char *json = space + 1;
    size_t json_length = (size_t)(star - 1 - json);
    if (json_length == 0 || json_length > CONSOLE_FRAME_JSON_MAX) {
        return false;
    }
    cJSON *parsed = cJSON_ParseWithLength(json, json_length);
    bool object = cJSON_IsObject(parsed);
    cJSON_Delete(parsed);
    if (!object) {
        return false;
    }
    memcpy(frame->kind, kind, (size_t)(space - kind));
    frame->kind[space - kind] = '\0';
    frame->json = json;
    frame->json_length = json_length;
    return true;
}

void console_line_init(console_line_t *lines)
{
    lines->length = 0;
    lines->overflowed = false;
}

void console_line_feed(console_line_t *lines, const char *bytes, size_t length, console_line_handler_t handler,
                       void *arg)
{
    for (size_t i = 0; i < length; i++) {
        char c = bytes[i];
        if (c == '\n') {
            if (!lines->overflowed) {
                lines->buffer[lines->length] = '\0';
                handler(lines->buffer, lines->length, arg);
            }
            lines->length = 0;
            lines->overflowed = false;
        } else if (lines->overflowed) {
            continue;
        } else if (lines->length == CONSOLE_FRAME_LINE_MAX) {
            lines->overflowed = true;
            lines->length = 0;
        } else {
            lines->buffer[lines->length++] = c;
        }
    }
}
