/*
 * The two mbedTLS 3.6 calls generated firmware makes to fingerprint its certificate, with mbedTLS's contract
 * (include/mbedtls/base64.h, sha256.h): base64 decoding written here after mbedTLS's documented behaviour
 * (line breaks and spaces before them skipped, '=' only at the end, BUFFER_TOO_SMALL with the size needed),
 * SHA-256 from OpenSSL's libcrypto.
 */
#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>

#include "mbedtls/base64.h"
#include "mbedtls/sha256.h"

static int sextet(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') {
        return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
        return c - 'a' + 26;
    }
    if (c >= '0' && c <= '9') {
        return c - '0' + 52;
    }
    if (c == '+') {
        return 62;
    }
    if (c == '/') {
        return 63;
    }
    return -1;
}

int mbedtls_base64_decode(unsigned char *dst, size_t dlen, size_t *olen, const unsigned char *src, size_t slen)
{
    size_t digits = 0;
    size_t equals = 0;
    /* first pass: check the characters and count what decodes */
    for (size_t i = 0; i < slen; i++) {
        size_t spaces = 0;
        while (i < slen && src[i] == ' ') {
            spaces++;
            i++;
        }
        if (i == slen) {
            break;
        }
        if (src[i] == '\r' && i + 1 < slen && src[i + 1] == '\n') {
            i++;
            continue;
        }
        if (src[i] == '\n') {
            continue;
        }
        if (spaces != 0) {
            return MBEDTLS_ERR_BASE64_INVALID_CHARACTER; /* a space inside a line */
        }
        if (src[i] == '=') {
            if (++equals > 2) {
                return MBEDTLS_ERR_BASE64_INVALID_CHARACTER;
            }
        } else {
            if (equals != 0 || sextet(src[i]) < 0) {
                return MBEDTLS_ERR_BASE64_INVALID_CHARACTER;
            }
        }
        digits++;
    }
    if (digits == 0) {
        *olen = 0;
        return 0;
    }
    if (digits % 4 != 0) {
        return MBEDTLS_ERR_BASE64_INVALID_CHARACTER;
    }
    size_t needed = digits / 4 * 3 - equals;
    if (dst == NULL || dlen < needed) {
        *olen = needed;
        return MBEDTLS_ERR_BASE64_BUFFER_TOO_SMALL;
    }
    uint32_t acc = 0;
    size_t in_group = 0;
    size_t out = 0;
    for (size_t i = 0; i < slen; i++) {
        int v = src[i] == '=' ? 0 : sextet(src[i]);
        if (v < 0 && src[i] != '=') {
            continue; /* whitespace already checked */
        }
        acc = (acc << 6) | (uint32_t)v;
        if (++in_group == 4) {
            unsigned char bytes[3] = {(unsigned char)(acc >> 16), (unsigned char)(acc >> 8), (unsigned char)acc};
            for (int k = 0; k < 3 && out < needed; k++) {
                dst[out++] = bytes[k];
            }
            acc = 0;
            in_group = 0;
        }
    }
    *olen = out;
    return 0;
}

int mbedtls_sha256(const unsigned char *input, size_t ilen, unsigned char *output, int is224)
{
    unsigned int length = 0;
    return EVP_Digest(input, ilen, output, &length, is224 ? EVP_sha224() : EVP_sha256(), NULL) == 1 ? 0 : -1;
}
