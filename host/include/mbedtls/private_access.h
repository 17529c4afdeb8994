/* Host build: mbedTLS 3.6 mbedtls/private_access.h: fields marked private get a prefix unless
 * MBEDTLS_ALLOW_PRIVATE_ACCESS, so that application code touching them fails to compile here as there. */
#pragma once

#ifndef MBEDTLS_ALLOW_PRIVATE_ACCESS
#define MBEDTLS_PRIVATE(member) private_##member
#else
#define MBEDTLS_PRIVATE(member) member
#endif
