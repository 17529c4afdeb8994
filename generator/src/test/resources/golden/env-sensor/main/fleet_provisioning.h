/*
 * Fleet provisioning by claim (identity.claim, docs/fleet-provisioning.md): a unit that left the bench with a claim
 * certificate instead of its own gets one from AWS IoT's Fleet Provisioning MQTT API. Connected with the claim
 * certificate (shared by the product's units, allowed nothing but these requests by aws/claim-policy.json), it
 * publishes the CSR of its own key (made on the chip, device_key.h) to $aws/certificates/create-from-csr/json,
 * checks that the certificate it gets back is for that key, registers itself with
 * $aws/provisioning-templates/<template>/provision/json and the certificate ownership token, stores certificate
 * and thing name, and disconnects: the app then connects as the thing.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "cJSON.h"
#include "esp_err.h"

/* RegisterThing's request topic for provisioning template `template` (a string literal); answers on /accepted and
 * /rejected */
#define FLEET_PROVISIONING_TOPIC(template) "$aws/provisioning-templates/" template "/provision/json"

/*
 * One provisioning attempt; the network must be up. ESP_OK once the certificate and thing name are stored. A
 * rejection (statusCode, errorCode, errorMessage) or a missing answer is reported on the console as a failure of
 * the identity stage and stores nothing; the caller tries again after a backoff.
 */
esp_err_t fleet_provisioning_claim(void);

/*
 * Also used by rotate-certificate (rotate_job.c), which registers its new certificate with the thing it already is:
 * RegisterThing's request {"certificateOwnershipToken": token, "parameters": {"ThingName": thing, "MacAddress":
 * "aa:bb:cc:dd:ee:ff"}} (the Wi-Fi station MAC), for the caller to publish and delete; NULL when out of memory.
 */
cJSON *fleet_provisioning_register_request(const char *token, const char *thing);

/*
 * RegisterThing's answer (parsed; `accepted` when it came on /accepted): ESP_OK and `*thing_name` (inside `answer`)
 * when the service registered a thing; otherwise `why` says what went wrong (a rejection's statusCode and errorCode;
 * its errorMessage goes to the log).
 */
esp_err_t fleet_provisioning_check_registered(const cJSON *answer, bool accepted, const char **thing_name, char *why,
                                              size_t why_size);
