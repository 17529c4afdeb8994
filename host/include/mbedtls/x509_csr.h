/* Host build: mbedTLS 3.6 mbedtls/x509_csr.h subset (writing a certificate request). */
#pragma once

#include <stddef.h>

#include "mbedtls/md.h"
#include "mbedtls/pk.h"
#include "mbedtls/x509.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mbedtls_x509write_csr {
    mbedtls_pk_context *MBEDTLS_PRIVATE(key);
    mbedtls_asn1_named_data *MBEDTLS_PRIVATE(subject);
    mbedtls_md_type_t MBEDTLS_PRIVATE(md_alg);
} mbedtls_x509write_csr;

void mbedtls_x509write_csr_init(mbedtls_x509write_csr *ctx);
/* "CN=name,O=org,C=XX": attributes CN, O, OU, C, ST, L; MBEDTLS_ERR_X509_UNKNOWN_OID for another. */
int mbedtls_x509write_csr_set_subject_name(mbedtls_x509write_csr *ctx, const char *subject_name);
void mbedtls_x509write_csr_set_key(mbedtls_x509write_csr *ctx, mbedtls_pk_context *key);
void mbedtls_x509write_csr_set_md_alg(mbedtls_x509write_csr *ctx, mbedtls_md_type_t md_alg);
void mbedtls_x509write_csr_free(mbedtls_x509write_csr *ctx);
/* The signed request as PEM ("CERTIFICATE REQUEST"), NUL-terminated; MBEDTLS_ERR_BASE64_BUFFER_TOO_SMALL when it
 * does not fit. */
int mbedtls_x509write_csr_pem(mbedtls_x509write_csr *ctx, unsigned char *buf, size_t size,
                              int (*f_rng)(void *, unsigned char *, size_t), void *p_rng);

#ifdef __cplusplus
}
#endif
