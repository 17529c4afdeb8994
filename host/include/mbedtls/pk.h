/* Host build: mbedTLS 3.6 mbedtls/pk.h subset. */
#pragma once

#include <stddef.h>

#include "mbedtls/ecp.h"
#include "mbedtls/md.h"
#include "mbedtls/private_access.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MBEDTLS_ERR_PK_ALLOC_FAILED -0x3F80
#define MBEDTLS_ERR_PK_TYPE_MISMATCH -0x3F00
#define MBEDTLS_ERR_PK_BAD_INPUT_DATA -0x3E80
#define MBEDTLS_ERR_PK_KEY_INVALID_FORMAT -0x3D00
#define MBEDTLS_ERR_PK_BUFFER_TOO_SMALL -0x3880
#define MBEDTLS_ERR_PK_SIG_LEN_MISMATCH -0x3900

typedef enum {
    MBEDTLS_PK_NONE = 0,
    MBEDTLS_PK_RSA,
    MBEDTLS_PK_ECKEY,
    MBEDTLS_PK_ECKEY_DH,
    MBEDTLS_PK_ECDSA,
    MBEDTLS_PK_RSA_ALT,
    MBEDTLS_PK_RSASSA_PSS,
    MBEDTLS_PK_OPAQUE,
} mbedtls_pk_type_t;

typedef struct mbedtls_pk_info_t mbedtls_pk_info_t;

typedef struct mbedtls_pk_context {
    const mbedtls_pk_info_t *MBEDTLS_PRIVATE(pk_info);
    void *MBEDTLS_PRIVATE(pk_ctx);
} mbedtls_pk_context;

void mbedtls_pk_init(mbedtls_pk_context *ctx);
void mbedtls_pk_free(mbedtls_pk_context *ctx);
const mbedtls_pk_info_t *mbedtls_pk_info_from_type(mbedtls_pk_type_t pk_type);
/* Gives an initialised, empty context its type; MBEDTLS_ERR_PK_BAD_INPUT_DATA for NULL info or a used context. */
int mbedtls_pk_setup(mbedtls_pk_context *ctx, const mbedtls_pk_info_t *info);
mbedtls_pk_type_t mbedtls_pk_get_type(const mbedtls_pk_context *ctx);

/* The EC key pair inside an MBEDTLS_PK_ECKEY context (NULL for another type), as mbedTLS 3.6's inline does. */
static inline mbedtls_ecp_keypair *mbedtls_pk_ec(const mbedtls_pk_context pk)
{
    return mbedtls_pk_get_type(&pk) == MBEDTLS_PK_ECKEY ? (mbedtls_ecp_keypair *)pk.MBEDTLS_PRIVATE(pk_ctx) : NULL;
}

/* A private key, PEM (keylen counts the terminating NUL) or DER; pwd for encrypted keys (unsupported: NULL). */
int mbedtls_pk_parse_key(mbedtls_pk_context *ctx, const unsigned char *key, size_t keylen, const unsigned char *pwd,
                         size_t pwdlen, int (*f_rng)(void *, unsigned char *, size_t), void *p_rng);
/* A public key (SubjectPublicKeyInfo), PEM (keylen counts the terminating NUL) or DER. */
int mbedtls_pk_parse_public_key(mbedtls_pk_context *ctx, const unsigned char *key, size_t keylen);
/* 0 when sig (DER ECDSA, or RSA PKCS#1 v1.5) is ctx's signature of the digest hash (md_alg; hash_len 0 for the
 * algorithm's size); MBEDTLS_ERR_ECP_VERIFY_FAILED for a wrong ECDSA signature, MBEDTLS_ERR_PK_SIG_LEN_MISMATCH
 * when bytes follow a valid one, MBEDTLS_ERR_PK_BAD_INPUT_DATA for an empty context or another digest size. */
int mbedtls_pk_verify(mbedtls_pk_context *ctx, mbedtls_md_type_t md_alg, const unsigned char *hash, size_t hash_len,
                      const unsigned char *sig, size_t sig_len);
/* The private key as PEM, NUL-terminated (EC keys: "EC PRIVATE KEY", SEC1); MBEDTLS_ERR_BASE64_BUFFER_TOO_SMALL
 * when it does not fit. */
int mbedtls_pk_write_key_pem(const mbedtls_pk_context *ctx, unsigned char *buf, size_t size);
/* 0 when pub's public key is prv's; MBEDTLS_ERR_PK_TYPE_MISMATCH or MBEDTLS_ERR_ECP_BAD_INPUT_DATA otherwise. */
int mbedtls_pk_check_pair(const mbedtls_pk_context *pub, const mbedtls_pk_context *prv,
                          int (*f_rng)(void *, unsigned char *, size_t), void *p_rng);

#ifdef __cplusplus
}
#endif
