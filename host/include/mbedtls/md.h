/* Host build: mbedTLS 3.6 mbedtls/md.h subset (values as mbedTLS 3.6 numbers them). */
#pragma once

typedef enum {
    MBEDTLS_MD_NONE = 0,
    MBEDTLS_MD_MD5 = 0x03,
    MBEDTLS_MD_RIPEMD160 = 0x04,
    MBEDTLS_MD_SHA1 = 0x05,
    MBEDTLS_MD_SHA224 = 0x08,
    MBEDTLS_MD_SHA256 = 0x09,
    MBEDTLS_MD_SHA384 = 0x0a,
    MBEDTLS_MD_SHA512 = 0x0b,
} mbedtls_md_type_t;
