/* Host build: ESP-IDF v5.x esp_app_desc.h (component esp_app_format): the app's description, 256 bytes. */
#pragma once

#include <stdint.h>

#include "esp_err.h"

#ifdef __cplusplus
extern "C" {
#endif

#define ESP_APP_DESC_MAGIC_WORD (0xABCD5432)

typedef struct {
    uint32_t magic_word;        /* ESP_APP_DESC_MAGIC_WORD */
    uint32_t secure_version;    /* for anti-rollback */
    uint32_t reserv1[2];
    char version[32];           /* PROJECT_VER */
    char project_name[32];      /* the CMake project's name */
    char time[16];              /* compile time (empty without CONFIG_APP_COMPILE_TIME_DATE) */
    char date[16];              /* compile date */
    char idf_ver[32];           /* ESP-IDF's version */
    uint8_t app_elf_sha256[32]; /* SHA-256 of the app's ELF file */
    uint16_t min_efuse_blk_rev_full;
    uint16_t max_efuse_blk_rev_full;
    uint8_t mmu_page_size;      /* log2 of the MMU page size */
    uint8_t reserv3[3];
    uint32_t reserv2[18];
} esp_app_desc_t;

_Static_assert(sizeof(esp_app_desc_t) == 256, "esp_app_desc_t is 256 bytes, as in ESP-IDF");

const esp_app_desc_t *esp_app_get_description(void);

#ifdef __cplusplus
}
#endif
