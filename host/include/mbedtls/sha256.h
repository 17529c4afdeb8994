/* Host build: mbedTLS 3.6 (as ESP-IDF v5.5 ships it) mbedtls/sha256.h subset. */
#pragma once

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* SHA-256 (is224 = 0) or SHA-224 (is224 = 1) of `input`; 0 on success. output: 32 bytes. */
int mbedtls_sha256(const unsigned char *input, size_t ilen, unsigned char *output, int is224);

#ifdef __cplusplus
}
#endif
