package dev.espfleet.aws;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.interceptor.SdkExecutionAttribute;

/**
 * Spaces the calls of each operation to its rate ({@link ControlPlaneQuotas}): before every attempt, retries
 * included, a call waits until 1/TPS has passed since the previous call of the same operation was let through.
 * One limiter serves every client and thread of the process. Each wait is short (at most 1/TPS per call queued
 * ahead) and the SDK's call timeout bounds the whole call.
 */
public final class ControlPlaneRateLimiter implements ExecutionInterceptor {
    private final ToDoubleFunction<String> tps;
    private final Map<String, Long> nextSlot = new ConcurrentHashMap<>();
    private final Map<String, Integer> calls = new ConcurrentHashMap<>();

    public ControlPlaneRateLimiter(ToDoubleFunction<String> tps) {
        this.tps = tps;
    }

    /** The limiter at AWS IoT's published rates. */
    public static ControlPlaneRateLimiter published() {
        return new ControlPlaneRateLimiter(ControlPlaneQuotas::tps);
    }

    @Override
    public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
        String operation = attributes.getAttribute(SdkExecutionAttribute.OPERATION_NAME);
        if (operation == null) {
            return;
        }
        calls.merge(operation, 1, Integer::sum);
        long wait = reserve(operation, System.nanoTime());
        if (wait > 0) {
            try {
                Thread.sleep(Duration.ofNanos(wait).toMillis(), (int) (wait % 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Takes the next free slot of {@code operation}; returns how long to wait for it, in nanoseconds. */
    long reserve(String operation, long now) {
        long spacing = (long) (1e9 / tps.applyAsDouble(operation));
        long[] wait = new long[1];
        nextSlot.compute(operation, (op, next) -> {
            long slot = next == null || next < now ? now : next;
            wait[0] = slot - now;
            return slot + spacing;
        });
        return wait[0];
    }

    /** How many attempts of each operation went out (for reports and tests). */
    public Map<String, Integer> attempts() {
        return Map.copyOf(calls);
    }
}
