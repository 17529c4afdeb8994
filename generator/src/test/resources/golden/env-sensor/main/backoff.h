/*
 * Reconnect backoff: exponential growth, a hard cap and jitter, as one pure function.
 *
 * The delay for attempt n (0-based) is min(cap, initial * multiplier^n), then jittered so that a fleet
 * that lost its broker at the same moment does not come back at the same moment. The random source is
 * a parameter so that host tests can seed it; on the device it is esp_random().
 */
#pragma once

#include <stdint.h>

typedef enum {
    BACKOFF_JITTER_NONE = 0,     /* exactly the exponential delay */
    BACKOFF_JITTER_FULL,         /* uniform in [0, delay] (AWS "full jitter") */
    BACKOFF_JITTER_EQUAL,        /* delay/2 + uniform in [0, delay/2] */
    BACKOFF_JITTER_PROPORTIONAL, /* delay +/- jitter_percent %, never above the cap */
} backoff_jitter_t;

typedef struct {
    uint32_t initial_ms;
    uint32_t max_ms;
    uint32_t multiplier;
    backoff_jitter_t jitter;
    uint32_t jitter_percent; /* PROPORTIONAL only, 0..100 */
} backoff_policy_t;

/* Returns 32 random bits; ctx is passed through unchanged. */
typedef uint32_t (*backoff_random_fn)(void *ctx);

/* The capped exponential delay for `attempt`, before jitter. Never overflows. */
uint32_t backoff_base_delay_ms(const backoff_policy_t *policy, uint32_t attempt);

/* The delay to wait before reconnect attempt `attempt`; always <= policy->max_ms. */
uint32_t backoff_delay_ms(const backoff_policy_t *policy, uint32_t attempt,
                          backoff_random_fn random, void *ctx);
