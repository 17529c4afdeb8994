package dev.espfleet.generator.model;

import dev.espfleet.generator.config.DeviceConfig;
import dev.espfleet.generator.config.DeviceConfig.DesiredField;
import dev.espfleet.generator.config.DeviceConfig.ReportedField;
import dev.espfleet.generator.config.FieldType;
import dev.espfleet.generator.config.Names;
import dev.espfleet.generator.config.TelemetryDestination;
import dev.espfleet.nvs.NvsCsv;
import dev.espfleet.nvs.PartitionTable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The view model the templates see: every C declaration, literal, topic and ARN computed here, so
 * that templates only place text. Immutable maps and lists, in a stable order (output is deterministic).
 */
public final class ProjectModel {
    /** ESP-IDF components main/ uses (json is cJSON, esp_hw_support has esp_random.h). */
    static final List<String> REQUIRES = List.of("esp_event", "esp_hw_support", "esp_netif", "esp_timer",
            "esp_wifi", "json", "mqtt", "nvs_flash");

    private ProjectModel() {
    }

    public static Map<String, Object> of(DeviceConfig config) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("source", config.sourceName());
        m.put("productName", config.product().name());
        m.put("cmakeProjectName", config.product().name().replace('-', '_'));
        m.put("firmwareVersion", config.product().firmwareVersion());
        m.put("target", config.target().idfName());
        m.put("flashSize", config.flashSize().label());
        m.put("partitionTableOffset", String.format("0x%x", PartitionTable.DEFAULT_OFFSET));
        m.put("requires", REQUIRES);
        m.put("defines", defines(config));
        m.put("partitions", partitions(config));
        m.put("nvsPartitionsToInit", nvsPartitionsToInit(config));
        m.put("desired", config.shadow().desired().stream().map(ProjectModel::desired).toList());
        m.put("reported", config.shadow().reported().stream().map(ProjectModel::reported).toList());
        m.put("identity", identity(config));
        m.put("aws", AwsArtifacts.of(config));
        m.put("telemetryToShadow", config.telemetry().to() == TelemetryDestination.SHADOW);
        String prefix = config.mqtt().topicPrefix();
        m.put("telemetryTopic", prefix + "/<thing>/" + Names.TELEMETRY_TOPIC_LEVEL);
        int thingLevel = prefix.split("/").length + 1; // topic(n) is 1-based
        m.put("telemetryRuleSql", "SELECT *, topic(" + thingLevel + ") AS thing, timestamp() AS ts FROM '" + prefix
                + "/+/" + Names.TELEMETRY_TOPIC_LEVEL + "'");
        m.put("telemetryIntervalSeconds", config.telemetry().intervalSeconds());
        return m;
    }

    private static List<Map<String, String>> defines(DeviceConfig c) {
        List<Map<String, String>> d = new ArrayList<>();
        define(d, "ESPFLEET_PRODUCT_NAME", CLiteral.string(c.product().name()), null);
        define(d, "ESPFLEET_FIRMWARE_VERSION", CLiteral.string(c.product().firmwareVersion()), null);
        define(d, "ESPFLEET_DEFAULT_ENDPOINT", CLiteral.string(c.aws().endpoint().host()),
                "used when the identity partition holds no endpoint key");
        c.aws().thingName().ifPresent(t -> define(d, "ESPFLEET_PINNED_THING_NAME", CLiteral.string(t.value()),
                "pinned in the config: the thing_name key in NVS is not read"));
        define(d, "ESPFLEET_MQTT_PORT", "8883", "MQTT over TLS with X.509 client certificates");
        define(d, "ESPFLEET_MQTT_KEEPALIVE_S", Integer.toString(c.mqtt().keepAliveSeconds()), "AWS allows 30..1200");
        define(d, "ESPFLEET_MQTT_PERSISTENT_SESSION", c.mqtt().persistentSession() ? "true" : "false",
                "clean session off: the broker keeps subscriptions for an hour");
        define(d, "ESPFLEET_MQTT_QOS", Integer.toString(c.mqtt().qos()), "AWS IoT Core has no QoS 2");
        define(d, "ESPFLEET_MQTT_BUFFER_SIZE", Integer.toString(c.mqtt().bufferSize()),
                "larger messages arrive in several MQTT_EVENT_DATA fragments");
        define(d, "ESPFLEET_MQTT_MAX_MESSAGE", Integer.toString(c.mqtt().maxMessageBytes()),
                "largest message reassembled; longer ones are dropped");
        define(d, "ESPFLEET_MQTT_NETWORK_TIMEOUT_MS", Integer.toString(c.mqtt().networkTimeoutMs()), null);
        define(d, "ESPFLEET_SHADOW_MAX_DOCUMENT", "8192", "AWS limit on a shadow document");
        define(d, "ESPFLEET_SHADOW_NAME", CLiteral.string(c.shadow().name().orElse("")),
                c.shadow().name().isPresent() ? "named shadow" : "empty: the classic shadow");
        define(d, "ESPFLEET_STATUS_TOPIC_PREFIX", CLiteral.string(c.mqtt().topicPrefix()),
                "status and Last Will go to <prefix>/<thing>/status, never to a $aws topic");
        define(d, "ESPFLEET_BACKOFF_INITIAL_MS", c.reconnect().initialDelayMs() + "u", null);
        define(d, "ESPFLEET_BACKOFF_MAX_MS", c.reconnect().maxDelayMs() + "u", null);
        define(d, "ESPFLEET_BACKOFF_MULTIPLIER", c.reconnect().multiplier() + "u", null);
        define(d, "ESPFLEET_BACKOFF_JITTER", c.reconnect().jitter().cName(), null);
        define(d, "ESPFLEET_BACKOFF_JITTER_PERCENT", c.reconnect().jitterPercent() + "u", null);
        define(d, "ESPFLEET_TELEMETRY_INTERVAL_MS", (c.telemetry().intervalSeconds() * 1000L) + "u", null);
        define(d, "ESPFLEET_TELEMETRY_TO_SHADOW", c.telemetry().to() == TelemetryDestination.SHADOW ? "true" : "false",
                c.telemetry().to() == TelemetryDestination.SHADOW
                        ? "readings go into the shadow's reported state (each one a billed shadow update)"
                        : "readings go to <prefix>/<thing>/" + Names.TELEMETRY_TOPIC_LEVEL + "; the shadow keeps state");
        define(d, "ESPFLEET_STATUS_TOPIC_LEVEL", CLiteral.string(Names.STATUS_TOPIC_LEVEL), null);
        define(d, "ESPFLEET_TELEMETRY_TOPIC_LEVEL", CLiteral.string(Names.TELEMETRY_TOPIC_LEVEL), null);
        define(d, "ESPFLEET_IDENTITY_PARTITION", CLiteral.string(c.identity().partition().value()), null);
        define(d, "ESPFLEET_IDENTITY_NAMESPACE", CLiteral.string(c.identity().namespace().value()), null);
        define(d, "ESPFLEET_NVS_KEY_THING_NAME", CLiteral.string(c.identity().thingNameKey().value()), null);
        define(d, "ESPFLEET_NVS_KEY_ENDPOINT", CLiteral.string(c.identity().endpointKey().value()), null);
        define(d, "ESPFLEET_NVS_KEY_DEVICE_CERT", CLiteral.string(c.identity().deviceCertKey().value()), null);
        define(d, "ESPFLEET_NVS_KEY_PRIVATE_KEY", CLiteral.string(c.identity().privateKeyKey().value()), null);
        define(d, "ESPFLEET_NVS_KEY_SERVER_CA", CLiteral.string(c.identity().serverCaKey().value()), null);
        define(d, "ESPFLEET_WIFI_PARTITION", CLiteral.string(c.wifi().partition().value()), null);
        define(d, "ESPFLEET_WIFI_NAMESPACE", CLiteral.string(c.wifi().namespace().value()), null);
        define(d, "ESPFLEET_NVS_KEY_WIFI_SSID", CLiteral.string(c.wifi().ssidKey().value()), null);
        define(d, "ESPFLEET_NVS_KEY_WIFI_PASSWORD", CLiteral.string(c.wifi().passwordKey().value()), null);
        return List.copyOf(d);
    }

    private static void define(List<Map<String, String>> d, String name, String value, String comment) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("value", value);
        m.put("comment", comment == null ? "" : comment);
        d.add(Map.copyOf(m));
    }

    private static List<Map<String, String>> partitions(DeviceConfig c) {
        return PartitionLayout.of(c).stream().map(r -> Map.of(
                "name", r.name(), "type", r.type(), "subtype", r.subtype(),
                "offset", String.format("0x%x", r.offset()), "size", String.format("0x%x", r.size()),
                "flags", r.flags())).toList();
    }

    /** Every NVS partition the firmware opens besides the default "nvs", once each. */
    private static List<String> nvsPartitionsToInit(DeviceConfig c) {
        TreeSet<String> names = new TreeSet<>();
        names.add(c.identity().partition().value());
        names.add(c.wifi().partition().value());
        names.remove("nvs");
        return List.copyOf(names);
    }

    private static Map<String, Object> desired(DesiredField f) {
        Map<String, Object> m = new LinkedHashMap<>();
        String name = f.name();
        m.put("name", name);
        m.put("jsonName", CLiteral.string(name));
        m.put("type", f.type().name().toLowerCase(java.util.Locale.ROOT));
        m.put("applyFunction", "apply_" + name);
        m.put("changedHook", "on_" + name + "_changed");
        String min = f.min().map(ProjectModel::bound).orElse(null);
        String max = f.max().map(ProjectModel::bound).orElse(null);
        switch (f.type()) {
            case INT -> {
                m.put("member", "int32_t " + name);
                m.put("localDeclaration", "int32_t value");
                m.put("hookParameter", "int32_t value");
                m.put("check", "field_check_int(item, " + CLiteral.string(name) + ", "
                        + f.min().map(v -> CLiteral.integer(v.longValue())).orElse("INT32_MIN") + ", "
                        + f.max().map(v -> CLiteral.integer(v.longValue())).orElse("INT32_MAX") + ", &value)");
                m.put("store", "s_desired." + name + " = value;");
                m.put("differs", "s_desired." + name + " != value");
                m.put("initialise", "s_desired." + name + " = " + CLiteral.integer((Long) f.defaultValue()) + ";");
                m.put("report", "cJSON_AddNumberToObject(reported, " + CLiteral.string(name) + ", copy." + name
                        + ") != NULL");
                m.put("range", "[" + (min == null ? "INT32_MIN" : min) + ", " + (max == null ? "INT32_MAX" : max) + "]");
            }
            case FLOAT -> {
                m.put("member", "double " + name);
                m.put("localDeclaration", "double value");
                m.put("hookParameter", "double value");
                m.put("check", "field_check_double(item, " + CLiteral.string(name) + ", "
                        + (min != null) + ", " + (min == null ? "0.0" : CLiteral.real(f.min().get())) + ", "
                        + (max != null) + ", " + (max == null ? "0.0" : CLiteral.real(f.max().get())) + ", &value)");
                m.put("store", "s_desired." + name + " = value;");
                m.put("differs", "s_desired." + name + " != value");
                m.put("initialise", "s_desired." + name + " = " + CLiteral.real((Double) f.defaultValue()) + ";");
                m.put("report", "cJSON_AddNumberToObject(reported, " + CLiteral.string(name) + ", copy." + name
                        + ") != NULL");
                m.put("range", "[" + (min == null ? "-inf" : min) + ", " + (max == null ? "inf" : max) + "], finite");
            }
            case BOOL -> {
                m.put("member", "bool " + name);
                m.put("localDeclaration", "bool value");
                m.put("hookParameter", "bool value");
                m.put("check", "field_check_bool(item, " + CLiteral.string(name) + ", &value)");
                m.put("store", "s_desired." + name + " = value;");
                m.put("differs", "s_desired." + name + " != value");
                m.put("initialise", "s_desired." + name + " = " + f.defaultValue() + ";");
                m.put("report", "cJSON_AddBoolToObject(reported, " + CLiteral.string(name) + ", copy." + name
                        + ") != NULL");
                m.put("range", "true or false");
            }
            case STRING -> {
                m.put("member", "char " + name + "[" + (f.maxLength() + 1) + "]");
                m.put("localDeclaration", "char value[" + (f.maxLength() + 1) + "]");
                m.put("hookParameter", "const char *value");
                m.put("check", "field_check_string(item, " + CLiteral.string(name) + ", " + f.maxLength()
                        + ", value, sizeof(value))");
                m.put("store", "memcpy(s_desired." + name + ", value, sizeof(value));");
                m.put("differs", "strcmp(s_desired." + name + ", value) != 0");
                m.put("initialise", "memcpy(s_desired." + name + ", " + CLiteral.string((String) f.defaultValue())
                        + ", sizeof(" + CLiteral.string((String) f.defaultValue()) + "));");
                m.put("report", "cJSON_AddStringToObject(reported, " + CLiteral.string(name) + ", copy." + name
                        + ") != NULL");
                m.put("range", "at most " + f.maxLength() + " bytes");
            }
            default -> throw new IllegalStateException(f.type().toString());
        }
        return Map.copyOf(m);
    }

    private static String bound(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : CLiteral.real(d);
    }

    private static Map<String, Object> reported(ReportedField f) {
        Map<String, Object> m = new LinkedHashMap<>();
        String name = f.name();
        String json = CLiteral.string(name);
        m.put("name", name);
        m.put("type", f.type().name().toLowerCase(java.util.Locale.ROOT));
        m.put("readHook", "read_" + name);
        FieldType t = f.type();
        switch (t) {
            case INT -> {
                m.put("hookParameters", "int32_t *value");
                m.put("localDeclaration", "int32_t value = 0");
                m.put("read", "read_" + name + "(&value)");
                m.put("add", "cJSON_AddNumberToObject(reported, " + json + ", value) != NULL");
            }
            case FLOAT -> {
                m.put("hookParameters", "double *value");
                m.put("localDeclaration", "double value = 0.0");
                m.put("read", "read_" + name + "(&value) && isfinite(value)");
                m.put("add", "cJSON_AddNumberToObject(reported, " + json + ", value) != NULL");
            }
            case BOOL -> {
                m.put("hookParameters", "bool *value");
                m.put("localDeclaration", "bool value = false");
                m.put("read", "read_" + name + "(&value)");
                m.put("add", "cJSON_AddBoolToObject(reported, " + json + ", value) != NULL");
            }
            case STRING -> {
                m.put("hookParameters", "char *value, size_t size");
                m.put("localDeclaration", "char value[" + (f.maxLength() + 1) + "] = {0}");
                m.put("read", "read_" + name + "(value, sizeof(value))");
                m.put("add", "cJSON_AddStringToObject(reported, " + json + ", value) != NULL");
            }
            default -> throw new IllegalStateException(t.toString());
        }
        return Map.copyOf(m);
    }

    private static Map<String, Object> identity(DeviceConfig c) {
        DeviceConfig.Identity id = c.identity();
        DeviceConfig.Wifi wifi = c.wifi();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("partition", id.partition().value());
        m.put("partitionSize", String.format("0x%x", id.partitionSize()));
        m.put("namespace", id.namespace().value());
        m.put("thingNameKey", id.thingNameKey().value());
        m.put("endpointKey", id.endpointKey().value());
        m.put("deviceCertKey", id.deviceCertKey().value());
        m.put("privateKeyKey", id.privateKeyKey().value());
        m.put("serverCaKey", id.serverCaKey().value());
        m.put("thingNamePinned", c.aws().thingName().isPresent());
        m.put("endpoint", c.aws().endpoint().host());
        m.put("wifiInIdentityPartition", wifi.partition().equals(id.partition()));
        m.put("wifiNamespace", wifi.namespace().value());
        m.put("wifiSsidKey", wifi.ssidKey().value());
        m.put("wifiPasswordKey", wifi.passwordKey().value());
        // the same names as cells of nvs/identity.csv: quoted where nvs_partition_gen.py would read them otherwise
        m.put("csv", Map.of("namespace", NvsCsv.cell(id.namespace().value()),
                "thingNameKey", NvsCsv.cell(id.thingNameKey().value()),
                "endpointKey", NvsCsv.cell(id.endpointKey().value()),
                "deviceCertKey", NvsCsv.cell(id.deviceCertKey().value()),
                "privateKeyKey", NvsCsv.cell(id.privateKeyKey().value()),
                "wifiNamespace", NvsCsv.cell(wifi.namespace().value()),
                "wifiSsidKey", NvsCsv.cell(wifi.ssidKey().value()),
                "wifiPasswordKey", NvsCsv.cell(wifi.passwordKey().value())));
        return Map.copyOf(m);
    }
}
