/*
 * The `rotate-certificate` job (docs/jobs.md, jobs.rotation in the config): the device makes a new EC P-256 key on
 * the chip (device_key.h; no key ever travels), asks AWS IoT for a certificate with CreateCertificateFromCsr on its
 * own connection ($aws/certificates/create-from-csr/json), keeps key and certificate beside the current ones in the
 * identity partition (staged), and restarts to connect with them. Connected: the new pair becomes the current one,
 * the old is erased, the job SUCCEEDED. Refused by the broker (TLS handshake, a connection closed before CONNACK,
 * a CONNACK refusal) or not connected within the deadline: the device restarts on the old pair and the job ends
 * FAILED with the reason.
 *
 * A restart at any point ends the same way: staged but never tried -> the new pair is tried once; tried and the
 * device restarted before it connected -> the old pair; a commit cut short is finished at the next boot.
 */
#pragma once

#include <stdbool.h>

#include "esp_err.h"
#include "mqtt_client.h"

#include "identity.h"
#include "jobs.h"

/* Staged pair and rotation state, in the identity namespace beside the current key and certificate. */
#define ROTATE_NVS_KEY_STAGED_KEY "rot_key"
#define ROTATE_NVS_KEY_STAGED_CERT "rot_cert"
#define ROTATE_NVS_KEY_STATE "rot_state" /* u8, rotate_state_t */
#define ROTATE_NVS_KEY_WHY "rot_why"     /* why the staged pair was refused */

typedef enum {
    ROTATE_NONE = 0,       /* nothing staged */
    ROTATE_STAGED = 1,     /* a new pair waits for the next boot */
    ROTATE_TRYING = 2,     /* this boot connects with the new pair */
    ROTATE_REFUSED = 3,    /* the new pair was refused (or never connected): back on the old one */
    ROTATE_COMMITTING = 4, /* the new pair is being copied over the old one */
    ROTATE_COMMITTED = 5,  /* the new pair is the current one; SUCCEEDED not yet reported */
} rotate_state_t;

/* At boot, from identity_load(): chooses the pair this boot connects with (see above); may replace the
 * identity's certificate and key with the staged ones. */
void rotate_boot_select(device_identity_t *identity);

/* MQTT task: connected (CONNACK accepted). */
void rotate_on_connected(void);

/* MQTT task: an MQTT_EVENT_ERROR. While the new pair is tried and not yet connected, a refusal of this client
 * (TLS handshake failed, connection closed before CONNACK, CONNACK refusal) gives it up at once; a network error
 * (no route, refused port, timeout) leaves the decision to the deadline. */
void rotate_on_mqtt_error(const esp_mqtt_error_codes_t *error);

/* Jobs task: runs (or after the restart finishes) the rotate-certificate job `execution`. */
void rotate_job_run(jobs_execution_t *execution);
