package dev.espfleet.board;

import dev.espfleet.common.Json;
import java.util.ArrayDeque;
import java.util.Deque;

/** The board's JSON, written as it is walked: objects, arrays, names and values, commas placed for the caller. */
final class JsonText {
    private final StringBuilder out = new StringBuilder();
    /** Per open object or array: whether the next member needs a comma before it. */
    private final Deque<Boolean> comma = new ArrayDeque<>();
    private boolean afterName;

    JsonText beginObject() {
        value("{");
        comma.push(false);
        return this;
    }

    JsonText endObject() {
        comma.pop();
        out.append('}');
        return this;
    }

    JsonText beginArray() {
        value("[");
        comma.push(false);
        return this;
    }

    JsonText endArray() {
        comma.pop();
        out.append(']');
        return this;
    }

    JsonText name(String name) {
        separate();
        out.append(Json.quote(name)).append(':');
        afterName = true;
        return this;
    }

    JsonText string(String s) {
        return s == null ? value("null") : value(Json.quote(s));
    }

    JsonText number(long n) {
        return value(Long.toString(n));
    }

    /** A finite number with at most one decimal (times, rates); NaN and infinities are written as null. */
    JsonText decimal(double d) {
        return Double.isFinite(d) ? value(String.format(java.util.Locale.ROOT, "%.1f", d)) : value("null");
    }

    /** A value that is JSON already (written by this class). */
    JsonText raw(String json) {
        return value(json);
    }

    JsonText bool(boolean b) {
        return value(Boolean.toString(b));
    }

    JsonText field(String name, String s) {
        return name(name).string(s);
    }

    JsonText field(String name, long n) {
        return name(name).number(n);
    }

    JsonText field(String name, boolean b) {
        return name(name).bool(b);
    }

    private JsonText value(String text) {
        if (!afterName) {
            separate();
        }
        afterName = false;
        out.append(text);
        return this;
    }

    private void separate() {
        if (!comma.isEmpty()) {
            if (comma.pop()) {
                out.append(',');
            }
            comma.push(true);
        }
    }

    @Override
    public String toString() {
        return out.toString();
    }
}
