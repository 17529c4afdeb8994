package dev.espfleet.bench.console;

import java.math.BigDecimal;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What a device reports over its console (docs/console-protocol.md, "Device to bench"): its {@link Hello},
 * a {@link StateReport} per milestone, a {@link FailReport} per failure. Decoded from a valid frame; a frame of a
 * kind the bench does not know is no report (a later protocol may add kinds), and fields it does not know are
 * left alone.
 */
public sealed interface DeviceReport permits Hello, StateReport, FailReport {

    /** Why a frame that arrived whole (its CRC and JSON good) is still not a report of protocol v1. */
    final class Invalid extends Exception {
        Invalid(String message) {
            super(message, null, false, false);
        }
    }

    /** The report a frame carries; empty for a kind the bench does not know (and for its own {@code query}). */
    static Optional<DeviceReport> decode(ConsoleFrame frame) throws Invalid {
        Fields f = new Fields(frame);
        return switch (frame.kind()) {
            case ConsoleProtocol.HELLO -> Optional.of(new Hello(f.number("proto").orElseThrow(() -> f.missing("proto")),
                    f.string("project"), f.requiredString("fw"), f.string("idf"), f.string("chip"),
                    f.requiredString("mac"), f.nullableString("thing"), f.nullableString("cert_sha256"),
                    f.string("endpoint"), f.number("boot"), f.number("uptime_ms")));
            case ConsoleProtocol.STATE -> {
                String name = f.requiredString("milestone");
                yield Optional.of(new StateReport(name, Milestone.of(name), f.string("thing"), f.number("uptime_ms")));
            }
            case ConsoleProtocol.FAIL -> Optional.of(new FailReport(f.requiredString("stage"), f.string("err"),
                    f.number("code"), f.number("tls"), f.number("errno"), f.string("detail"), f.number("uptime_ms")));
            default -> Optional.empty();
        };
    }

    /** Typed access to a frame's fields; a field of the wrong type is {@link Invalid}, naming it. */
    final class Fields {
        private final ConsoleFrame frame;

        Fields(ConsoleFrame frame) {
            this.frame = frame;
        }

        Invalid missing(String key) {
            return new Invalid(frame.kind() + " has no \"" + key + "\"");
        }

        private Invalid wrongType(String key, String expected) {
            Object v = frame.body().get(key);
            String got = v instanceof String s ? "\"" + s + "\"" : String.valueOf(v);
            return new Invalid(frame.kind() + " \"" + key + "\": expected " + expected + ", got " + got);
        }

        /** Absent or null: empty. */
        Optional<String> string(String key) throws Invalid {
            Object v = frame.body().get(key);
            if (v == null) {
                return Optional.empty();
            }
            if (!(v instanceof String s)) {
                throw wrongType(key, "a string");
            }
            return Optional.of(s);
        }

        String requiredString(String key) throws Invalid {
            if (!frame.body().containsKey(key)) {
                throw missing(key);
            }
            return string(key).orElseThrow(() -> wrongType(key, "a string"));
        }

        /** Present, a string or null (the device says it has none). */
        Optional<String> nullableString(String key) throws Invalid {
            if (!frame.body().containsKey(key)) {
                throw missing(key);
            }
            return string(key);
        }

        /** An integer (that fits 64 bits; {@code 2.0} is 2); absent or null: empty. */
        OptionalLong number(String key) throws Invalid {
            Object v = frame.body().get(key);
            if (v == null) {
                return OptionalLong.empty();
            }
            if (!(v instanceof Number n)) {
                throw wrongType(key, "an integer");
            }
            try {
                return OptionalLong.of(new BigDecimal(n.toString()).longValueExact());
            } catch (ArithmeticException e) {
                throw wrongType(key, "an integer");
            }
        }

        Map<String, Object> body() {
            return frame.body();
        }
    }
}
