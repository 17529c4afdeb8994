/*
 * Prints every item the runtime's NVS reader finds in an image, one per line:
 *   <namespace> <key> <type hex> <number> <data as hex, or ->
 * then "bad_page_headers=N bad_entries=N". Used by NvsImageReaderCrossCheckTest against the Java writer.
 */
#include <stdio.h>
#include <stdlib.h>

#include "nvs_image.h"

int main(int argc, char **argv)
{
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
