/*
 * The event loop of ESP-IDF v5.5 (components/esp_event/esp_event.c, default_event_loop.c), written for the
 * host from what that code does:
 *
 *  - Registrations live in the same shape as ESP-IDF keeps them: a list of loop nodes, each with its
 *    loop-level handlers (ESP_EVENT_ANY_BASE, ESP_EVENT_ANY_ID) and a list of base nodes; a base node has
 *    its base-level handlers (ESP_EVENT_ANY_ID) and a list of id nodes. A handler goes into the last loop
 *    node, except that a loop-level handler opens a new loop node once the last one has base nodes, and a
 *    base-level handler opens a new base node once the base (or the last base node) has id nodes
 *    (esp_event_handler_register_with_internal, loop_node_add_handler). Running an event walks loop nodes,
 *    then loop-level handlers, then the matching base nodes' handlers and id handlers (esp_event_loop_run),
 *    so handlers run in the order they were registered across those levels.
 *  - ESP_EVENT_ANY_BASE with a specific id is refused (ESP_ERR_INVALID_ARG), to register or unregister.
 *  - The legacy API registers a handler once per list: registering it again there only replaces its
 *    argument (handler_instances_add).
 *  - A handler unregistered by a handler while the loop runs an event is marked and skipped, and removed
 *    afterwards (find_and_unregister_handler); otherwise it is removed at once, and an emptied node with
 *    it. From another task, ESP-IDF also defers the removal (to a cleanup event) while the loop is busy;
 *    the host waits for the event in progress instead, so that the handler is gone when the call returns
 *    (what ESP-IDF gives a moment later, without a window for a registration to land in a node the
 *    cleanup is about to empty).
 *  - esp_event_post refuses ANY_BASE or ANY_ID and copies the event's data for the handlers; nothing can be
 *    registered or posted before esp_event_loop_create_default, which makes the default loop once.
 */
#include "event_loop.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct handler_node {
    esp_event_handler_t handler;
    void *arg;
    bool unregistered; /* while the loop runs: skipped, removed afterwards */
    struct handler_node *next;
} handler_node_t;

typedef struct id_node {
    int32_t id;
    handler_node_t *handlers;
    struct id_node *next;
} id_node_t;

typedef struct base_node {
    esp_event_base_t base;
    handler_node_t *handlers; /* ESP_EVENT_ANY_ID */
    id_node_t *ids;
    struct base_node *next;
} base_node_t;

typedef struct loop_node {
    handler_node_t *handlers; /* ESP_EVENT_ANY_BASE, ESP_EVENT_ANY_ID */
    base_node_t *bases;
    struct loop_node *next;
} loop_node_t;

struct host_event_loop {
    pthread_mutex_t lock; /* held while the nodes change or are read, never while a handler runs */
    pthread_cond_t idle;  /* signalled when no run is under way any more */
    loop_node_t *nodes;
    int running;          /* host_event_loop_run calls under way */
    bool sweep;           /* handlers were marked unregistered while running */
};

static __thread int t_running; /* host_event_loop_run calls under way in this thread (any loop) */

host_event_loop_t *host_event_loop_create(void)
{
    host_event_loop_t *loop = calloc(1, sizeof(*loop));
    if (loop != NULL) {
        pthread_mutex_init(&loop->lock, NULL);
        pthread_cond_init(&loop->idle, NULL);
    }
    return loop;
}

static void free_handlers(handler_node_t *h)
{
    while (h != NULL) {
        handler_node_t *next = h->next;
        free(h);
        h = next;
    }
}

void host_event_loop_delete(host_event_loop_t *loop)
{
    if (loop == NULL) {
        return;
    }
    for (loop_node_t *l = loop->nodes; l != NULL;) {
        for (base_node_t *b = l->bases; b != NULL;) {
            for (id_node_t *i = b->ids; i != NULL;) {
                id_node_t *next = i->next;
                free_handlers(i->handlers);
                free(i);
                i = next;
            }
            base_node_t *next = b->next;
            free_handlers(b->handlers);
            free(b);
            b = next;
        }
        loop_node_t *next = l->next;
        free_handlers(l->handlers);
        free(l);
        l = next;
    }
    pthread_mutex_destroy(&loop->lock);
    pthread_cond_destroy(&loop->idle);
    free(loop);
}

/* handler_instances_add, legacy: once per list; again only replaces the argument. */
static esp_err_t add_handler(handler_node_t **list, esp_event_handler_t handler, void *arg)
{
    handler_node_t **tail = list;
    for (handler_node_t *h = *list; h != NULL; h = h->next) {
        if (h->handler == handler && !h->unregistered) {
            h->arg = arg;
            return ESP_OK;
        }
        tail = &h->next;
    }
    handler_node_t *node = calloc(1, sizeof(*node));
    if (node == NULL) {
        return ESP_ERR_NO_MEM;
    }
    node->handler = handler;
    node->arg = arg;
    *tail = node;
    return ESP_OK;
}

/* base_node_add_handler */
static esp_err_t add_to_base(base_node_t *base, int32_t id, esp_event_handler_t handler, void *arg)
{
    if (id == ESP_EVENT_ANY_ID) {
        return add_handler(&base->handlers, handler, arg);
    }
    id_node_t *found = NULL;
    id_node_t **tail = &base->ids;
    for (id_node_t *i = base->ids; i != NULL; i = i->next) {
        if (i->id == id) {
            found = i;
        }
        tail = &i->next;
    }
    if (found == NULL) {
        found = calloc(1, sizeof(*found));
        if (found == NULL) {
            return ESP_ERR_NO_MEM;
        }
        found->id = id;
        *tail = found;
    }
    return add_handler(&found->handlers, handler, arg);
}

/* loop_node_add_handler */
static esp_err_t add_to_loop_node(loop_node_t *node, esp_event_base_t base, int32_t id,
                                  esp_event_handler_t handler, void *arg)
{
    if (base == ESP_EVENT_ANY_BASE && id == ESP_EVENT_ANY_ID) {
        return add_handler(&node->handlers, handler, arg);
    }
    base_node_t *found = NULL;
    base_node_t *last = NULL;
    for (base_node_t *b = node->bases; b != NULL; b = b->next) {
        if (b->base == base) {
            found = b;
        }
        last = b;
    }
    bool new_node = last == NULL || found == NULL || (found->ids != NULL && id == ESP_EVENT_ANY_ID)
                    || (last->base != base && last->ids != NULL && id == ESP_EVENT_ANY_ID);
    if (new_node) {
        found = calloc(1, sizeof(*found));
        if (found == NULL) {
            return ESP_ERR_NO_MEM;
        }
        found->base = base;
        esp_err_t err = add_to_base(found, id, handler, arg);
        if (err != ESP_OK) {
            free(found);
            return err;
        }
        if (last == NULL) {
            node->bases = found;
        } else {
            last->next = found;
        }
        return ESP_OK;
    }
    return add_to_base(found, id, handler, arg);
}

esp_err_t host_event_loop_register(host_event_loop_t *loop, esp_event_base_t base, int32_t id,
                                   esp_event_handler_t handler, void *arg)
{
    if (loop == NULL || handler == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    if (base == ESP_EVENT_ANY_BASE && id != ESP_EVENT_ANY_ID) {
        return ESP_ERR_INVALID_ARG; /* "registering to any event base with specific id unsupported" */
    }
    pthread_mutex_lock(&loop->lock);
    loop_node_t *last = NULL;
    for (loop_node_t *l = loop->nodes; l != NULL; l = l->next) {
        last = l;
    }
    bool loop_level = base == ESP_EVENT_ANY_BASE && id == ESP_EVENT_ANY_ID;
    esp_err_t err;
    if (last == NULL || (last->bases != NULL && loop_level)) {
        loop_node_t *node = calloc(1, sizeof(*node));
        err = node == NULL ? ESP_ERR_NO_MEM : add_to_loop_node(node, base, id, handler, arg);
        if (err == ESP_OK) {
            if (last == NULL) {
                loop->nodes = node;
            } else {
                last->next = node;
            }
        } else {
            free(node);
        }
    } else {
        err = add_to_loop_node(last, base, id, handler, arg);
    }
    pthread_mutex_unlock(&loop->lock);
    return err;
}

/* Removes (or, while the loop runs, marks) `handler` from a list; ESP_ERR_NOT_FOUND when it is not there. */
static esp_err_t remove_handler(host_event_loop_t *loop, handler_node_t **list, esp_event_handler_t handler)
{
    for (handler_node_t **at = list; *at != NULL; at = &(*at)->next) {
        handler_node_t *h = *at;
        if (h->handler != handler || h->unregistered) {
            continue;
        }
        if (loop->running > 0) {
            h->unregistered = true;
            loop->sweep = true;
        } else {
            *at = h->next;
            free(h);
        }
        return ESP_OK;
    }
    return ESP_ERR_NOT_FOUND;
}

/* Frees the nodes left empty (ESP-IDF removes a node that its last handler leaves). */
static void prune(host_event_loop_t *loop)
{
    for (loop_node_t **l = &loop->nodes; *l != NULL;) {
        for (base_node_t **b = &(*l)->bases; *b != NULL;) {
            for (id_node_t **i = &(*b)->ids; *i != NULL;) {
                if ((*i)->handlers == NULL) {
                    id_node_t *gone = *i;
                    *i = gone->next;
                    free(gone);
                } else {
                    i = &(*i)->next;
                }
            }
            if ((*b)->handlers == NULL && (*b)->ids == NULL) {
                base_node_t *gone = *b;
                *b = gone->next;
                free(gone);
            } else {
                b = &(*b)->next;
            }
        }
        if ((*l)->handlers == NULL && (*l)->bases == NULL) {
            loop_node_t *gone = *l;
            *l = gone->next;
            free(gone);
        } else {
            l = &(*l)->next;
        }
    }
}

static void sweep_list(handler_node_t **list)
{
    for (handler_node_t **at = list; *at != NULL;) {
        if ((*at)->unregistered) {
            handler_node_t *gone = *at;
            *at = gone->next;
            free(gone);
        } else {
            at = &(*at)->next;
        }
    }
}

/* Removes the handlers marked while the loop ran. */
static void sweep(host_event_loop_t *loop)
{
    for (loop_node_t *l = loop->nodes; l != NULL; l = l->next) {
        sweep_list(&l->handlers);
        for (base_node_t *b = l->bases; b != NULL; b = b->next) {
            sweep_list(&b->handlers);
            for (id_node_t *i = b->ids; i != NULL; i = i->next) {
                sweep_list(&i->handlers);
            }
        }
    }
    loop->sweep = false;
    prune(loop);
}

esp_err_t host_event_loop_unregister(host_event_loop_t *loop, esp_event_base_t base, int32_t id,
                                     esp_event_handler_t handler)
{
    if (loop == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    if (base == ESP_EVENT_ANY_BASE && id != ESP_EVENT_ANY_ID) {
        return ESP_ERR_INVALID_ARG; /* "unregistering to any event base with specific id unsupported" */
    }
    pthread_mutex_lock(&loop->lock);
    while (loop->running > 0 && t_running == 0) {
        pthread_cond_wait(&loop->idle, &loop->lock); /* another task runs the loop: its event first */
    }
    esp_err_t err = ESP_ERR_NOT_FOUND;
    /* loop_remove_handler: the first loop node that holds it */
    for (loop_node_t *l = loop->nodes; l != NULL && err != ESP_OK; l = l->next) {
        if (base == ESP_EVENT_ANY_BASE) {
            err = remove_handler(loop, &l->handlers, handler);
            continue;
        }
        for (base_node_t *b = l->bases; b != NULL && err != ESP_OK; b = b->next) {
            if (b->base != base) {
                continue;
            }
            if (id == ESP_EVENT_ANY_ID) {
                err = remove_handler(loop, &b->handlers, handler);
                continue;
            }
            for (id_node_t *i = b->ids; i != NULL && err != ESP_OK; i = i->next) {
                if (i->id == id) {
                    err = remove_handler(loop, &i->handlers, handler);
                }
            }
        }
    }
    if (err == ESP_OK && loop->running == 0) {
        prune(loop);
    }
    pthread_mutex_unlock(&loop->lock);
    return err;
}

/* The handlers an event reaches, in esp_event_loop_run's order (grows `out`). */
static size_t collect(host_event_loop_t *loop, esp_event_base_t base, int32_t id, handler_node_t ***out)
{
    size_t count = 0;
    size_t capacity = 0;
    handler_node_t **found = NULL;
#define TAKE(list)                                                                  \
    for (handler_node_t *h = (list); h != NULL; h = h->next) {                      \
        if (count == capacity) {                                                    \
            capacity = capacity ? capacity * 2 : 8;                                 \
            handler_node_t **more = realloc(found, capacity * sizeof(*found));      \
            if (more == NULL) {                                                     \
                abort();                                                            \
            }                                                                       \
            found = more;                                                           \
        }                                                                           \
        found[count++] = h;                                                         \
    }
    for (loop_node_t *l = loop->nodes; l != NULL; l = l->next) {
        TAKE(l->handlers)
        for (base_node_t *b = l->bases; b != NULL; b = b->next) {
            if (b->base != base) {
                continue;
            }
            TAKE(b->handlers)
            for (id_node_t *i = b->ids; i != NULL; i = i->next) {
                if (i->id == id) {
                    TAKE(i->handlers)
                    break; /* "skip to next base node" */
                }
            }
        }
    }
#undef TAKE
    *out = found;
    return count;
}

bool host_event_loop_run(host_event_loop_t *loop, esp_event_base_t base, int32_t id, void *data)
{
    pthread_mutex_lock(&loop->lock);
    loop->running++;
    t_running++;
    handler_node_t **handlers = NULL;
    size_t count = collect(loop, base, id, &handlers);
    pthread_mutex_unlock(&loop->lock);
    bool ran = false;
    for (size_t n = 0; n < count; n++) {
        pthread_mutex_lock(&loop->lock);
        bool skip = handlers[n]->unregistered;
        esp_event_handler_t handler = handlers[n]->handler;
        void *arg = handlers[n]->arg;
        pthread_mutex_unlock(&loop->lock);
        if (!skip) {
            handler(arg, base, id, data);
            ran = true;
        }
    }
    free(handlers);
    pthread_mutex_lock(&loop->lock);
    t_running--;
    if (--loop->running == 0) {
        if (loop->sweep) {
            sweep(loop);
        }
        pthread_cond_broadcast(&loop->idle);
    }
    pthread_mutex_unlock(&loop->lock);
    return ran;
}

/* ---- the default event loop (esp_event.h) ---- */

static host_event_loop_t *s_default;
static pthread_mutex_t s_default_lock = PTHREAD_MUTEX_INITIALIZER;

host_event_loop_t *host_default_loop(void)
{
    pthread_mutex_lock(&s_default_lock);
    host_event_loop_t *loop = s_default;
    pthread_mutex_unlock(&s_default_lock);
    return loop;
}

esp_err_t esp_event_loop_create_default(void)
{
    pthread_mutex_lock(&s_default_lock);
    esp_err_t err = ESP_ERR_INVALID_STATE;
    if (s_default == NULL) {
        s_default = host_event_loop_create();
        err = s_default != NULL ? ESP_OK : ESP_ERR_NO_MEM;
    }
    pthread_mutex_unlock(&s_default_lock);
    return err;
}

/* Its handlers go with it (esp_event_loop_delete); ESP_ERR_INVALID_STATE when there is none. */
esp_err_t esp_event_loop_delete_default(void)
{
    pthread_mutex_lock(&s_default_lock);
    host_event_loop_t *loop = s_default;
    s_default = NULL;
    pthread_mutex_unlock(&s_default_lock);
    if (loop == NULL) {
        return ESP_ERR_INVALID_STATE;
    }
    host_event_loop_delete(loop);
    return ESP_OK;
}

esp_err_t esp_event_handler_register(esp_event_base_t event_base, int32_t event_id,
                                     esp_event_handler_t event_handler, void *event_handler_arg)
{
    host_event_loop_t *loop = host_default_loop();
    if (loop == NULL) {
        return ESP_ERR_INVALID_STATE;
    }
    return host_event_loop_register(loop, event_base, event_id, event_handler, event_handler_arg);
}

esp_err_t esp_event_handler_unregister(esp_event_base_t event_base, int32_t event_id,
                                       esp_event_handler_t event_handler)
{
    host_event_loop_t *loop = host_default_loop();
    if (loop == NULL) {
        return ESP_ERR_INVALID_STATE;
    }
    return host_event_loop_unregister(loop, event_base, event_id, event_handler);
}

esp_err_t esp_event_post(esp_event_base_t event_base, int32_t event_id, const void *event_data,
                         size_t event_data_size, uint32_t ticks_to_wait)
{
    host_event_loop_t *loop = host_default_loop();
    if (loop == NULL) {
        return ESP_ERR_INVALID_STATE;
    }
    if (event_base == ESP_EVENT_ANY_BASE || event_id == ESP_EVENT_ANY_ID) {
        return ESP_ERR_INVALID_ARG;
    }
    void *copy = NULL;
    if (event_data != NULL && event_data_size != 0) {
        copy = malloc(event_data_size); /* esp_event_post_to: "make persistent copy of event data on heap" */
        if (copy == NULL) {
            return ESP_ERR_NO_MEM;
        }
        memcpy(copy, event_data, event_data_size);
    }
    return host_default_loop_post(loop, event_base, event_id, copy, ticks_to_wait);
}
