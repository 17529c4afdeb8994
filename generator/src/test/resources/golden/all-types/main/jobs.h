/*
 * AWS IoT Jobs over MQTT (docs/jobs.md): the device asks for its next job execution on
 * $aws/things/<thing>/jobs/start-next, hears of new ones on .../jobs/notify-next, and reports each step on
 * .../jobs/<jobId>/update (IN_PROGRESS with stepTimeoutInMinutes, then SUCCEEDED, FAILED or REJECTED, with
 * statusDetails and expectedVersion). Jobs run in a task of their own: the MQTT task only hands messages over.
 * An execution left IN_PROGRESS by a reboot comes back from start-next and carries on from its statusDetails.
 * Without jobs.enabled in the config every function here does nothing.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cJSON.h"
#include "esp_err.h"
#include "mqtt_client.h"

#include "identity.h"

/* Longest job id AWS allows (64) plus the NUL. */
#define JOBS_ID_MAX 65

/* One job execution as this device runs it: what start-next or notify-next said, and its version since. */
typedef struct {
    char job_id[JOBS_ID_MAX];
    long version;            /* versionNumber: the next update's expectedVersion */
    cJSON *document;         /* jobDocument */
    cJSON *status_details;   /* statusDetails as the service holds them (NULL: none) */
} jobs_execution_t;

/* Starts the jobs task for `identity` (kept: its CA checks the download's server). Call once the MQTT client
 * exists, before it connects. */
esp_err_t jobs_init(esp_mqtt_client_handle_t client, const device_identity_t *identity);

/* MQTT task: the connection is up; subscribe to the jobs topics (start-next follows their SUBACKs). */
void jobs_on_connected(void);
/* MQTT task: a SUBACK; ignored unless it is one of the jobs subscriptions. */
void jobs_on_subscribed(int msg_id, bool granted);
/* MQTT task: a whole message; true when it was on a jobs topic of this thing (then it is taken care of). */
bool jobs_handle_message(const char *topic, const char *data, size_t length);
/* MQTT task: the device's own shadow get was answered (part of a new app's self-test). */
void jobs_on_shadow_synced(void);

/*
 * Jobs task: publishes an update of `execution` with `status` and `details` (string values; may be NULL) and
 * waits for its answer. IN_PROGRESS carries stepTimeoutInMinutes. True when accepted (the version moves on);
 * a VersionMismatch is answered with the service's current version and tried once more.
 */
bool jobs_update(jobs_execution_t *execution, const char *status, const cJSON *details);

/* Jobs task: the MQTT client (rotate-certificate publishes its CreateCertificateFromCsr request with it). */
esp_mqtt_client_handle_t jobs_client(void);

/* Jobs task: the thing this device is (rotate-certificate registers its new certificate with it). */
const char *jobs_thing_name(void);

/* Jobs task: waits up to `timeout_ms` for CreateCertificateFromCsr's answer (or, with `register_thing`, RegisterThing's
 * with jobs.rotation_template) on this connection; `*payload` (NUL-terminated, for the caller to free) and whether it
 * came on /accepted. False when none came. */
bool jobs_await_certificate_answer(bool register_thing, uint32_t timeout_ms, bool *accepted, char **payload);

/* Jobs task: statusDetails[key] as a string, or NULL. */
const char *jobs_status_detail(const jobs_execution_t *execution, const char *key);
