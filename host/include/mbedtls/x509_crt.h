/* Host build: mbedTLS 3.6 mbedtls/x509_crt.h subset (the public fields listed; mbedTLS has more). */
#pragma once

#include <stddef.h>

#include "mbedtls/pk.h"
#include "mbedtls/x509.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One certificate of a chain; `next` is the one parsed after it. */
typedef struct mbedtls_x509_crt {
    int MBEDTLS_PRIVATE(own_buffer);
    mbedtls_x509_buf raw;      /* the whole DER */
    int version;               /* 1, 2 or 3 */
    mbedtls_x509_name issuer;
    mbedtls_x509_name subject; /* in the order of the certificate */
    mbedtls_pk_context pk;     /* the subject's public key */
    struct mbedtls_x509_crt *next;
} mbedtls_x509_crt;

void mbedtls_x509_crt_init(mbedtls_x509_crt *crt);
/*
 * Adds the certificates in buf (PEM: buflen counts the terminating NUL, several certificates allowed; or one DER)
 * to the chain: 0 when all parsed, the number that did not when some did, a negative error when none did.
 */
int mbedtls_x509_crt_parse(mbedtls_x509_crt *chain, const unsigned char *buf, size_t buflen);
void mbedtls_x509_crt_free(mbedtls_x509_crt *crt);

#ifdef __cplusplus
}
#endif
