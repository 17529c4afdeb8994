/*
 * AWS IoT Device Shadow: topic names, incoming documents (delta, get/accepted) and the reported
 * document. Pure logic over cJSON; the MQTT side lives in aws_mqtt.c.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "$aws/things/<128>/shadow/name/<64>/update/rejected" and "<prefix>/<128>/status" fit. */
#define SHADOW_TOPIC_MAX 256

typedef struct {
    char get[SHADOW_TOPIC_MAX];
    char get_accepted[SHADOW_TOPIC_MAX];
    char get_rejected[SHADOW_TOPIC_MAX];
    char update[SHADOW_TOPIC_MAX];
    char update_delta[SHADOW_TOPIC_MAX];
    char update_rejected[SHADOW_TOPIC_MAX];
    char status[SHADOW_TOPIC_MAX];
} shadow_topics_t;

typedef enum {
    SHADOW_MESSAGE_UNKNOWN = 0,
    SHADOW_MESSAGE_DELTA,
    SHADOW_MESSAGE_GET_ACCEPTED,
    SHADOW_MESSAGE_GET_REJECTED,
    SHADOW_MESSAGE_UPDATE_REJECTED,
} shadow_message_t;

typedef struct {
    bool have_version;
    int64_t last_version; /* version of the last document applied */
    bool resync_needed;   /* a delta older than last_version came: ask for the whole document */
} shadow_sync_t;

/* Fills every topic for `thing` (and a named shadow when shadow_name is not empty). False when a
 * name is too long for the topic buffers. */
bool shadow_topics_init(shadow_topics_t *topics, const char *thing, const char *shadow_name,
                        const char *status_prefix);

shadow_message_t shadow_classify(const shadow_topics_t *topics, const char *topic);

/*
 * Handles a delta or get/accepted document of `length` bytes (not necessarily NUL-terminated).
 * Valid desired fields are applied; wrong types, out-of-range values and unknown fields are refused
 * and logged. A delta whose version is not newer than the last one applied is not applied and sets
 * resync_needed (the shadow may have been deleted and re-created, restarting at version 1): the caller
 * then asks for the whole document; get/accepted is the device's new baseline.
 * Returns true when the device should publish its reported state (something was applied, or the
 * document was a get/accepted that the reported state must now match).
 */
bool shadow_handle_document(shadow_sync_t *sync, shadow_message_t kind, const char *json, size_t length);

/*
 * The reported document {"state":{"reported":{...}}}: desired fields as applied, telemetry fields
 * read from their hooks when `with_telemetry`, the firmware version and "online": true (which repairs
 * a Last Will that AWS delivered after the device had already reconnected). Returns a string to release with
 * cJSON_free(), or NULL when out of memory.
 */
char *shadow_build_reported(bool with_telemetry);

/* The status message published on connect ({"state":{"reported":{"online":true}}}) and as Last Will. */
const char *shadow_status_message(bool online);
