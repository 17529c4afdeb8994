#include "msg_assembler.h"

#include <string.h>

void msg_assembler_init(msg_assembler_t *a, char *buffer, size_t capacity)
{
    memset(a, 0, sizeof(*a));
    a->data = buffer;
    a->capacity = capacity;
    a->data[0] = '\0';
}

static msg_assembler_result_t drop(msg_assembler_t *a, bool last_fragment)
{
    a->active = !last_fragment;
    a->discarding = !last_fragment;
    a->length = 0;
    a->data[0] = '\0';
    return last_fragment ? MSG_ASSEMBLER_DROPPED : MSG_ASSEMBLER_INCOMPLETE;
}

msg_assembler_result_t msg_assembler_feed(msg_assembler_t *a,
                                          const char *topic, int topic_len,
                                          const char *data, int data_len,
                                          int offset, int total_len)
{
    if (data_len < 0 || offset < 0 || total_len < 0 || (data_len > 0 && data == NULL)
        || (size_t)offset + (size_t)data_len > (size_t)total_len) {
        a->active = false;
        a->discarding = false;
        return MSG_ASSEMBLER_DROPPED;
    }
    bool last = (size_t)offset + (size_t)data_len == (size_t)total_len;

    if (offset == 0) {
        /* A new message starts; whatever was in progress is lost. */
        a->active = true;
        a->discarding = false;
        a->length = 0;
        a->total = (size_t)total_len;
        if (topic == NULL || topic_len <= 0 || (size_t)topic_len > MSG_ASSEMBLER_TOPIC_MAX
            || (size_t)total_len > a->capacity) {
            return drop(a, last);
        }
        memcpy(a->topic, topic, (size_t)topic_len);
        a->topic[topic_len] = '\0';
        a->topic_length = (size_t)topic_len;
    } else if (!a->active || a->discarding) {
        if (!a->active) {
            return MSG_ASSEMBLER_DROPPED; /* a stray continuation */
        }
        return drop(a, last);
    } else if ((size_t)offset != a->length || (size_t)total_len != a->total) {
        return drop(a, last); /* out of order or a different message */
    }

    if (data_len > 0) {
        memcpy(a->data + a->length, data, (size_t)data_len);
        a->length += (size_t)data_len;
    }
    a->data[a->length] = '\0';
    if (!last) {
        return MSG_ASSEMBLER_INCOMPLETE;
    }
    a->active = false;
    return MSG_ASSEMBLER_COMPLETE;
}
