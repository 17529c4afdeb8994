/* Helpers shared by the generic tests and the per-example field tests. */
#pragma once

#include <stdbool.h>

#include "cJSON.h"
#include "fake_idf.h"
#include "shadow.h"

#include "espfleet_config.h"

#ifdef ESPFLEET_PINNED_THING_NAME
#define TEST_THING ESPFLEET_PINNED_THING_NAME
#else
#define TEST_THING "test-thing-01"
#endif

/* The task that owns reconnects and retries (aws_mqtt.c). */
#define CONTROL_TASK "mqtt_control"

/* Runs the control task until it has handled everything handed to it and would wait. */
void run_control_task(void);

/* The firmware's topics for TEST_THING. */
const shadow_topics_t *test_topics(void);

/* A shadow version newer than any used before in this run. */
long long next_version(void);

/* Delivers `json` on `topic` as one MQTT_EVENT_DATA event. */
void deliver(const char *topic, const char *json);

/* Delivers `json` on `topic` split into fragments at the given offsets (ascending, inside the message). */
void deliver_split(const char *topic, const char *json, const int *cuts, int cut_count);

/* Delivers {"state":<state_json>,"version":<version>} on the delta topic; returns the version. */
long long deliver_delta(const char *state_json);
long long deliver_delta_version(const char *state_json, long long version);

/* Delivers a get/accepted document whose desired state is `desired_json`. */
void deliver_get_accepted(const char *desired_json);

/* Connects (no session kept) and acknowledges every subscription: the device then publishes its get. */
void connect_and_subscribe(void);

/* The clientToken of the last get the device published (NULL if none). */
const char *awaited_get_token(void);

/* Answers the device's last get: get/accepted with that clientToken, or get/rejected with `code`. */
void answer_get(const char *desired_json, long long version);
void reject_get(int code);

/* The number of publishes to `topic` so far, and the last one (NULL if none). */
int publishes_to(const char *topic);
const fake_publish_t *last_publish_to(const char *topic);

/* The last message on the telemetry topic, parsed (cJSON_Delete it), or NULL. */
cJSON *last_telemetry(void);

/* state.reported of the last reported document published, parsed (cJSON_Delete it), or NULL. */
cJSON *last_reported(void);

/* Field tests of the example this binary was built for (fields_<example>.c). */
void run_field_tests(void);
