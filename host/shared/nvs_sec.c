#include "nvs_sec.h"

#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "esp_log.h"
#include "esp_random.h"
#include "nvs_image.h"
#include "nvs_sec_provider.h"

static const char *TAG = "nvs_sec";

/* NVS layout (ESP-IDF NVS "Internals"), as shared/nvs_image.c reads it. */
#define PAGE_SIZE 4096u
#define ENTRY_SIZE 32u
#define ENTRIES_PER_PAGE 126u
#define BITMAP_OFFSET 32u
#define FIRST_ENTRY_OFFSET 64u
#define PAGE_STATE_EMPTY 0xFFFFFFFFu
#define ENTRY_STATE_EMPTY 3u

static bool xts(const nvs_sec_cfg_t *keys, const unsigned char tweak[16], unsigned char *unit, bool encrypt)
{
    unsigned char key[2 * NVS_KEY_SIZE];
    memcpy(key, keys->eky, NVS_KEY_SIZE);
    memcpy(key + NVS_KEY_SIZE, keys->tky, NVS_KEY_SIZE);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int out = 0;
    unsigned char result[ENTRY_SIZE];
    bool ok = ctx != NULL && EVP_CipherInit_ex(ctx, EVP_aes_256_xts(), NULL, key, tweak, encrypt ? 1 : 0) == 1
              && EVP_CipherUpdate(ctx, result, &out, unit, ENTRY_SIZE) == 1 && out == ENTRY_SIZE;
    EVP_CIPHER_CTX_free(ctx);
    memset(key, 0, sizeof(key));
    if (ok) {
        memcpy(unit, result, ENTRY_SIZE);
    }
    return ok;
}

bool host_nvs_xts(unsigned char *image, size_t size, const nvs_sec_cfg_t *keys, bool encrypt)
{
    for (size_t page = 0; page + PAGE_SIZE <= size; page += PAGE_SIZE) {
        const unsigned char *p = image + page;
        uint32_t state = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
        if (state == PAGE_STATE_EMPTY) {
            continue;
        }
        for (unsigned i = 0; i < ENTRIES_PER_PAGE; i++) {
            unsigned entry_state = (p[BITMAP_OFFSET + i / 4] >> ((i % 4) * 2)) & 3u;
            if (entry_state == ENTRY_STATE_EMPTY) {
                continue;
            }
            size_t offset = page + FIRST_ENTRY_OFFSET + (size_t)i * ENTRY_SIZE;
            unsigned char tweak[16] = {0};
            for (int b = 0; b < 8; b++) {
                tweak[b] = (unsigned char)((uint64_t)offset >> (8 * b)); /* the offset, little-endian */
            }
            if (!xts(keys, tweak, image + offset, encrypt)) {
                return false;
            }
        }
    }
    return true;
}

/* ---- the flash-encryption-based scheme: keys in the nvs_keys partition ---- */

static uint32_t keys_crc(const unsigned char *bytes)
{
    return nvs_image_crc32(0xFFFFFFFFu, bytes, 2 * NVS_KEY_SIZE);
}

static esp_err_t read_flash_enc(const void *data, nvs_sec_cfg_t *cfg)
{
    (void)data;
    unsigned char part[HOST_NVS_KEYS_PARTITION_SIZE];
    if (!host_nvs_keys_partition(part, false)) {
        ESP_LOGE(TAG, "the partition table has no nvs_keys partition");
        return ESP_ERR_NOT_FOUND;
    }
    bool erased = true;
    for (size_t i = 0; i < 2 * NVS_KEY_SIZE + 4; i++) {
        erased = erased && part[i] == 0xFF;
    }
    if (erased) {
        return ESP_ERR_NVS_KEYS_NOT_INITIALIZED;
    }
    uint32_t stored = (uint32_t)part[64] | (uint32_t)part[65] << 8 | (uint32_t)part[66] << 16
                      | (uint32_t)part[67] << 24;
    if (stored != keys_crc(part)) {
        return ESP_ERR_NVS_CORRUPT_KEY_PART;
    }
    memcpy(cfg->eky, part, NVS_KEY_SIZE);
    memcpy(cfg->tky, part + NVS_KEY_SIZE, NVS_KEY_SIZE);
    memset(part, 0, sizeof(part));
    return ESP_OK;
}

/* nvs_flash_generate_keys: fresh keys from the RNG, written to the (erased) nvs_keys partition. */
static esp_err_t generate_flash_enc(const void *data, nvs_sec_cfg_t *cfg)
{
    (void)data;
    unsigned char part[HOST_NVS_KEYS_PARTITION_SIZE];
    memset(part, 0xFF, sizeof(part));
    do {
        esp_fill_random(part, 2 * NVS_KEY_SIZE);
    } while (memcmp(part, part + NVS_KEY_SIZE, NVS_KEY_SIZE) == 0); /* XTS needs two different keys */
    uint32_t crc = keys_crc(part);
    for (int b = 0; b < 4; b++) {
        part[64 + b] = (unsigned char)(crc >> (8 * b));
    }
    bool ok = host_nvs_keys_partition(part, true);
    memcpy(cfg->eky, part, NVS_KEY_SIZE);
    memcpy(cfg->tky, part + NVS_KEY_SIZE, NVS_KEY_SIZE);
    memset(part, 0, sizeof(part));
    return ok ? ESP_OK : ESP_ERR_NOT_FOUND;
}

/* ---- the HMAC-based scheme: keys = HMAC-SHA256(eFuse key, a constant seed), never stored ---- */

#ifndef CONFIG_NVS_SEC_HMAC_EFUSE_KEY_ID
#define CONFIG_NVS_SEC_HMAC_EFUSE_KEY_ID 6
#endif

static void derive(const uint8_t hmac_key[32], const unsigned char element[4], uint8_t out[32])
{
    unsigned char seed[32];
    for (int i = 0; i < 8; i++) {
        memcpy(seed + 4 * i, element, 4);
    }
    unsigned int length = 32;
    HMAC(EVP_sha256(), hmac_key, 32, seed, sizeof(seed), out, &length);
}

static esp_err_t derive_all(const uint8_t hmac_key[32], nvs_sec_cfg_t *cfg)
{
    /* ESP-IDF's seeds: 0xAEBE5A5A and 0xCEDEA5A5, little-endian, eight times each */
    static const unsigned char ekey_seed[4] = {0x5A, 0x5A, 0xBE, 0xAE};
    static const unsigned char tkey_seed[4] = {0xA5, 0xA5, 0xDE, 0xCE};
    derive(hmac_key, ekey_seed, cfg->eky);
    derive(hmac_key, tkey_seed, cfg->tky);
    return ESP_OK;
}

static esp_err_t read_hmac(const void *data, nvs_sec_cfg_t *cfg)
{
    (void)data;
    uint8_t key[32];
    if (CONFIG_NVS_SEC_HMAC_EFUSE_KEY_ID > 5 || !host_efuse_hmac_key(CONFIG_NVS_SEC_HMAC_EFUSE_KEY_ID, key, false)) {
        return ESP_ERR_NVS_SEC_HMAC_KEY_NOT_FOUND;
    }
    esp_err_t err = derive_all(key, cfg);
    memset(key, 0, sizeof(key));
    return err;
}

/* A fresh HMAC key burned into the configured key block (read-protected on the chip), then the keys derived. */
static esp_err_t generate_hmac(const void *data, nvs_sec_cfg_t *cfg)
{
    (void)data;
    uint8_t key[32];
    esp_fill_random(key, sizeof(key));
    if (CONFIG_NVS_SEC_HMAC_EFUSE_KEY_ID > 5 || !host_efuse_hmac_key(CONFIG_NVS_SEC_HMAC_EFUSE_KEY_ID, key, true)) {
        memset(key, 0, sizeof(key));
        return ESP_ERR_NVS_SEC_HMAC_KEY_BLK_ALREADY_USED;
    }
    esp_err_t err = derive_all(key, cfg);
    memset(key, 0, sizeof(key));
    return err;
}

/* ---- nvs_flash.h: the scheme registry ---- */

/* CONFIG_NVS_* are -D options of the host build, taken from the project's sdkconfig.defaults (HostProject, Makefile) */
#if CONFIG_NVS_SEC_KEY_PROTECT_USING_FLASH_ENC
static nvs_sec_scheme_t s_builtin = {NVS_SEC_SCHEME_FLASH_ENC, NULL, generate_flash_enc, read_flash_enc};
static nvs_sec_scheme_t *s_default = &s_builtin;
#elif CONFIG_NVS_SEC_KEY_PROTECT_USING_HMAC
static nvs_sec_scheme_t s_builtin = {NVS_SEC_SCHEME_HMAC, NULL, generate_hmac, read_hmac};
static nvs_sec_scheme_t *s_default = &s_builtin;
#else
/* CONFIG_NVS_ENCRYPTION off: no scheme registers itself at startup */
static nvs_sec_scheme_t *s_default = NULL;
#endif

/* Both schemes are here whatever the build's choice; a test may register either (host tests). */
nvs_sec_scheme_t host_nvs_scheme_flash_enc = {NVS_SEC_SCHEME_FLASH_ENC, NULL, generate_flash_enc, read_flash_enc};
nvs_sec_scheme_t host_nvs_scheme_hmac = {NVS_SEC_SCHEME_HMAC, NULL, generate_hmac, read_hmac};

esp_err_t nvs_flash_register_security_scheme(nvs_sec_scheme_t *scheme_cfg)
{
    if (scheme_cfg == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    s_default = scheme_cfg;
    return ESP_OK;
}

nvs_sec_scheme_t *nvs_flash_get_default_security_scheme(void)
{
    return s_default;
}

esp_err_t nvs_flash_read_security_cfg_v2(nvs_sec_scheme_t *scheme_cfg, nvs_sec_cfg_t *cfg)
{
    if (scheme_cfg == NULL || cfg == NULL || scheme_cfg->nvs_flash_read_cfg == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    return scheme_cfg->nvs_flash_read_cfg(scheme_cfg->scheme_data, cfg);
}

esp_err_t nvs_flash_generate_keys_v2(nvs_sec_scheme_t *scheme_cfg, nvs_sec_cfg_t *cfg)
{
    if (scheme_cfg == NULL || cfg == NULL || scheme_cfg->nvs_flash_key_gen == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    return scheme_cfg->nvs_flash_key_gen(scheme_cfg->scheme_data, cfg);
}
