#include "nvs_image.h"

#include <stdlib.h>
#include <string.h>

/* Layout (ESP-IDF NVS "Internals"): 4096-byte pages of a 32-byte header, a 32-byte entry-state bitmap
 * and 126 entries of 32 bytes. */
#define PAGE_SIZE 4096u
#define ENTRY_SIZE 32u
#define ENTRIES_PER_PAGE 126u
#define BITMAP_OFFSET 32u
#define FIRST_ENTRY_OFFSET 64u

#define PAGE_STATE_ACTIVE 0xFFFFFFFEu
#define PAGE_STATE_FULL 0xFFFFFFFCu
#define PAGE_STATE_FREEING 0xFFFFFFF8u
/* Header CRC covers bytes 4..27: sequence number, version and reserved bytes. */
#define PAGE_CRC_START 4u
#define PAGE_CRC_OFFSET 28u

#define ENTRY_STATE_EMPTY 3u
#define ENTRY_STATE_WRITTEN 2u

/* Entry fields. */
#define ENTRY_NS 0u
#define ENTRY_TYPE 1u
#define ENTRY_SPAN 2u
#define ENTRY_CHUNK 3u
#define ENTRY_CRC 4u
#define ENTRY_KEY 8u
#define ENTRY_DATA 24u
#define VARLEN_CRC 28u
#define BLOB_IDX_COUNT 28u
#define BLOB_IDX_START 29u
#define CHUNK_ANY 0xFFu

typedef struct {
    uint8_t ns;
    uint8_t type;
    uint8_t chunk;
    char key[16];
    const unsigned char *fixed; /* the 8 data bytes of the entry */
    const unsigned char *data;  /* variable-length payload, or NULL */
    size_t length;
} raw_entry_t;

typedef struct {
    const unsigned char *bytes;
    uint32_t sequence;
} page_ref_t;

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t le16(const unsigned char *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

uint32_t nvs_image_crc32(uint32_t crc, const unsigned char *data, size_t length)
{
    uint32_t reg = ~crc;
    for (size_t i = 0; i < length; i++) {
        reg ^= data[i];
        for (int k = 0; k < 8; k++) {
            reg = (reg & 1u) ? (reg >> 1) ^ 0xEDB88320u : reg >> 1;
        }
    }
    return ~reg;
}

static bool is_variable_length(uint8_t type)
{
    return type == NVS_IMAGE_TYPE_SZ || type == NVS_IMAGE_TYPE_BLOB_DATA || type == NVS_IMAGE_TYPE_BLOB_V1;
}

static unsigned entry_state(const unsigned char *page, unsigned index)
{
    return (page[BITMAP_OFFSET + index / 4u] >> ((index % 4u) * 2u)) & 3u;
}

static int by_sequence(const void *a, const void *b)
{
    uint32_t x = ((const page_ref_t *)a)->sequence;
    uint32_t y = ((const page_ref_t *)b)->sequence;
    return x < y ? -1 : x > y;
}

/* Adds an entry; an older copy of the same item (same namespace, key, type, chunk) is replaced. */
static bool keep_entry(raw_entry_t **entries, size_t *count, size_t *capacity, const raw_entry_t *entry)
{
    for (size_t i = 0; i < *count; i++) {
        raw_entry_t *old = &(*entries)[i];
        if (old->ns == entry->ns && old->type == entry->type && old->chunk == entry->chunk
            && strcmp(old->key, entry->key) == 0) {
            *old = *entry;
            return true;
        }
    }
    if (*count == *capacity) {
        size_t grown = *capacity ? *capacity * 2 : 64;
        raw_entry_t *more = realloc(*entries, grown * sizeof(**entries));
        if (more == NULL) {
            return false;
        }
        *entries = more;
        *capacity = grown;
    }
    (*entries)[(*count)++] = *entry;
    return true;
}

/* Reads the written entries of one page; returns false only when out of memory. */
static bool read_page(const unsigned char *page, nvs_image_t *out, raw_entry_t **entries, size_t *count,
                      size_t *capacity)
{
    unsigned i = 0;
    while (i < ENTRIES_PER_PAGE) {
        unsigned state = entry_state(page, i);
        if (state == ENTRY_STATE_EMPTY) {
            break; /* entries are written in order: the rest of the page is unused */
        }
        if (state != ENTRY_STATE_WRITTEN) {
            i++;
            continue;
        }
        const unsigned char *e = page + FIRST_ENTRY_OFFSET + i * ENTRY_SIZE;
        uint32_t crc = nvs_image_crc32(0xFFFFFFFFu, e, ENTRY_CRC);
        crc = nvs_image_crc32(crc, e + ENTRY_KEY, ENTRY_SIZE - ENTRY_KEY);
        unsigned span = e[ENTRY_SPAN];
        if (crc != le32(e + ENTRY_CRC) || span == 0 || i + span > ENTRIES_PER_PAGE) {
            out->bad_entries++;
            i++;
            continue;
        }
        raw_entry_t entry = {
            .ns = e[ENTRY_NS], .type = e[ENTRY_TYPE], .chunk = e[ENTRY_CHUNK], .fixed = e + ENTRY_DATA,
        };
        memcpy(entry.key, e + ENTRY_KEY, 16);
        entry.key[15] = '\0';
        if (is_variable_length(entry.type)) {
            entry.data = e + ENTRY_SIZE;
            entry.length = le16(e + ENTRY_DATA);
            if (entry.length > (span - 1u) * ENTRY_SIZE
                || nvs_image_crc32(0xFFFFFFFFu, entry.data, entry.length) != le32(e + VARLEN_CRC)) {
                out->bad_entries++;
                i += span;
                continue;
            }
        }
        if (!keep_entry(entries, count, capacity, &entry)) {
            return false;
        }
        i += span;
    }
    return true;
}

static bool add_item(nvs_image_t *out, size_t *capacity, const nvs_image_item_t *item)
{
    if (out->count == *capacity) {
        size_t grown = *capacity ? *capacity * 2 : 32;
        nvs_image_item_t *more = realloc(out->items, grown * sizeof(*more));
        if (more == NULL) {
            return false;
        }
        out->items = more;
        *capacity = grown;
    }
    out->items[out->count++] = *item;
    return true;
}

/* Joins the BLOB_DATA chunks [start, start + chunk_count) of one blob; NULL when one is missing. */
static unsigned char *join_blob(const raw_entry_t *entries, size_t count, const raw_entry_t *index,
                                size_t *length)
{
    uint32_t size = le32(index->fixed);
    unsigned chunks = index->fixed[BLOB_IDX_COUNT - ENTRY_DATA];
    unsigned start = index->fixed[BLOB_IDX_START - ENTRY_DATA];
    unsigned char *blob = malloc(size ? size : 1u);
    if (blob == NULL) {
        return NULL;
    }
    size_t filled = 0;
    for (unsigned c = 0; c < chunks; c++) {
        const raw_entry_t *chunk = NULL;
        for (size_t j = 0; j < count; j++) {
            if (entries[j].type == NVS_IMAGE_TYPE_BLOB_DATA && entries[j].ns == index->ns
                && entries[j].chunk == start + c && strcmp(entries[j].key, index->key) == 0) {
                chunk = &entries[j];
            }
        }
        if (chunk == NULL || filled + chunk->length > size) {
            free(blob);
            return NULL;
        }
        memcpy(blob + filled, chunk->data, chunk->length);
        filled += chunk->length;
    }
    if (filled != size) {
        free(blob);
        return NULL;
    }
    *length = size;
    return blob;
}

static bool build_items(const raw_entry_t *entries, size_t count, nvs_image_t *out)
{
    size_t capacity = 0;
    for (size_t i = 0; i < count; i++) {
        const raw_entry_t *e = &entries[i];
        if (e->ns == 0 && e->type == NVS_IMAGE_TYPE_U8 && e->fixed[0] != 0 && e->fixed[0] != 0xFF) {
            memcpy(out->namespaces[e->fixed[0]], e->key, 16);
        }
    }
    for (size_t i = 0; i < count; i++) {
        const raw_entry_t *e = &entries[i];
        if (e->ns == 0 || e->ns == 0xFF || out->namespaces[e->ns][0] == '\0' || e->type == NVS_IMAGE_TYPE_BLOB_DATA) {
            continue;
        }
        nvs_image_item_t item = { .type = e->type };
        memcpy(item.namespace_name, out->namespaces[e->ns], 16);
        memcpy(item.key, e->key, 16);
        if (e->type == NVS_IMAGE_TYPE_BLOB_IDX) {
            item.type = NVS_IMAGE_TYPE_BLOB_V1;
            item.data = join_blob(entries, count, e, &item.length);
            if (item.data == NULL) {
                out->bad_entries++;
                continue;
            }
        } else if (is_variable_length(e->type)) {
            item.data = malloc(e->length ? e->length : 1u);
            if (item.data == NULL) {
                return false;
            }
            memcpy(item.data, e->data, e->length);
            item.length = e->length;
        } else {
            unsigned width = e->type & 0x0Fu;
            if (width != 1 && width != 2 && width != 4 && width != 8) {
                out->bad_entries++;
                continue;
            }
            for (unsigned b = 0; b < width; b++) {
                item.number |= (uint64_t)e->fixed[b] << (8u * b);
            }
        }
        if (!add_item(out, &capacity, &item)) {
            free(item.data);
            return false;
        }
    }
    return true;
}

bool nvs_image_parse(const unsigned char *bytes, size_t size, nvs_image_t *out)
{
    memset(out, 0, sizeof(*out));
    if (size == 0 || size % PAGE_SIZE != 0) {
        return false;
    }
    size_t page_count = size / PAGE_SIZE;
    page_ref_t *pages = calloc(page_count, sizeof(*pages));
    if (pages == NULL) {
        return false;
    }
    size_t used = 0;
    for (size_t p = 0; p < page_count; p++) {
        const unsigned char *page = bytes + p * PAGE_SIZE;
        uint32_t state = le32(page);
        if (state != PAGE_STATE_ACTIVE && state != PAGE_STATE_FULL && state != PAGE_STATE_FREEING) {
            continue;
        }
        if (nvs_image_crc32(0xFFFFFFFFu, page + PAGE_CRC_START, PAGE_CRC_OFFSET - PAGE_CRC_START)
            != le32(page + PAGE_CRC_OFFSET)) {
            out->bad_page_headers++;
            continue;
        }
        pages[used].bytes = page;
        pages[used].sequence = le32(page + 4);
        used++;
    }
    qsort(pages, used, sizeof(*pages), by_sequence);
    out->pages_used = (int)used;

    raw_entry_t *entries = NULL;
    size_t count = 0;
    size_t capacity = 0;
    bool ok = true;
    for (size_t p = 0; p < used && ok; p++) {
        ok = read_page(pages[p].bytes, out, &entries, &count, &capacity);
    }
    ok = ok && build_items(entries, count, out);
    free(entries);
    free(pages);
    if (!ok) {
        nvs_image_free(out);
    }
    return ok;
}

const nvs_image_item_t *nvs_image_find(const nvs_image_t *image, const char *namespace_name, const char *key)
{
    for (size_t i = 0; i < image->count; i++) {
        if (strcmp(image->items[i].namespace_name, namespace_name) == 0 && strcmp(image->items[i].key, key) == 0) {
            return &image->items[i];
        }
    }
    return NULL;
}

bool nvs_image_has_namespace(const nvs_image_t *image, const char *namespace_name)
{
    for (int i = 1; i < 255; i++) {
        if (strcmp(image->namespaces[i], namespace_name) == 0) {
            return true;
        }
    }
    return false;
}

void nvs_image_free(nvs_image_t *image)
{
    for (size_t i = 0; i < image->count; i++) {
        free(image->items[i].data);
    }
    free(image->items);
    memset(image, 0, sizeof(*image));
}

/* ---- writing ---- */

#define PAGE_VERSION_2 0xFEu

typedef struct {
    unsigned char *out;
    size_t pages;
    size_t page;    /* the page being filled */
    unsigned entry; /* its next free entry */
    bool started;
} nvs_writer_t;

static void put_le32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

static void page_header(unsigned char *page, uint32_t state, uint32_t sequence)
{
    put_le32(page, state);
    put_le32(page + 4, sequence);
    page[8] = PAGE_VERSION_2;
    memset(page + 9, 0xFF, PAGE_CRC_OFFSET - 9);
    put_le32(page + PAGE_CRC_OFFSET, nvs_image_crc32(0xFFFFFFFFu, page + PAGE_CRC_START,
                                                      PAGE_CRC_OFFSET - PAGE_CRC_START));
}

/* Room for `span` entries on the current page, else on a fresh one; the last page stays empty. */
static bool writer_reserve(nvs_writer_t *w, unsigned span)
{
    if (w->started && w->entry + span <= ENTRIES_PER_PAGE) {
        return true;
    }
    if (w->started) {
        page_header(w->out + w->page * PAGE_SIZE, PAGE_STATE_FULL, (uint32_t)w->page);
        w->page++;
    }
    if (w->page + 1 >= w->pages || span > ENTRIES_PER_PAGE) {
        return false;
    }
    w->started = true;
    w->entry = 0;
    page_header(w->out + w->page * PAGE_SIZE, PAGE_STATE_ACTIVE, (uint32_t)w->page);
    return true;
}

static unsigned entries_left(const nvs_writer_t *w)
{
    return w->started ? ENTRIES_PER_PAGE - w->entry : 0;
}

/* Writes one 32-byte entry (its CRC filled in) and marks it written. */
static void writer_put(nvs_writer_t *w, unsigned char *entry)
{
    uint32_t crc = nvs_image_crc32(0xFFFFFFFFu, entry, ENTRY_CRC);
    crc = nvs_image_crc32(crc, entry + ENTRY_KEY, ENTRY_SIZE - ENTRY_KEY);
    put_le32(entry + ENTRY_CRC, crc);
    unsigned char *page = w->out + w->page * PAGE_SIZE;
    memcpy(page + FIRST_ENTRY_OFFSET + w->entry * ENTRY_SIZE, entry, ENTRY_SIZE);
    unsigned char *bits = page + BITMAP_OFFSET + w->entry / 4u;
    unsigned shift = (w->entry % 4u) * 2u;
    *bits = (unsigned char)((*bits & ~(3u << shift)) | (ENTRY_STATE_WRITTEN << shift));
    w->entry++;
}

static void entry_init(unsigned char *e, uint8_t ns, uint8_t type, uint8_t span, uint8_t chunk, const char *key)
{
    memset(e, 0xFF, ENTRY_SIZE);
    e[ENTRY_NS] = ns;
    e[ENTRY_TYPE] = type;
    e[ENTRY_SPAN] = span;
    e[ENTRY_CHUNK] = chunk;
    memset(e + ENTRY_KEY, 0, 16);
    memcpy(e + ENTRY_KEY, key, strnlen(key, 15));
}

/* A variable-length entry (SZ or BLOB_DATA): header entry with size and data CRC, then the data entries. */
static bool writer_varlen(nvs_writer_t *w, uint8_t ns, uint8_t type, uint8_t chunk, const char *key,
                          const unsigned char *data, size_t length)
{
    unsigned span = 1u + (unsigned)((length + ENTRY_SIZE - 1u) / ENTRY_SIZE);
    if (!writer_reserve(w, span)) {
        return false;
    }
    unsigned char e[ENTRY_SIZE];
    entry_init(e, ns, type, (uint8_t)span, chunk, key);
    e[ENTRY_DATA] = (unsigned char)length;
    e[ENTRY_DATA + 1] = (unsigned char)(length >> 8);
    put_le32(e + VARLEN_CRC, nvs_image_crc32(0xFFFFFFFFu, data, length));
    writer_put(w, e);
    unsigned char *page = w->out + w->page * PAGE_SIZE;
    for (size_t at = 0; at < length; at += ENTRY_SIZE) {
        unsigned char *slot = page + FIRST_ENTRY_OFFSET + w->entry * ENTRY_SIZE;
        size_t n = length - at < ENTRY_SIZE ? length - at : ENTRY_SIZE;
        memset(slot, 0xFF, ENTRY_SIZE);
        memcpy(slot, data + at, n);
        unsigned char *bits = page + BITMAP_OFFSET + w->entry / 4u;
        unsigned shift = (w->entry % 4u) * 2u;
        *bits = (unsigned char)((*bits & ~(3u << shift)) | (ENTRY_STATE_WRITTEN << shift));
        w->entry++;
    }
    return true;
}

static int namespace_index(const char (*namespaces)[16], int count, const char *name)
{
    for (int i = 0; i < count; i++) {
        if (strncmp(namespaces[i], name, 15) == 0) {
            return i + 1;
        }
    }
    return 0;
}

static bool write_item(nvs_writer_t *w, uint8_t ns, const nvs_image_item_t *item)
{
    unsigned char e[ENTRY_SIZE];
    if (item->type == NVS_IMAGE_TYPE_SZ) {
        return writer_varlen(w, ns, NVS_IMAGE_TYPE_SZ, CHUNK_ANY, item->key, item->data, item->length);
    }
    if (item->type == NVS_IMAGE_TYPE_BLOB_V1) {
        /* chunks as large as the current page allows, each at least one data entry */
        size_t done = 0;
        unsigned chunks = 0;
        while (done < item->length) {
            if (entries_left(w) < 2 && !writer_reserve(w, ENTRIES_PER_PAGE)) {
                return false;
            }
            if (entries_left(w) < 2) {
                return false;
            }
            size_t room = (size_t)(entries_left(w) - 1u) * ENTRY_SIZE;
            size_t n = item->length - done < room ? item->length - done : room;
            if (chunks == 255 || !writer_varlen(w, ns, NVS_IMAGE_TYPE_BLOB_DATA, (uint8_t)chunks, item->key,
                                                item->data + done, n)) {
                return false;
            }
            done += n;
            chunks++;
        }
        if (!writer_reserve(w, 1)) {
            return false;
        }
        entry_init(e, ns, NVS_IMAGE_TYPE_BLOB_IDX, 1, CHUNK_ANY, item->key);
        put_le32(e + ENTRY_DATA, (uint32_t)item->length);
        e[BLOB_IDX_COUNT] = (unsigned char)chunks;
        e[BLOB_IDX_START] = 0;
        writer_put(w, e);
        return true;
    }
    unsigned width = item->type & 0x0Fu;
    if (width != 1 && width != 2 && width != 4 && width != 8) {
        return false;
    }
    if (!writer_reserve(w, 1)) {
        return false;
    }
    entry_init(e, ns, item->type, 1, CHUNK_ANY, item->key);
    for (unsigned b = 0; b < width; b++) {
        e[ENTRY_DATA + b] = (unsigned char)(item->number >> (8u * b));
    }
    writer_put(w, e);
    return true;
}

bool nvs_image_write(const nvs_image_item_t *items, size_t count, const char (*namespaces)[16], int namespace_count,
                     unsigned char *out, size_t size)
{
    memset(out, 0xFF, size);
    if (size % PAGE_SIZE != 0 || size < 2 * PAGE_SIZE || namespace_count > 254) {
        return false;
    }
    nvs_writer_t w = {.out = out, .pages = size / PAGE_SIZE};
    bool ok = true;
    for (int i = 0; i < namespace_count && ok; i++) {
        unsigned char e[ENTRY_SIZE];
        ok = writer_reserve(&w, 1);
        if (ok) {
            entry_init(e, 0, NVS_IMAGE_TYPE_U8, 1, CHUNK_ANY, namespaces[i]);
            e[ENTRY_DATA] = (unsigned char)(i + 1);
            writer_put(&w, e);
        }
    }
    for (size_t i = 0; i < count && ok; i++) {
        int ns = namespace_index(namespaces, namespace_count, items[i].namespace_name);
        ok = ns != 0 && write_item(&w, (uint8_t)ns, &items[i]);
    }
    if (!ok) {
        memset(out, 0xFF, size);
    }
    return ok;
}
