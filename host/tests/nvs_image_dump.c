/*
 * Prints every item the runtime's NVS reader finds in an image, one per line:
 *   <namespace> <key> <type hex> <number> <data as hex, or ->
 * then "bad_page_headers=N bad_entries=N". Used by NvsImageReaderCrossCheckTest against the Java writer.
 *   nvs_image_dump --rewrite IN OUT: what the reader found in IN, written by the runtime's NVS writer
 *   (nvs_image_write, what goes back into a flash file) as an image of IN's size into OUT.
 */
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "nvs_image.h"

static int rewrite(const char *in, const char *out)
{
    FILE *f = fopen(in, "rb");
    if (f == NULL) {
        perror(in);
        return 2;
    }
    static unsigned char bytes[1 << 20];
    static unsigned char written[1 << 20];
    size_t size = fread(bytes, 1, sizeof(bytes), f);
    fclose(f);
    nvs_image_t image;
    if (!nvs_image_parse(bytes, size, &image)) {
        fprintf(stderr, "not an NVS image (%zu bytes)\n", size);
        return 1;
    }
    static char namespaces[254][16];
    int count = 0;
    for (int n = 1; n < 255; n++) {
        if (image.namespaces[n][0] != '\0') {
            memcpy(namespaces[count++], image.namespaces[n], 16);
        }
    }
    bool ok = nvs_image_write(image.items, image.count, (const char (*)[16])namespaces, count, written, size);
    nvs_image_free(&image);
    if (!ok) {
        fprintf(stderr, "the items do not fit %zu bytes\n", size);
        return 1;
    }
    f = fopen(out, "wb");
    if (f == NULL || fwrite(written, 1, size, f) != size) {
        perror(out);
        return 2;
    }
    fclose(f);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 4 && strcmp(argv[1], "--rewrite") == 0) {
        return rewrite(argv[2], argv[3]);
    }
    if (argc != 2) {
        fprintf(stderr, "usage: %s IMAGE\n", argv[0]);
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (f == NULL) {
        perror(argv[1]);
        return 2;
    }
    static unsigned char bytes[1 << 20];
    size_t size = fread(bytes, 1, sizeof(bytes), f);
    fclose(f);
    nvs_image_t image;
    if (!nvs_image_parse(bytes, size, &image)) {
        fprintf(stderr, "not an NVS image (%zu bytes)\n", size);
        return 1;
    }
    for (size_t i = 0; i < image.count; i++) {
        const nvs_image_item_t *item = &image.items[i];
        printf("%s %s %02x %llu ", item->namespace_name, item->key, item->type, (unsigned long long)item->number);
        if (item->data == NULL) {
            putchar('-');
        }
        for (size_t b = 0; item->data != NULL && b < item->length; b++) {
            printf("%02x", item->data[b]);
        }
        putchar('\n');
    }
    printf("bad_page_headers=%d bad_entries=%d\n", image.bad_page_headers, image.bad_entries);
    nvs_image_free(&image);
    return 0;
}
