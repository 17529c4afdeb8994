/* Host build: mbedTLS 3.6 (as ESP-IDF v5.5 ships it) mbedtls/base64.h subset. */
#pragma once

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MBEDTLS_ERR_BASE64_BUFFER_TOO_SMALL -0x002A
#define MBEDTLS_ERR_BASE64_INVALID_CHARACTER -0x002C

/*
 * Decodes base64 `src` into `dst`; *olen gets the number of bytes written. Line breaks (CR LF or LF) are
 * skipped, and spaces just before them; other whitespace is invalid. With dst NULL or dlen too small: returns
 * MBEDTLS_ERR_BASE64_BUFFER_TOO_SMALL with *olen set to the size needed.
 */
int mbedtls_base64_decode(unsigned char *dst, size_t dlen, size_t *olen, const unsigned char *src, size_t slen);

#ifdef __cplusplus
}
#endif
