package dev.espfleet.aws;

import dev.espfleet.common.Json;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import software.amazon.awssdk.protocols.jsoncore.JsonNode;

/**
 * A JSON document in one spelling (no whitespace, object members sorted, numbers as written), to compare what
 * AWS holds with what espfleet would send: AWS may return a policy reformatted, and IAM returns it
 * percent-encoded (the caller decodes it first).
 */
final class CanonicalJson {
    private CanonicalJson() {
    }

    static String of(String json) {
        return write(JsonNode.parser().parse(json));
    }

    static boolean same(String a, String b) {
        try {
            return of(a).equals(of(b));
        } catch (RuntimeException e) {
            return false; // not JSON on one side: different
        }
    }

    /** {@code node} in the one spelling. */
    static String write(JsonNode node) {
        if (node.isObject()) {
            Map<String, JsonNode> sorted = new TreeMap<>(node.asObject());
            return sorted.entrySet().stream().map(e -> Json.quote(e.getKey()) + ":" + write(e.getValue()))
                    .collect(Collectors.joining(",", "{", "}"));
        }
        if (node.isArray()) {
            return node.asArray().stream().map(CanonicalJson::write).collect(Collectors.joining(",", "[", "]"));
        }
        if (node.isString()) {
            return Json.quote(node.asString());
        }
        if (node.isNumber()) {
            return node.asNumber();
        }
        if (node.isBoolean()) {
            return Boolean.toString(node.asBoolean());
        }
        return "null";
    }
}
