/*
 * AWS IoT Device Shadow: topic names, incoming documents (delta, get/accepted) and the reported
 * document. Pure logic over cJSON; the MQTT side lives in aws_mqtt.c.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "$aws/things/<128>/shadow/name/<64>/update/rejected" and "<prefix>/<128>/telemetry" fit (the config loader
 * keeps the prefix short enough). */
#define SHADOW_TOPIC_MAX 256

typedef struct {
    char get[SHADOW_TOPIC_MAX];
    char get_accepted[SHADOW_TOPIC_MAX];
    char get_rejected[SHADOW_TOPIC_MAX];
    char update[SHADOW_TOPIC_MAX];
    char update_delta[SHADOW_TOPIC_MAX];
    char update_rejected[SHADOW_TOPIC_MAX];
    char status[SHADOW_TOPIC_MAX];    /* <prefix>/<thing>/status: online, and the Last Will */
    char telemetry[SHADOW_TOPIC_MAX]; /* <prefix>/<thing>/telemetry: readings, unless they go to the shadow */
} shadow_topics_t;

typedef enum {
    SHADOW_MESSAGE_UNKNOWN = 0,
    SHADOW_MESSAGE_DELTA,
    SHADOW_MESSAGE_GET_ACCEPTED,
    SHADOW_MESSAGE_GET_REJECTED,
    SHADOW_MESSAGE_UPDATE_REJECTED,
} shadow_message_t;

/* AWS: a clientToken is at most 64 bytes. */
#define SHADOW_CLIENT_TOKEN_MAX 64

/* What the device knows of its shadow; the MQTT task alone reads and changes it. */
typedef struct {
    bool have_version;
    int64_t applied_version;                     /* version of the newest document applied */
    char get_token[SHADOW_CLIENT_TOKEN_MAX + 1]; /* clientToken of the get whose answer is awaited; "" if none */
    bool applied_since_get;                      /* something was applied while that answer was awaited */
} shadow_sync_t;

/* What the caller should do after a message. */
typedef struct {
    bool report;     /* publish the reported state */
    bool resync;     /* ask for the whole document (a new get) */
    bool answered;   /* the device's own get was answered, whatever the answer: its deadline is off */
    bool round_trip; /* the device's own get was answered (accepted, or 404): connected, authorised, subscribed */
    bool retry_get;  /* the device's own get was refused for now (429, 5xx): ask again after a backoff */
} shadow_outcome_t;

/* Fills every topic for `thing` (and a named shadow when shadow_name is not empty). False when a
 * name is too long for the topic buffers. */
bool shadow_topics_init(shadow_topics_t *topics, const char *thing, const char *shadow_name,
                        const char *status_prefix);

shadow_message_t shadow_classify(const shadow_topics_t *topics, const char *topic);

/* Records that a get carrying `client_token` was sent: its answer is now the one awaited. */
void shadow_sync_get_sent(shadow_sync_t *sync, const char *client_token);

/*
 * Handles a message of `length` bytes (not necessarily NUL-terminated) on a shadow topic. AWS does not
 * order messages, so versions decide what is applied:
 *  - update/delta: applied when its version is newer than the applied one. An older or equal one is not
 *    applied and asks for a resync (the shadow may have been deleted and re-created, restarting at 1).
 *  - get/accepted answering the awaited get (same clientToken): the whole desired state, applied as the new
 *    baseline even when its version is lower than the applied one (that is what a resync is for), unless
 *    something newer than it was applied while it was awaited: then it is older than what the device
 *    knows, and a resync asks again.
 *  - any other get/accepted (another client's get, an earlier get of ours answered late): applied only
 *    when its version is newer than the applied one.
 *  - get/rejected answering the awaited get: 404 (no shadow yet) reports, which creates it; 429 and 5xx
 *    ask to retry later; 403 and the rest are logged. Others' rejections are ignored.
 *  - update/rejected: logged with the clientToken of the update.
 * Valid desired fields are applied; wrong types, out-of-range values and unknown fields are refused and
 * logged.
 */
shadow_outcome_t shadow_handle_message(shadow_sync_t *sync, shadow_message_t kind, const char *json, size_t length);

/*
 * The reported document {"state":{"reported":{...}},"clientToken":...}: desired fields as applied, telemetry
 * fields read from their hooks when `with_telemetry`, the firmware version and "online": true (which
 * repairs a Last Will that AWS delivered after the device had already reconnected). `client_token` may be
 * NULL. Returns a string to release with cJSON_free(), or NULL when out of memory.
 */
char *shadow_build_reported(bool with_telemetry, const char *client_token);

/*
 * The readings of the reported fields whose hooks supply a value, as one JSON object ({"temperature":21.5}).
 * *out is NULL when no hook supplied anything (nothing to send); release it with cJSON_free(). False when
 * out of memory.
 */
bool shadow_build_telemetry(char **out);

/* The status message published on connect ({"state":{"reported":{"online":true}}}) and as Last Will. */
const char *shadow_status_message(bool online);
