/*
 * Reassembles MQTT messages that esp-mqtt delivers as several MQTT_EVENT_DATA events.
 *
 * A message longer than the client's receive buffer arrives in fragments: the first carries the topic
 * and current_data_offset 0, the rest only data, until current_data_offset + data_len ==
 * total_data_len. The buffer is bounded: a message longer than it is dropped whole, never truncated.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define MSG_ASSEMBLER_TOPIC_MAX 256

typedef enum {
    MSG_ASSEMBLER_INCOMPLETE = 0, /* more fragments expected */
    MSG_ASSEMBLER_COMPLETE,       /* topic/data hold one whole, NUL-terminated message */
    MSG_ASSEMBLER_DROPPED,        /* too large, out of order or without a topic: discarded */
} msg_assembler_result_t;

typedef struct {
    char *data;        /* caller-provided, capacity + 1 bytes (room for the NUL) */
    size_t capacity;   /* largest message accepted, in bytes */
    size_t length;     /* bytes received so far */
    size_t total;      /* announced length of the message in progress */
    bool active;       /* a message is in progress */
    bool discarding;   /* the message in progress is being dropped */
    char topic[MSG_ASSEMBLER_TOPIC_MAX + 1];
    size_t topic_length;
} msg_assembler_t;

void msg_assembler_init(msg_assembler_t *a, char *buffer, size_t capacity);

/* Feeds one MQTT_EVENT_DATA event. Lengths and offsets are esp-mqtt's int fields. */
msg_assembler_result_t msg_assembler_feed(msg_assembler_t *a,
                                          const char *topic, int topic_len,
                                          const char *data, int data_len,
                                          int offset, int total_len);
