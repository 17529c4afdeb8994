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

#include "esp_err.h"

/*
 * One provisioning attempt; the network must be up. ESP_OK once the certificate and thing name are stored. A
 * rejection (statusCode, errorCode, errorMessage) or a missing answer is reported on the console as a failure of
 * the identity stage and stores nothing; the caller tries again after a backoff.
 */
esp_err_t fleet_provisioning_claim(void);
