/*
 * The console protocol's frames (docs/console-protocol.md, version 1): "@EF1 <kind> <json> *<crc>", one line,
 * the CRC-32 (zlib's) of everything from '@' up to and including the space before '*', as 8 lower-case hex
 * digits. Building and checking frames, and cutting console input into lines; no I/O here.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CONSOLE_FRAME_MARKER "@EF1 "
#define CONSOLE_FRAME_KIND_MAX 16
#define CONSOLE_FRAME_JSON_MAX 6144
/* A longer line is never a frame (the receiver's limit, docs/console-protocol.md). */
#define CONSOLE_FRAME_LINE_MAX 8192

/* CRC-32 as zlib's crc32(0, data, length). */
uint32_t console_frame_crc(const char *data, size_t length);

/*
 * Writes "@EF1 <kind> <json> *<crc>\n" into out (NUL-terminated) and returns its length, or 0 when the kind is
 * not [a-z_]{1,16}, the JSON holds a raw line break or is longer than CONSOLE_FRAME_JSON_MAX, or it does not fit.
 * The line ends with "\n" alone: ESP-IDF's console sends it as "\r\n" (CONFIG_NEWLIB_STDOUT_LINE_ENDING_CRLF).
 */
size_t console_frame_build(char *out, size_t capacity, const char *kind, const char *json);

typedef struct {
    char kind[CONSOLE_FRAME_KIND_MAX + 1];
    const char *json; /* inside the line given to console_frame_parse; not NUL-terminated */
    size_t json_length;
} console_frame_t;

/*
 * Finds a frame in one line (without its "\n"; a trailing "\r" and bytes before the marker are allowed) and
 * checks it: the marker, the kind, a JSON object that parses, the CRC. False for anything else.
 */
bool console_frame_parse(const char *line, size_t length, console_frame_t *frame);

/* Cuts a byte stream into lines; a line longer than CONSOLE_FRAME_LINE_MAX is dropped whole. */
typedef struct {
    char buffer[CONSOLE_FRAME_LINE_MAX + 1];
    size_t length;
    bool overflowed; /* dropping the rest of a too-long line */
} console_line_t;

typedef void (*console_line_handler_t)(const char *line, size_t length, void *arg);

void console_line_init(console_line_t *lines);
/* Feeds bytes; calls `handler` for each complete line (without "\n"). */
void console_line_feed(console_line_t *lines, const char *bytes, size_t length, console_line_handler_t handler,
                       void *arg);
