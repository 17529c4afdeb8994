/*
 * ESP-IDF's event loop (components/esp_event/esp_event.c), one implementation for the fakes and the runtime:
 * which handlers an event reaches and in what order, ESP_EVENT_ANY_BASE / ESP_EVENT_ANY_ID, registering a
 * handler again, unregistering (also from a handler while the loop runs). Used for the default event loop
 * (esp_event.h, in event_loop.c) and for each esp-mqtt client's own loop (mqtt_events.c).
 *
 * When the handlers run differs between the builds, and is the one thing each build supplies for the
 * default loop (host_default_loop_post): ESP-IDF runs them in its "sys_evt" task, as the runtime does;
 * the fakes run them at once, inside esp_event_post, so that a test stays deterministic.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "esp_event.h"

typedef struct host_event_loop host_event_loop_t;

host_event_loop_t *host_event_loop_create(void);
void host_event_loop_delete(host_event_loop_t *loop);

/* esp_event_handler_register_with (the legacy API): ESP_ERR_INVALID_ARG for ANY_BASE with a specific id. */
esp_err_t host_event_loop_register(host_event_loop_t *loop, esp_event_base_t base, int32_t id,
                                   esp_event_handler_t handler, void *arg);

/* esp_event_handler_unregister_with: ESP_ERR_NOT_FOUND when that handler is not registered for that event. */
esp_err_t host_event_loop_unregister(host_event_loop_t *loop, esp_event_base_t base, int32_t id,
                                     esp_event_handler_t handler);

/* Runs, in the calling thread, every handler the event reaches, in ESP-IDF's order; `data` as given (the
 * caller made the copy esp_event_post_to makes). False when no handler ran. */
bool host_event_loop_run(host_event_loop_t *loop, esp_event_base_t base, int32_t id, void *data);

/* The default loop, once esp_event_loop_create_default made it; NULL before. */
host_event_loop_t *host_default_loop(void);

/*
 * Supplied by each build: deliver an event posted to the default loop. `data` is the poster's data copied
 * (NULL when there was none); the callee runs the handlers with host_event_loop_run and then frees it.
 * Returns what esp_event_post returns (ESP_ERR_TIMEOUT when the loop's queue stayed full).
 */
esp_err_t host_default_loop_post(host_event_loop_t *loop, esp_event_base_t base, int32_t id, void *data,
                                 uint32_t ticks_to_wait);
