#include "backoff.h"

/* Uniform in [0, bound] from 32 random bits, by multiply-shift (no modulo bias worth the name). */
static uint32_t uniform_upto(uint32_t bound, backoff_random_fn random, void *ctx)
{
    uint64_t r = random(ctx);
    return (uint32_t)((r * ((uint64_t)bound + 1u)) >> 32);
}

uint32_t backoff_base_delay_ms(const backoff_policy_t *policy, uint32_t attempt)
{
    uint64_t delay = policy->initial_ms;
    uint32_t multiplier = policy->multiplier < 1u ? 1u : policy->multiplier;
    for (uint32_t i = 0; i < attempt && delay < policy->max_ms; i++) {
        delay *= multiplier;
        if (multiplier == 1u) {
            break;
        }
    }
    return delay > policy->max_ms ? policy->max_ms : (uint32_t)delay;
}

uint32_t backoff_delay_ms(const backoff_policy_t *policy, uint32_t attempt,
                          backoff_random_fn random, void *ctx)
{
    uint32_t delay = backoff_base_delay_ms(policy, attempt);
    switch (policy->jitter) {
    case BACKOFF_JITTER_FULL:
        return uniform_upto(delay, random, ctx);
    case BACKOFF_JITTER_EQUAL: {
        uint32_t half = delay / 2u;
        return half + uniform_upto(delay - half, random, ctx);
    }
    case BACKOFF_JITTER_PROPORTIONAL: {
        uint32_t percent = policy->jitter_percent > 100u ? 100u : policy->jitter_percent;
        uint32_t spread = (uint32_t)(((uint64_t)delay * percent) / 100u);
        uint64_t high = (uint64_t)delay + spread;
        if (high > policy->max_ms) {
            high = policy->max_ms;
        }
        uint32_t low = delay - spread;
        return low + uniform_upto((uint32_t)(high - low), random, ctx);
    }
    case BACKOFF_JITTER_NONE:
    default:
        return delay;
    }
}
