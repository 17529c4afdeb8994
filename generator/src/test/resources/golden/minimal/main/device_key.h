/*
 * Keys born on the device (identity.key_source: device): the private key is made here, on the chip, at the first
 * boot, and never leaves it. The bench wrote only what is not secret (thing name, endpoint, server CA); this
 * module makes an EC P-256 key from the chip's RNG, keeps it in the encrypted device-key partition
 * (device_key_store.h), offers a certificate
 * request (CN = the thing name) on the console (docs/console-protocol.md, "csr"), and stores the certificate the
 * bench sends back ("cert") once it is for this key and this thing. The key is never printed, logged or sent.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "esp_err.h"
#include "espfleet_config.h"

/*
 * The NVS partition that holds this device's key and certificate (and a rotation's staged pair): the encrypted
 * device-key partition when the key is made on the chip, else the identity partition the bench writes.
 */
#if ESPFLEET_KEY_BORN_ON_DEVICE
#define DEVICE_KEY_PARTITION ESPFLEET_DEVICE_KEYS_PARTITION
#else
#define DEVICE_KEY_PARTITION ESPFLEET_IDENTITY_PARTITION
#endif

/*
 * Opens the device-key partition encrypted (device_key_store_init), then makes sure this device has a key and a
 * certificate for it there: makes and stores the key
 * when there is none; when there is no certificate, or one that is not for this key or this thing, offers a CSR
 * on the console and waits (as long as it takes: the unit is on the bench) for a certificate that is. Returns
 * ESP_OK once both are stored, or the NVS or mbedTLS error that stopped it (logged). Call after the identity
 * partition was initialised, before identity_load().
 */
esp_err_t device_key_provision(void);

/*
 * device_key_provision with a choice: when `wait_for_bench` is false, or the unit holds a claim certificate
 * (identity.claim, fleet_provisioning.h), it returns once the key is there, with `*have_certificate` false when
 * no certificate for it is stored yet (the CSR is still offered on the console).
 */
esp_err_t device_key_prepare(bool wait_for_bench, bool *have_certificate);

/* A fresh CSR for this device's stored key (CN = the thing name) and the thing name; both for the caller to free. */
esp_err_t device_key_csr(char **csr_pem, char **thing);

/*
 * Checks a certificate another issuer made (AWS IoT's CreateCertificateFromCsr) against this device's key: its
 * public key must be the device's (the subject is the issuer's choice). ESP_ERR_INVALID_ARG with `why` when not.
 */
esp_err_t device_key_check_issued(const char *cert_pem, char *why, size_t why_size);

/*
 * Stores an issued certificate and the thing name it was registered as (the template names the thing; a pinned
 * thing name must match), then reports certificate_stored on the console.
 */
esp_err_t device_key_store_issued(const char *cert_pem, const char *thing);

/*
 * Certificate rotation (rotate_job.h): makes a new EC P-256 key, stores it under the NVS key `key_name` (beside
 * the current one, which stays in use) and returns a CSR for it (CN = the thing name) for the caller to free.
 */
esp_err_t device_key_make_staged(const char *key_name, char **csr_pem);

/* Checks an issued certificate against the key stored under `key_name` (its public key only), as
 * device_key_check_issued does for the current key. */
esp_err_t device_key_check_staged(const char *key_name, const char *cert_pem, char *why, size_t why_size);

/*
 * Checks a certificate (PEM; a chain may follow the first certificate) against a private key (PEM) and a thing
 * name: the first certificate's public key must be the key's, and its subject CN the thing name. Writes why not
 * into `why` (at most `why_size` bytes) and returns ESP_ERR_INVALID_ARG when it is not; ESP_ERR_NO_MEM when
 * memory ran out.
 */
esp_err_t device_key_check_certificate(const char *cert_pem, const char *key_pem, const char *thing, char *why,
                                       size_t why_size);
