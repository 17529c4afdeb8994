/*
 * Test support for NvsImageReaderCrossCheckTest: the runtime's NVS over a flash file (--flash), driven through
 * nvs.h: opens partition LABEL of FLASH's partition table (at 0x8000), writes string KEY = VALUE in namespace NS
 * read-write, and prints what it then reads back. The runtime writes the partition back into the file.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "esp_log.h"
#include "esp_random.h"
#include "nvs.h"
#include "nvs_flash.h"
#include "runtime.h"

/* nvs_runtime.c logs through ESP_LOG, and nvs_sec.c makes keys from the RNG; the rest of the runtime is not linked in */
void esp_fill_random(void *buf, size_t len)
{
    FILE *f = fopen("/dev/urandom", "rb");
    size_t got = f != NULL ? fread(buf, 1, len, f) : 0;
    if (f != NULL) {
        fclose(f);
    }
    if (got != len) {
        memset(buf, 0, len);
    }
}

void esp_log_write(esp_log_level_t level, const char *tag, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    fprintf(stderr, "%d %s: ", (int)level, tag);
    vfprintf(stderr, format, args);
    fputc('\n', stderr);
    va_end(args);
}

int main(int argc, char **argv)
{
    if (argc != 6) {
        fprintf(stderr, "usage: %s FLASH LABEL NS KEY VALUE\n", argv[0]);
        return 2;
    }
    const char *problem = runtime_nvs_use_flash(argv[1], 0x8000);
    if (problem != NULL) {
        fprintf(stderr, "%s\n", problem);
        return 1;
    }
    nvs_handle_t h;
    esp_err_t err = nvs_flash_init_partition(argv[2]);
    if (err == ESP_OK) {
        err = nvs_open_from_partition(argv[2], argv[3], NVS_READWRITE, &h);
    }
    if (err == ESP_OK) {
        err = nvs_set_str(h, argv[4], argv[5]);
    }
    char back[256];
    size_t length = sizeof(back);
    if (err == ESP_OK) {
        err = nvs_get_str(h, argv[4], back, &length);
    }
    if (err != ESP_OK) {
        fprintf(stderr, "error 0x%x\n", (unsigned)err);
        return 1;
    }
    printf("%s\n", back);
    nvs_close(h);
    return 0;
}
