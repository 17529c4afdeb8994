/*
 * nvs.h and nvs_flash.h as ESP-IDF v5.5 implements them (components/nvs_flash/src), for the fakes and the
 * runtime alike. What each call does, and where ESP-IDF does it:
 *
 *  - nvs_flash_init_partition: a label over 16 bytes is ESP_ERR_INVALID_ARG; one the partition table lacks
 *    ESP_ERR_NOT_FOUND (partition_lookup::lookup_nvs_partition); an initialised one ESP_OK at once
 *    (NVSPartitionManager::init_partition).
 *  - nvs_open_from_partition: ESP_ERR_NVS_NOT_INITIALIZED when no partition is initialised at all,
 *    ESP_ERR_NVS_PART_NOT_FOUND when this one is not (NVSPartitionManager::open_handle). Namespaces match on
 *    their first 15 bytes; read-only never creates one (ESP_ERR_NVS_NOT_FOUND), read-write creates it,
 *    which refuses a name over 15 bytes as any key write does (Storage::createOrOpenNamespace).
 *  - Handles are numbered from a counter that only grows (nvs_api.cpp, NVSHandleEntry); an unknown or
 *    closed one is ESP_ERR_NVS_INVALID_HANDLE (nvs_find_ns_handle).
 *  - nvs_get_str / nvs_get_blob (nvs_get_str_or_blob): the item's size is found first, so a missing key is
 *    ESP_ERR_NVS_NOT_FOUND whatever else; then a NULL length is ESP_ERR_NVS_INVALID_LENGTH, a NULL buffer
 *    gets the size (a string's with its NUL), and a buffer shorter than the item is
 *    ESP_ERR_NVS_INVALID_LENGTH with *length set to the size needed; otherwise *length is the size read.
 *  - A key of another type is ESP_ERR_NVS_NOT_FOUND: the page's TYPE_MISMATCH does not leave
 *    Storage::findItem. Keys are compared over Item::MAX_KEY_LENGTH (15) bytes (Page::findItem), so a read
 *    with a longer key finds the item named by its first 15 bytes.
 *  - Writes (NVSHandleSimple::set_*): a read-only handle is ESP_ERR_NVS_READ_ONLY; Page::writeItem refuses
 *    a key over 15 bytes (ESP_ERR_NVS_KEY_TOO_LONG) and a string over 4000 bytes with its NUL
 *    (ESP_ERR_NVS_VALUE_TOO_LONG, Page::CHUNK_MAX_SIZE); a blob may be 508000 bytes. A key holds one item
 *    whatever its type: Storage::writeItem (without CONFIG_NVS_LEGACY_DUP_KEYS_COMPATIBILITY, the default)
 *    erases an older item of any type, except that a blob write only looks for an older blob.
 *  - nvs_flash_erase_partition closes the partition's handles, deinitialises and erases it; a label the
 *    partition table lacks is ESP_ERR_NOT_FOUND.
 * Not modelled: the space a partition has (no ESP_ERR_NVS_NOT_ENOUGH_SPACE), encryption, iterators. After each
 * change the build's host_nvs_changed runs (the runtime writes a flash-backed partition back to its file).
 */
#define _GNU_SOURCE /* memmem */
#include "nvs_store.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esp_log.h"
#include "nvs.h"
#include "nvs_flash.h"

#define MAX_PARTITIONS 8
#define MAX_NAMESPACES 254 /* namespace indexes 1..254 (Storage::createOrOpenNamespace) */
#define MAX_KEY_LENGTH 15  /* Item::MAX_KEY_LENGTH */
#define MAX_STRING_SIZE 4000 /* Page::CHUNK_MAX_SIZE, with the NUL */
#define MAX_BLOB_SIZE 508000

typedef struct {
    char label[NVS_PART_NAME_MAX_SIZE + 1];
    bool initialised;
    bool loaded; /* its contents were fetched (host_nvs_load) or erased since boot */
    bool encrypted; /* initialised with nvs_flash_secure_init_partition: its flash holds XTS-AES entries */
    nvs_sec_cfg_t keys;
    nvs_image_item_t *items;
    size_t count;
    size_t capacity;
    char namespaces[MAX_NAMESPACES][MAX_KEY_LENGTH + 1];
    int namespace_count;
} partition_t;

typedef struct {
    nvs_handle_t number;
    partition_t *partition;
    char namespace_name[MAX_KEY_LENGTH + 1];
    bool read_only;
} handle_t;

static partition_t s_partitions[MAX_PARTITIONS];
static int s_partition_count;
static handle_t *s_handles;
static size_t s_handle_count;
static size_t s_handle_capacity;
static nvs_handle_t s_last_handle;
static pthread_mutex_t s_lock;
static pthread_once_t s_lock_once = PTHREAD_ONCE_INIT;

static partition_t *add_partition(const char *label);

static void lock_init(void)
{
    /* every generated project's partition table has the default partition */
    add_partition(NVS_DEFAULT_PART_NAME);
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE); /* host_nvs_load puts items while locked */
    pthread_mutex_init(&s_lock, &attr);
    pthread_mutexattr_destroy(&attr);
}

static void lock(void)
{
    pthread_once(&s_lock_once, lock_init);
    pthread_mutex_lock(&s_lock);
}

static void unlock(void)
{
    pthread_mutex_unlock(&s_lock);
}

static esp_err_t unlocked(esp_err_t err)
{
    unlock();
    return err;
}

/* ESP-IDF dereferences a NULL key or name; a stand-in that went on would hide the bug. */
static void require(const void *pointer, const char *what)
{
    if (pointer == NULL) {
        fprintf(stderr, "nvs: %s is NULL (ESP-IDF would crash here)\n", what);
        abort();
    }
}

static partition_t *partition_named(const char *label)
{
    for (int i = 0; i < s_partition_count; i++) {
        if (strcmp(s_partitions[i].label, label) == 0) {
            return &s_partitions[i];
        }
    }
    return NULL;
}

static partition_t *add_partition(const char *label)
{
    partition_t *p = partition_named(label);
    if (p == NULL && s_partition_count < MAX_PARTITIONS && strlen(label) <= NVS_PART_NAME_MAX_SIZE) {
        p = &s_partitions[s_partition_count++];
        memset(p, 0, sizeof(*p));
        snprintf(p->label, sizeof(p->label), "%s", label);
    }
    return p;
}

bool host_nvs_add_partition(const char *label)
{
    lock();
    bool ok = add_partition(label) != NULL;
    unlock();
    return ok;
}

/* The namespace as the partition stores it, matched on its first 15 bytes; NULL when there is none. */
static const char *namespace_in(partition_t *p, const char *name)
{
    for (int i = 0; i < p->namespace_count; i++) {
        if (strncmp(name, p->namespaces[i], MAX_KEY_LENGTH) == 0) {
            return p->namespaces[i];
        }
    }
    return NULL;
}

static bool add_namespace(partition_t *p, const char *name)
{
    if (namespace_in(p, name) != NULL) {
        return true;
    }
    if (p->namespace_count == MAX_NAMESPACES) {
        return false;
    }
    snprintf(p->namespaces[p->namespace_count++], MAX_KEY_LENGTH + 1, "%s", name);
    return true;
}

static bool is_blob(uint8_t type)
{
    return type == NVS_IMAGE_TYPE_BLOB_V1 || type == NVS_IMAGE_TYPE_BLOB_IDX || type == NVS_IMAGE_TYPE_BLOB_DATA;
}

static void remove_item(partition_t *p, size_t index)
{
    free(p->items[index].data);
    p->items[index] = p->items[--p->count];
}

/* Removes the items of `key` in `ns`: those of `type` only, or of any type when `type` is 0. */
static void remove_items(partition_t *p, const char *ns, const char *key, uint8_t type)
{
    for (size_t i = p->count; i-- > 0;) {
        nvs_image_item_t *item = &p->items[i];
        if (strcmp(item->namespace_name, ns) == 0 && strcmp(item->key, key) == 0
            && (type == 0 || item->type == type)) {
            remove_item(p, i);
        }
    }
}

static bool append_item(partition_t *p, const nvs_image_item_t *item)
{
    if (p->count == p->capacity) {
        size_t grown = p->capacity ? p->capacity * 2 : 16;
        nvs_image_item_t *more = realloc(p->items, grown * sizeof(*more));
        if (more == NULL) {
            return false;
        }
        p->items = more;
        p->capacity = grown;
    }
    nvs_image_item_t copy = *item;
    copy.data = NULL;
    if (item->data != NULL) {
        copy.data = malloc(item->length ? item->length : 1u);
        if (copy.data == NULL) {
            return false;
        }
        memcpy(copy.data, item->data, item->length);
    }
    p->items[p->count++] = copy;
    return true;
}

bool host_nvs_put(const char *label, const nvs_image_item_t *item)
{
    lock();
    partition_t *p = add_partition(label);
    bool ok = p != NULL && add_namespace(p, item->namespace_name);
    if (ok) {
        uint8_t type = is_blob(item->type) ? NVS_IMAGE_TYPE_BLOB_V1 : item->type;
        remove_items(p, item->namespace_name, item->key, type);
        nvs_image_item_t stored = *item;
        stored.type = type;
        ok = append_item(p, &stored);
    }
    unlock();
    return ok;
}

bool host_nvs_serialize(const char *label, unsigned char *out, size_t size)
{
    lock();
    partition_t *p = partition_named(label);
    bool ok = p != NULL && nvs_image_write(p->items, p->count, (const char (*)[16])p->namespaces, p->namespace_count,
                                           out, size);
    unlock();
    return ok;
}

bool host_nvs_add_namespace(const char *label, const char *ns)
{
    lock();
    partition_t *p = add_partition(label);
    bool ok = p != NULL && add_namespace(p, ns);
    unlock();
    return ok;
}

static void close_handles_of(const partition_t *p)
{
    for (size_t i = s_handle_count; i-- > 0;) {
        if (p == NULL || s_handles[i].partition == p) {
            s_handles[i] = s_handles[--s_handle_count];
        }
    }
}

static void forget_contents(partition_t *p)
{
    for (size_t i = 0; i < p->count; i++) {
        free(p->items[i].data);
    }
    free(p->items);
    p->items = NULL;
    p->count = 0;
    p->capacity = 0;
    p->namespace_count = 0;
}

void host_nvs_reset(void)
{
    lock();
    close_handles_of(NULL);
    for (int i = 0; i < s_partition_count; i++) {
        forget_contents(&s_partitions[i]);
        s_partitions[i].initialised = false;
        s_partitions[i].loaded = false;
    }
    unlock();
}

int host_nvs_open_handles(void)
{
    lock();
    int n = (int)s_handle_count;
    unlock();
    return n;
}

int host_nvs_items_holding(const void *bytes, size_t length)
{
    int found = 0;
    lock();
    for (int i = 0; i < s_partition_count; i++) {
        const partition_t *p = &s_partitions[i];
        for (size_t j = 0; j < p->count; j++) {
            const nvs_image_item_t *item = &p->items[j];
            found += length > 0 && item->data != NULL && memmem(item->data, item->length, bytes, length) != NULL;
        }
    }
    unlock();
    return found;
}

/* ---- nvs_flash.h ---- */

static esp_err_t init_partition(const char *partition_label, const nvs_sec_cfg_t *keys);

esp_err_t nvs_flash_init_partition(const char *partition_label)
{
    return init_partition(partition_label, NULL);
}

/* As ESP-IDF: the partition's entries are read and written through XTS-AES with these keys from now on. */
esp_err_t nvs_flash_secure_init_partition(const char *partition_label, const nvs_sec_cfg_t *cfg)
{
    if (cfg == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    return init_partition(partition_label, cfg);
}

bool host_nvs_partition_keys(const char *label, nvs_sec_cfg_t *keys)
{
    lock();
    partition_t *p = partition_named(label);
    bool encrypted = p != NULL && p->encrypted;
    if (encrypted) {
        *keys = p->keys;
    }
    unlock();
    return encrypted;
}

static esp_err_t init_partition(const char *partition_label, const nvs_sec_cfg_t *keys)
{
    require(partition_label, "partition label");
    if (strlen(partition_label) > NVS_PART_NAME_MAX_SIZE) {
        return ESP_ERR_INVALID_ARG;
    }
    lock();
    partition_t *p = partition_named(partition_label);
    if (p == NULL) {
        return unlocked(ESP_ERR_NOT_FOUND);
    }
    if (p->initialised) {
        return unlocked(ESP_OK);
    }
    p->encrypted = keys != NULL;
    if (keys != NULL) {
        p->keys = *keys;
    } else {
        memset(&p->keys, 0, sizeof(p->keys));
    }
    if (!p->loaded) {
        esp_err_t err = host_nvs_load(partition_label);
        if (err != ESP_OK) {
            return unlocked(err);
        }
        p->loaded = true;
    }
    p->initialised = true;
    return unlocked(ESP_OK);
}

/* With CONFIG_NVS_ENCRYPTION (a -D of the host build, from the project's sdkconfig.defaults), ESP-IDF opens the
 * default partition encrypted with the default scheme's keys, making them first when it has none (an erased nvs_keys
 * partition, no HMAC key in eFuse). */
esp_err_t nvs_flash_init(void)
{
#if CONFIG_NVS_ENCRYPTION
    nvs_sec_scheme_t *scheme = nvs_flash_get_default_security_scheme();
    nvs_sec_cfg_t cfg;
    memset(&cfg, 0, sizeof(cfg));
    esp_err_t err = scheme == NULL ? ESP_ERR_NVS_XTS_CFG_NOT_FOUND : nvs_flash_read_security_cfg_v2(scheme, &cfg);
    if (err != ESP_OK && scheme != NULL) {
        /* what ESP-IDF's nvs_flash_init logs before it makes them */
        ESP_LOGW("nvs", "Failed to read NVS security cfg: [0x%02X] (%s)", (unsigned)err, esp_err_to_name(err));
        ESP_LOGI("nvs", "Generating NVS encr-keys...");
        err = nvs_flash_generate_keys_v2(scheme, &cfg);
    }
    if (err == ESP_OK) {
        err = nvs_flash_secure_init_partition(NVS_DEFAULT_PART_NAME, &cfg);
    }
    memset(&cfg, 0, sizeof(cfg));
    return err;
#else
    return nvs_flash_init_partition(NVS_DEFAULT_PART_NAME);
#endif
}

/* nvs_flash_deinit_partition: its handles are closed; ESP_ERR_NVS_NOT_INITIALIZED when it was not. */
esp_err_t nvs_flash_deinit(void)
{
    lock();
    partition_t *p = partition_named(NVS_DEFAULT_PART_NAME);
    if (p == NULL || !p->initialised) {
        return unlocked(ESP_ERR_NVS_NOT_INITIALIZED);
    }
    close_handles_of(p);
    p->initialised = false;
    return unlocked(ESP_OK);
}

esp_err_t nvs_flash_erase_partition(const char *part_name)
{
    require(part_name, "partition label");
    lock();
    partition_t *p = partition_named(part_name);
    if (p == NULL) {
        return unlocked(ESP_ERR_NOT_FOUND);
    }
    close_handles_of(p);
    p->initialised = false;
    forget_contents(p);
    p->loaded = true; /* erased flash: nothing to load any more */
    host_nvs_changed(p->label);
    return unlocked(ESP_OK);
}

esp_err_t nvs_flash_erase(void)
{
    return nvs_flash_erase_partition(NVS_DEFAULT_PART_NAME);
}

/* ---- nvs.h ---- */

esp_err_t nvs_open_from_partition(const char *part_name, const char *namespace_name, nvs_open_mode_t open_mode,
                                  nvs_handle_t *out_handle)
{
    require(part_name, "partition label");
    require(namespace_name, "namespace name");
    require(out_handle, "out_handle");
    lock();
    bool any_initialised = false;
    for (int i = 0; i < s_partition_count; i++) {
        any_initialised = any_initialised || s_partitions[i].initialised;
    }
    if (!any_initialised) {
        return unlocked(ESP_ERR_NVS_NOT_INITIALIZED);
    }
    partition_t *p = partition_named(part_name);
    if (p == NULL || !p->initialised) {
        return unlocked(ESP_ERR_NVS_PART_NOT_FOUND);
    }
    const char *ns = namespace_in(p, namespace_name);
    if (ns == NULL) {
        if (open_mode != NVS_READWRITE) {
            return unlocked(ESP_ERR_NVS_NOT_FOUND);
        }
        if (strlen(namespace_name) > MAX_KEY_LENGTH) {
            return unlocked(ESP_ERR_NVS_KEY_TOO_LONG);
        }
        if (!add_namespace(p, namespace_name)) {
            return unlocked(ESP_ERR_NVS_NOT_ENOUGH_SPACE);
        }
        ns = namespace_in(p, namespace_name);
        host_nvs_changed(p->label); /* a new namespace is an entry on flash */
    }
    if (s_handle_count == s_handle_capacity) {
        size_t grown = s_handle_capacity ? s_handle_capacity * 2 : 16;
        handle_t *more = realloc(s_handles, grown * sizeof(*more));
        if (more == NULL) {
            return unlocked(ESP_ERR_NO_MEM);
        }
        s_handles = more;
        s_handle_capacity = grown;
    }
    handle_t *h = &s_handles[s_handle_count++];
    *h = (handle_t){.number = ++s_last_handle, .partition = p, .read_only = open_mode == NVS_READONLY};
    snprintf(h->namespace_name, sizeof(h->namespace_name), "%s", ns);
    *out_handle = h->number;
    return unlocked(ESP_OK);
}

esp_err_t nvs_open(const char *namespace_name, nvs_open_mode_t open_mode, nvs_handle_t *out_handle)
{
    return nvs_open_from_partition(NVS_DEFAULT_PART_NAME, namespace_name, open_mode, out_handle);
}

static handle_t *handle_of(nvs_handle_t number)
{
    for (size_t i = 0; i < s_handle_count; i++) {
        if (s_handles[i].number == number) {
            return &s_handles[i];
        }
    }
    return NULL;
}

/* The item of `key` (compared over 15 bytes) and of `type` in the handle's namespace, or NULL. */
static const nvs_image_item_t *find(const handle_t *h, const char *key, uint8_t type)
{
    const partition_t *p = h->partition;
    for (size_t i = 0; i < p->count; i++) {
        const nvs_image_item_t *item = &p->items[i];
        if (item->type == type && strcmp(item->namespace_name, h->namespace_name) == 0
            && strncmp(key, item->key, MAX_KEY_LENGTH) == 0) {
            return item;
        }
    }
    return NULL;
}

static esp_err_t get_str_or_blob(nvs_handle_t handle, uint8_t type, const char *key, void *out_value,
                                 size_t *length)
{
    require(key, "key");
    lock();
    handle_t *h = handle_of(handle);
    if (h == NULL) {
        return unlocked(ESP_ERR_NVS_INVALID_HANDLE);
    }
    const nvs_image_item_t *item = find(h, key, type);
    if (item == NULL) {
        return unlocked(ESP_ERR_NVS_NOT_FOUND);
    }
    if (length == NULL) {
        return unlocked(ESP_ERR_NVS_INVALID_LENGTH);
    }
    if (out_value == NULL) {
        *length = item->length;
        return unlocked(ESP_OK);
    }
    if (*length < item->length) {
        *length = item->length;
        return unlocked(ESP_ERR_NVS_INVALID_LENGTH);
    }
    *length = item->length;
    memcpy(out_value, item->data, item->length);
    return unlocked(ESP_OK);
}

esp_err_t nvs_get_str(nvs_handle_t handle, const char *key, char *out_value, size_t *length)
{
    return get_str_or_blob(handle, NVS_IMAGE_TYPE_SZ, key, out_value, length);
}

esp_err_t nvs_get_blob(nvs_handle_t handle, const char *key, void *out_value, size_t *length)
{
    return get_str_or_blob(handle, NVS_IMAGE_TYPE_BLOB_V1, key, out_value, length);
}

static esp_err_t get_number(nvs_handle_t handle, const char *key, uint8_t type, uint64_t *out_value)
{
    require(key, "key");
    lock();
    handle_t *h = handle_of(handle);
    if (h == NULL) {
        return unlocked(ESP_ERR_NVS_INVALID_HANDLE);
    }
    const nvs_image_item_t *item = find(h, key, type);
    if (item == NULL) {
        return unlocked(ESP_ERR_NVS_NOT_FOUND);
    }
    *out_value = item->number;
    return unlocked(ESP_OK);
}

esp_err_t nvs_get_u32(nvs_handle_t handle, const char *key, uint32_t *out_value)
{
    uint64_t number = 0;
    esp_err_t err = get_number(handle, key, NVS_IMAGE_TYPE_U32, &number);
    if (err == ESP_OK) {
        *out_value = (uint32_t)number;
    }
    return err;
}

esp_err_t nvs_get_u8(nvs_handle_t handle, const char *key, uint8_t *out_value)
{
    uint64_t number = 0;
    esp_err_t err = get_number(handle, key, NVS_IMAGE_TYPE_U8, &number);
    if (err == ESP_OK) {
        *out_value = (uint8_t)number;
    }
    return err;
}

static esp_err_t set_item(nvs_handle_t handle, const char *key, uint8_t type, const void *value, size_t length)
{
    require(key, "key");
    lock();
    handle_t *h = handle_of(handle);
    if (h == NULL) {
        return unlocked(ESP_ERR_NVS_INVALID_HANDLE);
    }
    if (h->read_only) {
        return unlocked(ESP_ERR_NVS_READ_ONLY);
    }
    if (strlen(key) > MAX_KEY_LENGTH) {
        return unlocked(ESP_ERR_NVS_KEY_TOO_LONG);
    }
    if (length > (type == NVS_IMAGE_TYPE_SZ ? MAX_STRING_SIZE : MAX_BLOB_SIZE)) {
        return unlocked(ESP_ERR_NVS_VALUE_TOO_LONG);
    }
    nvs_image_item_t item = {.type = type, .data = (unsigned char *)value, .length = length};
    snprintf(item.namespace_name, sizeof(item.namespace_name), "%s", h->namespace_name);
    snprintf(item.key, sizeof(item.key), "%s", key);
    remove_items(h->partition, item.namespace_name, item.key, type == NVS_IMAGE_TYPE_BLOB_V1 ? type : 0);
    if (!append_item(h->partition, &item)) {
        return unlocked(ESP_ERR_NO_MEM);
    }
    host_nvs_changed(h->partition->label); /* ESP-IDF writes the item to flash in the set call */
    return unlocked(ESP_OK);
}

esp_err_t nvs_set_str(nvs_handle_t handle, const char *key, const char *value)
{
    require(value, "value");
    return set_item(handle, key, NVS_IMAGE_TYPE_SZ, value, strlen(value) + 1);
}

esp_err_t nvs_set_blob(nvs_handle_t handle, const char *key, const void *value, size_t length)
{
    return set_item(handle, key, NVS_IMAGE_TYPE_BLOB_V1, value, length);
}

esp_err_t nvs_set_u8(nvs_handle_t handle, const char *key, uint8_t value)
{
    /* a primitive: its bits in `number`, no data */
    require(key, "key");
    lock();
    handle_t *h = handle_of(handle);
    if (h == NULL) {
        return unlocked(ESP_ERR_NVS_INVALID_HANDLE);
    }
    if (h->read_only) {
        return unlocked(ESP_ERR_NVS_READ_ONLY);
    }
    if (strlen(key) > MAX_KEY_LENGTH) {
        return unlocked(ESP_ERR_NVS_KEY_TOO_LONG);
    }
    nvs_image_item_t item = {.type = NVS_IMAGE_TYPE_U8, .number = value};
    snprintf(item.namespace_name, sizeof(item.namespace_name), "%s", h->namespace_name);
    snprintf(item.key, sizeof(item.key), "%s", key);
    remove_items(h->partition, item.namespace_name, item.key, NVS_IMAGE_TYPE_U8);
    if (!append_item(h->partition, &item)) {
        return unlocked(ESP_ERR_NO_MEM);
    }
    host_nvs_changed(h->partition->label);
    return unlocked(ESP_OK);
}

/* ESP-IDF: erases the key whatever its type; ESP_ERR_NVS_NOT_FOUND when there is none. */
esp_err_t nvs_erase_key(nvs_handle_t handle, const char *key)
{
    require(key, "key");
    lock();
    handle_t *h = handle_of(handle);
    if (h == NULL) {
        return unlocked(ESP_ERR_NVS_INVALID_HANDLE);
    }
    if (h->read_only) {
        return unlocked(ESP_ERR_NVS_READ_ONLY);
    }
    partition_t *p = h->partition;
    size_t before = p->count;
    char name[MAX_KEY_LENGTH + 1];
    snprintf(name, sizeof(name), "%s", key);
    remove_items(p, h->namespace_name, name, 0);
    if (p->count == before) {
        return unlocked(ESP_ERR_NVS_NOT_FOUND);
    }
    host_nvs_changed(p->label);
    return unlocked(ESP_OK);
}

esp_err_t nvs_commit(nvs_handle_t handle)
{
    lock();
    return unlocked(handle_of(handle) == NULL ? ESP_ERR_NVS_INVALID_HANDLE : ESP_OK);
}

void nvs_close(nvs_handle_t handle)
{
    lock();
    for (size_t i = 0; i < s_handle_count; i++) {
        if (s_handles[i].number == handle) {
            s_handles[i] = s_handles[--s_handle_count];
            break;
        }
    }
    unlock();
}
