/*
 * The mbedTLS 3.6 calls of a key born on the device (device_key.c): key pair, certificate request, certificate
 * parsing and the key/certificate match, with mbedTLS's signatures and return codes (include/mbedtls/pk.h, ecp.h,
 * x509_crt.h, x509_csr.h, ctr_drbg.h) on OpenSSL's libcrypto. The firmware's source is the one ESP-IDF builds.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "bootloader_random.h"
#include "mbedtls/base64.h"
#include "mbedtls/ctr_drbg.h"
#include "mbedtls/ecp.h"
#include "mbedtls/pk.h"
#include "mbedtls/platform_util.h"
#include "mbedtls/x509_crt.h"
#include "mbedtls/x509_csr.h"

struct mbedtls_pk_info_t {
    mbedtls_pk_type_t type;
};

static const mbedtls_pk_info_t s_eckey_info = {MBEDTLS_PK_ECKEY};
static const mbedtls_pk_info_t s_rsa_info = {MBEDTLS_PK_RSA};

void bootloader_random_enable(void)
{
}

void bootloader_random_disable(void)
{
}

void mbedtls_platform_zeroize(void *buf, size_t len)
{
    if (buf != NULL && len > 0) {
        OPENSSL_cleanse(buf, len);
    }
}

/* --- ctr_drbg */

void mbedtls_ctr_drbg_init(mbedtls_ctr_drbg_context *ctx)
{
    memset(ctx, 0, sizeof(*ctx));
}

int mbedtls_ctr_drbg_seed(mbedtls_ctr_drbg_context *ctx, int (*f_entropy)(void *, unsigned char *, size_t),
                          void *p_entropy, const unsigned char *custom, size_t len)
{
    (void)custom;
    (void)len;
    unsigned char probe[48]; /* the entropy a CTR-DRBG with AES-256 takes to seed */
    if (f_entropy == NULL || f_entropy(p_entropy, probe, sizeof(probe)) != 0) {
        return MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
    }
    OPENSSL_cleanse(probe, sizeof(probe));
    ctx->MBEDTLS_PRIVATE(f_entropy) = f_entropy;
    ctx->MBEDTLS_PRIVATE(p_entropy) = p_entropy;
    ctx->MBEDTLS_PRIVATE(seeded) = 1;
    return 0;
}

void mbedtls_ctr_drbg_free(mbedtls_ctr_drbg_context *ctx)
{
    if (ctx != NULL) {
        memset(ctx, 0, sizeof(*ctx));
    }
}

int mbedtls_ctr_drbg_random(void *p_rng, unsigned char *output, size_t output_len)
{
    mbedtls_ctr_drbg_context *ctx = p_rng;
    if (output_len > 1024) {
        return MBEDTLS_ERR_CTR_DRBG_REQUEST_TOO_BIG;
    }
    if (ctx == NULL || !ctx->MBEDTLS_PRIVATE(seeded)
        || ctx->MBEDTLS_PRIVATE(f_entropy)(ctx->MBEDTLS_PRIVATE(p_entropy), output, output_len) != 0) {
        return MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
    }
    return 0;
}

/* --- pk */

static EVP_PKEY *pkey_of(const mbedtls_pk_context *ctx)
{
    const mbedtls_ecp_keypair *pair = ctx->MBEDTLS_PRIVATE(pk_ctx);
    return pair != NULL ? pair->MBEDTLS_PRIVATE(pkey) : NULL;
}

void mbedtls_pk_init(mbedtls_pk_context *ctx)
{
    memset(ctx, 0, sizeof(*ctx));
}

void mbedtls_pk_free(mbedtls_pk_context *ctx)
{
    if (ctx == NULL) {
        return;
    }
    mbedtls_ecp_keypair *pair = ctx->MBEDTLS_PRIVATE(pk_ctx);
    if (pair != NULL) {
        EVP_PKEY_free(pair->MBEDTLS_PRIVATE(pkey));
        free(pair);
    }
    memset(ctx, 0, sizeof(*ctx));
}

const mbedtls_pk_info_t *mbedtls_pk_info_from_type(mbedtls_pk_type_t pk_type)
{
    switch (pk_type) {
    case MBEDTLS_PK_ECKEY:
        return &s_eckey_info;
    case MBEDTLS_PK_RSA:
        return &s_rsa_info;
    default:
        return NULL;
    }
}

int mbedtls_pk_setup(mbedtls_pk_context *ctx, const mbedtls_pk_info_t *info)
{
    if (info == NULL || ctx->MBEDTLS_PRIVATE(pk_info) != NULL) {
        return MBEDTLS_ERR_PK_BAD_INPUT_DATA;
    }
    mbedtls_ecp_keypair *pair = calloc(1, sizeof(*pair));
    if (pair == NULL) {
        return MBEDTLS_ERR_PK_ALLOC_FAILED;
    }
    ctx->MBEDTLS_PRIVATE(pk_info) = info;
    ctx->MBEDTLS_PRIVATE(pk_ctx) = pair;
    return 0;
}

mbedtls_pk_type_t mbedtls_pk_get_type(const mbedtls_pk_context *ctx)
{
    return ctx == NULL || ctx->MBEDTLS_PRIVATE(pk_info) == NULL ? MBEDTLS_PK_NONE
                                                                : ctx->MBEDTLS_PRIVATE(pk_info)->type;
}

/* Sets up ctx to hold pkey (taken over), typed by what pkey is. */
static int pk_adopt(mbedtls_pk_context *ctx, EVP_PKEY *pkey)
{
    int id = EVP_PKEY_get_base_id(pkey);
    const mbedtls_pk_info_t *info = mbedtls_pk_info_from_type(id == EVP_PKEY_EC ? MBEDTLS_PK_ECKEY
                                                               : id == EVP_PKEY_RSA ? MBEDTLS_PK_RSA : MBEDTLS_PK_NONE);
    if (info == NULL) {
        EVP_PKEY_free(pkey);
        return MBEDTLS_ERR_PK_KEY_INVALID_FORMAT;
    }
    int ret = mbedtls_pk_setup(ctx, info);
    if (ret != 0) {
        EVP_PKEY_free(pkey);
        return ret;
    }
    ((mbedtls_ecp_keypair *)ctx->MBEDTLS_PRIVATE(pk_ctx))->MBEDTLS_PRIVATE(pkey) = pkey;
    return 0;
}

int mbedtls_ecp_gen_key(mbedtls_ecp_group_id grp_id, mbedtls_ecp_keypair *key,
                        int (*f_rng)(void *, unsigned char *, size_t), void *p_rng)
{
    if (key == NULL || f_rng == NULL || key->MBEDTLS_PRIVATE(pkey) != NULL) {
        return MBEDTLS_ERR_ECP_BAD_INPUT_DATA;
    }
    (void)p_rng; /* OpenSSL draws from its own RNG */
    if (grp_id != MBEDTLS_ECP_DP_SECP256R1) {
        return MBEDTLS_ERR_ECP_FEATURE_UNAVAILABLE;
    }
    EVP_PKEY *pkey = EVP_EC_gen("P-256");
    if (pkey == NULL) {
        return MBEDTLS_ERR_ECP_ALLOC_FAILED;
    }
    key->MBEDTLS_PRIVATE(pkey) = pkey;
    return 0;
}

int mbedtls_pk_parse_key(mbedtls_pk_context *ctx, const unsigned char *key, size_t keylen, const unsigned char *pwd,
                         size_t pwdlen, int (*f_rng)(void *, unsigned char *, size_t), void *p_rng)
{
    (void)f_rng;
    (void)p_rng;
    if (ctx == NULL || key == NULL || keylen == 0 || ctx->MBEDTLS_PRIVATE(pk_info) != NULL) {
        return MBEDTLS_ERR_PK_BAD_INPUT_DATA;
    }
    if (pwd != NULL || pwdlen != 0) {
        return MBEDTLS_ERR_PK_KEY_INVALID_FORMAT; /* encrypted keys are not what the firmware stores */
    }
    EVP_PKEY *pkey = NULL;
    if (key[keylen - 1] == '\0') { /* PEM, as mbedTLS decides it */
        BIO *bio = BIO_new_mem_buf(key, (int)(keylen - 1));
        pkey = bio != NULL ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
        BIO_free(bio);
    } else {
        const unsigned char *p = key;
        pkey = d2i_AutoPrivateKey(NULL, &p, (long)keylen);
    }
    if (pkey == NULL) {
        return MBEDTLS_ERR_PK_KEY_INVALID_FORMAT;
    }
    return pk_adopt(ctx, pkey);
}

int mbedtls_pk_parse_public_key(mbedtls_pk_context *ctx, const unsigned char *key, size_t keylen)
{
    if (ctx == NULL || key == NULL || keylen == 0 || ctx->MBEDTLS_PRIVATE(pk_info) != NULL) {
        return MBEDTLS_ERR_PK_BAD_INPUT_DATA;
    }
    EVP_PKEY *pkey = NULL;
    if (key[keylen - 1] == '\0') { /* PEM, as mbedTLS decides it */
        BIO *bio = BIO_new_mem_buf(key, (int)(keylen - 1));
        pkey = bio != NULL ? PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL) : NULL;
        BIO_free(bio);
    } else {
        const unsigned char *p = key;
        pkey = d2i_PUBKEY(NULL, &p, (long)keylen);
    }
    if (pkey == NULL) {
        return MBEDTLS_ERR_PK_KEY_INVALID_FORMAT;
    }
    return pk_adopt(ctx, pkey);
}

/* The length of the DER SEQUENCE at sig (header included), or 0 when sig does not start with one that fits. */
static size_t der_sequence_length(const unsigned char *sig, size_t sig_len)
{
    if (sig_len < 2 || sig[0] != 0x30) {
        return 0;
    }
    size_t length;
    size_t header;
    if (sig[1] < 0x80) {
        length = sig[1];
        header = 2;
    } else if (sig[1] == 0x81 && sig_len >= 3) {
        length = sig[2];
        header = 3;
    } else {
        return 0;
    }
    return header + length <= sig_len ? header + length : 0;
}

int mbedtls_pk_verify(mbedtls_pk_context *ctx, mbedtls_md_type_t md_alg, const unsigned char *hash, size_t hash_len,
                      const unsigned char *sig, size_t sig_len)
{
    EVP_PKEY *pkey = ctx != NULL ? pkey_of(ctx) : NULL;
    const EVP_MD *md = md_alg == MBEDTLS_MD_SHA256 ? EVP_sha256() : md_alg == MBEDTLS_MD_SHA384 ? EVP_sha384()
                     : md_alg == MBEDTLS_MD_SHA512 ? EVP_sha512() : md_alg == MBEDTLS_MD_SHA1 ? EVP_sha1() : NULL;
    if (pkey == NULL || md == NULL || hash == NULL || sig == NULL) {
        return MBEDTLS_ERR_PK_BAD_INPUT_DATA;
    }
    if (hash_len == 0) {
        hash_len = (size_t)EVP_MD_get_size(md);
    } else if (hash_len != (size_t)EVP_MD_get_size(md)) {
        return MBEDTLS_ERR_PK_BAD_INPUT_DATA;
    }
    bool ec = mbedtls_pk_get_type(ctx) == MBEDTLS_PK_ECKEY;
    size_t used = sig_len;
    if (ec) {
        used = der_sequence_length(sig, sig_len);
        if (used == 0) {
            return MBEDTLS_ERR_ECP_VERIFY_FAILED; /* mbedTLS: a signature that does not parse is a failed check */
        }
    }
    EVP_PKEY_CTX *pctx = EVP_PKEY_CTX_new(pkey, NULL);
    int ok = pctx != NULL && EVP_PKEY_verify_init(pctx) == 1 && EVP_PKEY_CTX_set_signature_md(pctx, md) == 1
             && EVP_PKEY_verify(pctx, sig, used, hash, hash_len) == 1;
    EVP_PKEY_CTX_free(pctx);
    if (!ok) {
        return ec ? MBEDTLS_ERR_ECP_VERIFY_FAILED : -0x4380; /* MBEDTLS_ERR_RSA_VERIFY_FAILED */
    }
    return used < sig_len ? MBEDTLS_ERR_PK_SIG_LEN_MISMATCH : 0;
}

/* Copies a memory BIO's bytes into buf with a NUL, as mbedTLS's PEM writers do. */
static int bio_to_buffer(BIO *bio, unsigned char *buf, size_t size)
{
    char *data = NULL;
    long length = BIO_get_mem_data(bio, &data);
    if (length <= 0) {
        return MBEDTLS_ERR_PK_BAD_INPUT_DATA;
    }
    if ((size_t)length + 1 > size) {
        return MBEDTLS_ERR_BASE64_BUFFER_TOO_SMALL;
    }
    memcpy(buf, data, (size_t)length);
    buf[length] = '\0';
    return 0;
}

int mbedtls_pk_write_key_pem(const mbedtls_pk_context *ctx, unsigned char *buf, size_t size)
{
    EVP_PKEY *pkey = pkey_of(ctx);
    if (pkey == NULL) {
        return MBEDTLS_ERR_PK_BAD_INPUT_DATA;
    }
    BIO *bio = BIO_new(BIO_s_mem());
    if (bio == NULL) {
        return MBEDTLS_ERR_PK_ALLOC_FAILED;
    }
    /* "traditional": SEC1 "EC PRIVATE KEY", as mbedtls_pk_write_key_pem writes an EC key */
    int ret = PEM_write_bio_PrivateKey_traditional(bio, pkey, NULL, NULL, 0, NULL, NULL) == 1
                  ? bio_to_buffer(bio, buf, size) : MBEDTLS_ERR_PK_BAD_INPUT_DATA;
    /* the key's bytes in the BIO are wiped before it is freed */
    char *data = NULL;
    long length = BIO_get_mem_data(bio, &data);
    if (length > 0) {
        OPENSSL_cleanse(data, (size_t)length);
    }
    BIO_free(bio);
    return ret;
}

int mbedtls_pk_check_pair(const mbedtls_pk_context *pub, const mbedtls_pk_context *prv,
                          int (*f_rng)(void *, unsigned char *, size_t), void *p_rng)
{
    (void)p_rng;
    EVP_PKEY *a = pkey_of(pub);
    EVP_PKEY *b = pkey_of(prv);
    if (a == NULL || b == NULL || f_rng == NULL) {
        return MBEDTLS_ERR_PK_BAD_INPUT_DATA;
    }
    if (mbedtls_pk_get_type(pub) != mbedtls_pk_get_type(prv)) {
        return MBEDTLS_ERR_PK_TYPE_MISMATCH;
    }
    return EVP_PKEY_eq(a, b) == 1 ? 0 : MBEDTLS_ERR_ECP_BAD_INPUT_DATA;
}

/* --- x509_crt */

void mbedtls_x509_crt_init(mbedtls_x509_crt *crt)
{
    memset(crt, 0, sizeof(*crt));
}

static void free_name_list(mbedtls_asn1_named_data *first)
{
    /* the first entry lives inside the certificate; the rest were allocated */
    for (mbedtls_asn1_named_data *n = first; n != NULL;) {
        mbedtls_asn1_named_data *next = n->next;
        free(n->oid.p);
        free(n->val.p);
        if (n != first) {
            free(n);
        }
        n = next;
    }
}

static unsigned char *copy_bytes(const unsigned char *bytes, size_t length)
{
    unsigned char *copy = malloc(length > 0 ? length : 1);
    if (copy != NULL && length > 0) {
        memcpy(copy, bytes, length);
    }
    return copy;
}

static int read_name(const X509_NAME *name, mbedtls_x509_name *out)
{
    mbedtls_asn1_named_data *last = NULL;
    for (int i = 0; i < X509_NAME_entry_count(name); i++) {
        const X509_NAME_ENTRY *entry = X509_NAME_get_entry(name, i);
        const ASN1_OBJECT *object = X509_NAME_ENTRY_get_object(entry);
        const ASN1_STRING *value = X509_NAME_ENTRY_get_data(entry);
        mbedtls_asn1_named_data *n = last == NULL ? out : calloc(1, sizeof(*n));
        if (n == NULL) {
            return MBEDTLS_ERR_X509_ALLOC_FAILED;
        }
        if (last != NULL) {
            last->next = n;
        }
        last = n;
        n->oid.tag = 0x06; /* OBJECT IDENTIFIER */
        n->oid.len = OBJ_length(object);
        n->oid.p = copy_bytes(OBJ_get0_data(object), n->oid.len);
        n->val.tag = ASN1_STRING_type(value); /* universal tag numbers: UTF8String 12, PrintableString 19 */
        n->val.len = (size_t)ASN1_STRING_length(value);
        n->val.p = copy_bytes(ASN1_STRING_get0_data(value), n->val.len);
        if (n->oid.p == NULL || n->val.p == NULL) {
            return MBEDTLS_ERR_X509_ALLOC_FAILED;
        }
    }
    return 0;
}

/* Fills one node of the chain from an OpenSSL certificate. */
static int fill_crt(mbedtls_x509_crt *crt, X509 *x509)
{
    unsigned char *der = NULL;
    int length = i2d_X509(x509, &der);
    if (length <= 0) {
        return MBEDTLS_ERR_X509_INVALID_FORMAT;
    }
    crt->raw.tag = 0x30;
    crt->raw.p = copy_bytes(der, (size_t)length);
    crt->raw.len = (size_t)length;
    OPENSSL_free(der);
    crt->version = (int)X509_get_version(x509) + 1;
    int ret = crt->raw.p == NULL ? MBEDTLS_ERR_X509_ALLOC_FAILED : 0;
    if (ret == 0) {
        ret = read_name(X509_get_issuer_name(x509), &crt->issuer);
    }
    if (ret == 0) {
        ret = read_name(X509_get_subject_name(x509), &crt->subject);
    }
    if (ret == 0) {
        EVP_PKEY *pkey = X509_get_pubkey(x509);
        ret = pkey != NULL ? pk_adopt(&crt->pk, pkey) : MBEDTLS_ERR_X509_INVALID_FORMAT;
    }
    return ret;
}

/* Appends one certificate to the chain (the first goes into `chain` itself). */
static int append(mbedtls_x509_crt *chain, X509 *x509)
{
    mbedtls_x509_crt *node = chain;
    if (chain->raw.p != NULL) {
        while (node->next != NULL) {
            node = node->next;
        }
        node->next = calloc(1, sizeof(*node));
        if (node->next == NULL) {
            return MBEDTLS_ERR_X509_ALLOC_FAILED;
        }
        node = node->next;
    }
    int ret = fill_crt(node, x509);
    if (ret != 0) {
        /* leave no half-filled node behind */
        mbedtls_x509_crt *prev = chain;
        if (node == chain) {
            mbedtls_x509_crt_free(chain);
        } else {
            while (prev->next != node) {
                prev = prev->next;
            }
            prev->next = NULL;
            mbedtls_x509_crt_free(node);
            free(node);
        }
    }
    return ret;
}

int mbedtls_x509_crt_parse(mbedtls_x509_crt *chain, const unsigned char *buf, size_t buflen)
{
    if (chain == NULL || buf == NULL || buflen == 0) {
        return MBEDTLS_ERR_X509_BAD_INPUT_DATA;
    }
    if (buf[buflen - 1] != '\0' || strstr((const char *)buf, "-----BEGIN CERTIFICATE-----") == NULL) {
        const unsigned char *p = buf;
        X509 *x509 = d2i_X509(NULL, &p, (long)buflen);
        if (x509 == NULL) {
            return MBEDTLS_ERR_X509_INVALID_FORMAT;
        }
        int ret = append(chain, x509);
        X509_free(x509);
        return ret;
    }
    BIO *bio = BIO_new_mem_buf(buf, (int)(buflen - 1));
    if (bio == NULL) {
        return MBEDTLS_ERR_X509_ALLOC_FAILED;
    }
    int parsed = 0;
    int failed = 0;
    int first_error = 0;
    for (;;) {
        X509 *x509 = PEM_read_bio_X509(bio, NULL, NULL, NULL);
        if (x509 == NULL) {
            break;
        }
        int ret = append(chain, x509);
        X509_free(x509);
        if (ret == 0) {
            parsed++;
        } else {
            failed++;
            first_error = first_error != 0 ? first_error : ret;
        }
    }
    BIO_free(bio);
    if (parsed == 0) {
        return first_error != 0 ? first_error : MBEDTLS_ERR_X509_INVALID_FORMAT;
    }
    return failed;
}

void mbedtls_x509_crt_free(mbedtls_x509_crt *crt)
{
    if (crt == NULL) {
        return;
    }
    mbedtls_x509_crt *next = crt->next;
    free(crt->raw.p);
    free_name_list(&crt->issuer);
    free_name_list(&crt->subject);
    mbedtls_pk_free(&crt->pk);
    memset(crt, 0, sizeof(*crt));
    while (next != NULL) {
        mbedtls_x509_crt *after = next->next;
        next->next = NULL;
        mbedtls_x509_crt_free(next);
        free(next);
        next = after;
    }
}

/* --- x509write_csr */

void mbedtls_x509write_csr_init(mbedtls_x509write_csr *ctx)
{
    memset(ctx, 0, sizeof(*ctx));
}

/* The host keeps the subject as text in val.p (the OpenSSL short name in oid.p) until the request is written. */
int mbedtls_x509write_csr_set_subject_name(mbedtls_x509write_csr *ctx, const char *subject_name)
{
    static const char *const known[] = {"CN", "O", "OU", "C", "ST", "L"};
    free_name_list(ctx->MBEDTLS_PRIVATE(subject));
    free(ctx->MBEDTLS_PRIVATE(subject));
    ctx->MBEDTLS_PRIVATE(subject) = NULL;
    mbedtls_asn1_named_data **tail = &ctx->MBEDTLS_PRIVATE(subject);
    const char *p = subject_name;
    while (*p != '\0') {
        const char *equals = strchr(p, '=');
        if (equals == NULL) {
            return MBEDTLS_ERR_X509_INVALID_FORMAT;
        }
        const char *end = strchr(equals, ',');
        if (end == NULL) {
            end = equals + strlen(equals);
        }
        bool ok = false;
        for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
            ok = ok || ((size_t)(equals - p) == strlen(known[i]) && memcmp(p, known[i], strlen(known[i])) == 0);
        }
        if (!ok) {
            return MBEDTLS_ERR_X509_UNKNOWN_OID;
        }
        mbedtls_asn1_named_data *n = calloc(1, sizeof(*n));
        if (n == NULL) {
            return MBEDTLS_ERR_X509_ALLOC_FAILED;
        }
        *tail = n;
        tail = &n->next;
        n->oid.len = (size_t)(equals - p);
        n->oid.p = calloc(1, n->oid.len + 1);
        n->val.len = (size_t)(end - equals - 1);
        n->val.p = calloc(1, n->val.len + 1);
        if (n->oid.p == NULL || n->val.p == NULL) {
            return MBEDTLS_ERR_X509_ALLOC_FAILED;
        }
        memcpy(n->oid.p, p, n->oid.len);
        memcpy(n->val.p, equals + 1, n->val.len);
        p = *end == ',' ? end + 1 : end;
    }
    return 0;
}

void mbedtls_x509write_csr_set_key(mbedtls_x509write_csr *ctx, mbedtls_pk_context *key)
{
    ctx->MBEDTLS_PRIVATE(key) = key;
}

void mbedtls_x509write_csr_set_md_alg(mbedtls_x509write_csr *ctx, mbedtls_md_type_t md_alg)
{
    ctx->MBEDTLS_PRIVATE(md_alg) = md_alg;
}

void mbedtls_x509write_csr_free(mbedtls_x509write_csr *ctx)
{
    if (ctx == NULL) {
        return;
    }
    free_name_list(ctx->MBEDTLS_PRIVATE(subject));
    free(ctx->MBEDTLS_PRIVATE(subject));
    memset(ctx, 0, sizeof(*ctx));
}

int mbedtls_x509write_csr_pem(mbedtls_x509write_csr *ctx, unsigned char *buf, size_t size,
                              int (*f_rng)(void *, unsigned char *, size_t), void *p_rng)
{
    (void)p_rng;
    EVP_PKEY *pkey = ctx->MBEDTLS_PRIVATE(key) != NULL ? pkey_of(ctx->MBEDTLS_PRIVATE(key)) : NULL;
    const EVP_MD *md = ctx->MBEDTLS_PRIVATE(md_alg) == MBEDTLS_MD_SHA256 ? EVP_sha256()
                       : ctx->MBEDTLS_PRIVATE(md_alg) == MBEDTLS_MD_SHA384 ? EVP_sha384()
                       : ctx->MBEDTLS_PRIVATE(md_alg) == MBEDTLS_MD_SHA512 ? EVP_sha512() : NULL;
    if (pkey == NULL || md == NULL || f_rng == NULL) {
        return MBEDTLS_ERR_X509_BAD_INPUT_DATA;
    }
    X509_REQ *req = X509_REQ_new();
    X509_NAME *name = X509_NAME_new();
    int ret = req != NULL && name != NULL ? 0 : MBEDTLS_ERR_X509_ALLOC_FAILED;
    for (mbedtls_asn1_named_data *n = ctx->MBEDTLS_PRIVATE(subject); ret == 0 && n != NULL; n = n->next) {
        if (X509_NAME_add_entry_by_txt(name, (const char *)n->oid.p, MBSTRING_UTF8, n->val.p, (int)n->val.len, -1,
                                       0) != 1) {
            ret = MBEDTLS_ERR_X509_BAD_INPUT_DATA;
        }
    }
    if (ret == 0 && (X509_REQ_set_version(req, 0) != 1 || X509_REQ_set_subject_name(req, name) != 1
                     || X509_REQ_set_pubkey(req, pkey) != 1 || X509_REQ_sign(req, pkey, md) <= 0)) {
        ret = MBEDTLS_ERR_X509_BAD_INPUT_DATA;
    }
    if (ret == 0) {
        BIO *bio = BIO_new(BIO_s_mem());
        ret = bio != NULL && PEM_write_bio_X509_REQ(bio, req) == 1 ? bio_to_buffer(bio, buf, size)
                                                                    : MBEDTLS_ERR_X509_ALLOC_FAILED;
        BIO_free(bio);
    }
    X509_NAME_free(name);
    X509_REQ_free(req);
    return ret;
}
