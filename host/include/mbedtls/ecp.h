/* Host build: mbedTLS 3.6 mbedtls/ecp.h subset. */
#pragma once

#include <stddef.h>

#include "mbedtls/private_access.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MBEDTLS_ERR_ECP_BAD_INPUT_DATA -0x4F80
#define MBEDTLS_ERR_ECP_FEATURE_UNAVAILABLE -0x4E80
#define MBEDTLS_ERR_ECP_ALLOC_FAILED -0x4D80
#define MBEDTLS_ERR_ECP_VERIFY_FAILED -0x4E00

typedef enum {
    MBEDTLS_ECP_DP_NONE = 0,
    MBEDTLS_ECP_DP_SECP192R1,
    MBEDTLS_ECP_DP_SECP224R1,
    MBEDTLS_ECP_DP_SECP256R1,
    MBEDTLS_ECP_DP_SECP384R1,
    MBEDTLS_ECP_DP_SECP521R1,
} mbedtls_ecp_group_id;

/* A key pair; its members are private in mbedTLS 3.6 (the host keeps an OpenSSL EVP_PKEY in it). */
typedef struct mbedtls_ecp_keypair {
    void *MBEDTLS_PRIVATE(pkey);
} mbedtls_ecp_keypair;

/* Makes a key pair on the curve grp_id into key (set up by mbedtls_pk_setup). The host: P-256 only. */
int mbedtls_ecp_gen_key(mbedtls_ecp_group_id grp_id, mbedtls_ecp_keypair *key,
                        int (*f_rng)(void *, unsigned char *, size_t), void *p_rng);

#ifdef __cplusplus
}
#endif
