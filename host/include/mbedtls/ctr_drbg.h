/* Host build: mbedTLS 3.6 mbedtls/ctr_drbg.h subset. */
#pragma once

#include <stddef.h>

#include "mbedtls/private_access.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED -0x0034
#define MBEDTLS_ERR_CTR_DRBG_REQUEST_TOO_BIG -0x0036

/*
 * The host's stand-in draws every output from the entropy source it was seeded with (the firmware seeds it from
 * esp_fill_random, getrandom(2) here) instead of running AES-CTR over a seed: same contract for the caller
 * (seed first, then random bytes), no DRBG state to model.
 */
typedef struct mbedtls_ctr_drbg_context {
    int (*MBEDTLS_PRIVATE(f_entropy))(void *, unsigned char *, size_t);
    void *MBEDTLS_PRIVATE(p_entropy);
    int MBEDTLS_PRIVATE(seeded);
} mbedtls_ctr_drbg_context;

void mbedtls_ctr_drbg_init(mbedtls_ctr_drbg_context *ctx);
/* Seeds from f_entropy (with `custom` as personalisation); 0 or MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED. */
int mbedtls_ctr_drbg_seed(mbedtls_ctr_drbg_context *ctx, int (*f_entropy)(void *, unsigned char *, size_t),
                          void *p_entropy, const unsigned char *custom, size_t len);
void mbedtls_ctr_drbg_free(mbedtls_ctr_drbg_context *ctx);
/* The f_rng of mbedTLS's other modules: p_rng is the mbedtls_ctr_drbg_context. At most 1024 bytes a call. */
int mbedtls_ctr_drbg_random(void *p_rng, unsigned char *output, size_t output_len);

#ifdef __cplusplus
}
#endif
