/* Host build: mbedTLS 3.6 (as ESP-IDF v5.5 ships it) mbedtls/sha256.h subset. */
#pragma once

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* SHA-256 (is224 = 0) or SHA-224 (is224 = 1) of `input`; 0 on success. output: 32 bytes. */
int mbedtls_sha256(const unsigned char *input, size_t ilen, unsigned char *output, int is224);

/* The streaming form (the context's fields are private in mbedTLS 3; here an OpenSSL digest context). */
typedef struct mbedtls_sha256_context {
    void *private_md_ctx;
} mbedtls_sha256_context;

void mbedtls_sha256_init(mbedtls_sha256_context *ctx);
void mbedtls_sha256_free(mbedtls_sha256_context *ctx);
int mbedtls_sha256_starts(mbedtls_sha256_context *ctx, int is224);
int mbedtls_sha256_update(mbedtls_sha256_context *ctx, const unsigned char *input, size_t ilen);
int mbedtls_sha256_finish(mbedtls_sha256_context *ctx, unsigned char *output);

#ifdef __cplusplus
}
#endif
