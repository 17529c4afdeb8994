/* Host build: mbedTLS 3.6 mbedtls/oid.h subset. */
#pragma once

#include <string.h>

#include "mbedtls/asn1.h"

#define MBEDTLS_OID_AT "\x55\x04"                  /* id-at OBJECT IDENTIFIER ::= {joint-iso-ccitt(2) ds(5) 4} */
#define MBEDTLS_OID_AT_CN MBEDTLS_OID_AT "\x03"    /* id-at-commonName AttributeType ::= { id-at 3 } */

#define MBEDTLS_OID_SIZE(x) (sizeof(x) - 1)
/* Non-zero when the OID in the mbedtls_asn1_buf *oid_buf differs from the string oid_str. */
#define MBEDTLS_OID_CMP(oid_str, oid_buf) \
    ((MBEDTLS_OID_SIZE(oid_str) != (oid_buf)->len) || memcmp((oid_str), (oid_buf)->p, (oid_buf)->len) != 0)
