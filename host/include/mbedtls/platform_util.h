/* Host build: mbedTLS 3.6 mbedtls/platform_util.h subset. */
#pragma once

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Zeroes `len` bytes at `buf` in a way the compiler does not optimise away. */
void mbedtls_platform_zeroize(void *buf, size_t len);

#ifdef __cplusplus
}
#endif
