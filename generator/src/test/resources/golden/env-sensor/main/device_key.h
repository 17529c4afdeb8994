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
 * Checks a certificate (PEM; a chain may follow the first certificate) against a private key (PEM) and a thing
 * name: the first certificate's public key must be the key's, and its subject CN the thing name. Writes why not
 * into `why` (at most `why_size` bytes) and returns ESP_ERR_INVALID_ARG when it is not; ESP_ERR_NO_MEM when
 * memory ran out.
 */
esp_err_t device_key_check_certificate(const char *cert_pem, const char *key_pem, const char *thing, char *why,
                                       size_t why_size);
