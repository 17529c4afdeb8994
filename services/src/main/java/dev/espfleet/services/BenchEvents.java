package dev.espfleet.services;

import dev.espfleet.bench.BenchListener;
import dev.espfleet.bench.eol.EndOfLinePlan;
import dev.espfleet.bench.UnitResult;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a front end hears from a bench run, besides each port's state and progress ({@link BenchListener}, from
 * the ports' own threads). The CLI prints these; a browser board renders them.
 */
public interface BenchEvents extends BenchListener {
    /** No Wi-Fi credentials were given, and the firmware reads them from the identity image: it halts at boot. */
    default void noWifiCredentials() {
    }

    /**
     * The run starts.
     *
     * @param ledger the ledger as it may be shown (no password)
     * @param firmware a build's images are written too, not just the identity
     */
    default void started(int ports, String ledger, Path units, boolean firmware) {
    }

    /** Simulated ports: their firmware is being built (or taken from {@code cache}) before the run. */
    default void buildingSimulatedFirmware(Path cache) {
    }

    /**
     * The end-of-line test every unit passes before it is done ({@link dev.espfleet.bench.eol.EndOfLineMode#NONE}:
     * none); {@code endpoint} is the broker the identities name.
     */
    default void endOfLine(EndOfLinePlan plan, String endpoint) {
    }

    /** Asked to stop: no new board is taken; the boards in flight get {@code grace} to finish. */
    default void stopping(Duration grace) {
    }

    /** The grace ran out: the ports of the boards still in flight are closed. */
    default void closingPorts() {
    }

    /** Every port is done: the result of every board, in port order. */
    default void benchFinished(List<UnitResult> results) {
    }

    /** A record was written to the audit log (and forced to disk): its time, event and fields. */
    default void audited(Instant time, String event, Map<String, ?> fields) {
    }

    /**
     * An operator's action was taken (and audited): {@code pause}, {@code resume} or {@code retry} of a port,
     * or {@code stop} (after the boards in flight).
     */
    default void operatorAction(String action, Optional<String> port, Operator by) {
    }

    /**
     * One listener that tells each of {@code listeners} every event, in the order given: the terminal and a
     * browser board watching one run. Every method of this interface is forwarded, those added later too.
     */
    static BenchEvents fanOut(BenchEvents... listeners) {
        List<BenchEvents> all = List.of(listeners);
        return (BenchEvents) java.lang.reflect.Proxy.newProxyInstance(BenchEvents.class.getClassLoader(),
                new Class<?>[] {BenchEvents.class}, (proxy, method, args) -> {
                    if (method.getDeclaringClass() == Object.class) {
                        return switch (method.getName()) {
                            case "equals" -> proxy == args[0];
                            case "hashCode" -> System.identityHashCode(proxy);
                            default -> "fanOut" + all;
                        };
                    }
                    for (BenchEvents listener : all) {
                        try {
                            method.invoke(listener, args);
                        } catch (java.lang.reflect.InvocationTargetException e) {
                            throw e.getCause();
                        }
                    }
                    return null;
                });
    }
}
