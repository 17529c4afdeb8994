/* Host build: mbedTLS 3.6 mbedtls/asn1.h subset (the types X.509 names are made of). */
#pragma once

#include <stddef.h>

#include "mbedtls/private_access.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MBEDTLS_ERR_ASN1_BUF_TOO_SMALL -0x006C

#define MBEDTLS_ASN1_UTF8_STRING 0x0C
#define MBEDTLS_ASN1_PRINTABLE_STRING 0x13

typedef struct mbedtls_asn1_buf {
    int tag;          /* ASN.1 type, e.g. MBEDTLS_ASN1_UTF8_STRING */
    size_t len;
    unsigned char *p; /* the raw value */
} mbedtls_asn1_buf;

/* One attribute of a name: OID and value, in a list in the order of the certificate. */
typedef struct mbedtls_asn1_named_data {
    mbedtls_asn1_buf oid;
    mbedtls_asn1_buf val;
    struct mbedtls_asn1_named_data *next;
    unsigned char MBEDTLS_PRIVATE(next_merged);
} mbedtls_asn1_named_data;

#ifdef __cplusplus
}
#endif
