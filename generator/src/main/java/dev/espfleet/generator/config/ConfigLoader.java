package dev.espfleet.generator.config;

import dev.espfleet.common.InputFiles;
import dev.espfleet.common.EspfleetException;
import dev.espfleet.generator.config.DeviceConfig.Aws;
import dev.espfleet.generator.config.DeviceConfig.DesiredField;
import dev.espfleet.generator.config.DeviceConfig.Identity;
import dev.espfleet.generator.config.DeviceConfig.Mqtt;
import dev.espfleet.generator.config.DeviceConfig.Product;
import dev.espfleet.generator.config.DeviceConfig.Reconnect;
import dev.espfleet.generator.config.DeviceConfig.ReportedField;
import dev.espfleet.generator.config.DeviceConfig.Shadow;
import dev.espfleet.generator.config.DeviceConfig.Telemetry;
import dev.espfleet.generator.config.DeviceConfig.Wifi;
import dev.espfleet.model.AwsEndpoint;
import dev.espfleet.model.Chip;
import dev.espfleet.model.ThingName;
import dev.espfleet.nvs.NvsKey;
import dev.espfleet.nvs.PartitionLabel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * Reads a device config (YAML) into a {@link DeviceConfig}, checking it against the limits of ESP-IDF
 * and AWS IoT Core. Every problem is collected with its line and column, and all of them are thrown
 * together in one {@link ConfigException}.
 */
public final class ConfigLoader {
    static final int KEEPALIVE_MIN = 30;   // AWS IoT Core clamps keep-alive to 30..1200 s
    static final int KEEPALIVE_MAX = 1200;
    static final int MIN_NVS_PARTITION = 0x3000;
    static final int MAX_IDENTITY_PARTITION = 0xE000; // what fits between phy_init and the first app slot
    static final int STRING_FIELD_MAX = 1024;
    /** Partitions the generated table already has (PartitionLayout). */
    static final java.util.Set<String> RESERVED_PARTITIONS = java.util.Set.of("nvs", "otadata", "phy_init", "ota_0",
            "ota_1");

    private ConfigLoader() {
    }

    /**
     * A device config is a few kilobytes; the bound keeps a wrong file ({@code /dev/zero}, a disk image)
     * from filling the heap, and keeps the YAML scanner's cost (which grows faster than linearly with a
     * long scalar) to a fraction of a second.
     */
    public static final int MAX_CONFIG_BYTES = 1 << 20;
    /**
     * YAML nesting beyond this is refused before the tree is built: the composer recurses once per level,
     * so 100,000 '[' would overflow the stack. A real config nests about five levels.
     */
    public static final int MAX_NESTING = 50;

    public static DeviceConfig load(Path file) {
        String text;
        try {
            byte[] bytes = InputFiles.read(file, MAX_CONFIG_BYTES, "device config");
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw EspfleetException.badInput(file + ": not UTF-8 text; a device config is a YAML file");
        }
        return parse(file.toString(), file.getFileName().toString(), text);
    }

    /**
     * @param location how problems name the file (the path the user gave)
     * @param sourceName the file name recorded in generated sources
     */
    public static DeviceConfig parse(String location, String sourceName, String text) {
        ProblemCollector problems = new ProblemCollector(location);
        Optional<Node> root;
        try {
            LoadSettings settings = LoadSettings.builder().setLabel(location).setAllowDuplicateKeys(true)
                    .setCodePointLimit(MAX_CONFIG_BYTES).setMaxAliasesForCollections(MAX_NESTING).build();
            Optional<TooDeep> tooDeep = nestedTooDeep(settings, text);
            if (tooDeep.isPresent()) {
                problems.add(tooDeep.get().mark(), "", "invalid YAML: nested more than " + MAX_NESTING
                        + " levels deep; a device config nests a few levels");
                throw new ConfigException(problems.problems());
            }
            root = new Compose(settings).composeString(text);
        } catch (MarkedYamlEngineException e) {
            problems.add(e.getProblemMark().orElse(null), "", "invalid YAML: " + e.getProblem());
            throw new ConfigException(problems.problems());
        } catch (YamlEngineException e) {
            problems.add((org.snakeyaml.engine.v2.exceptions.Mark) null, "", "invalid YAML: " + e.getMessage());
            throw new ConfigException(problems.problems());
        }
        if (root.isEmpty()) {
            problems.add((Node) null, "", "the config is empty; start from one of the files in examples/");
            throw new ConfigException(problems.problems());
        }
        DeviceConfig config = new Reader(problems, sourceName).read(root.get());
        if (!problems.isEmpty()) {
            throw new ConfigException(problems.problems());
        }
        return config;
    }

    /**
     * Where the text first nests deeper than {@link #MAX_NESTING}, found from the parser's event stream
     * (which, unlike the composer, does not recurse).
     */
    private static Optional<TooDeep> nestedTooDeep(LoadSettings settings, String text) {
        int depth = 0;
        for (org.snakeyaml.engine.v2.events.Event event : new org.snakeyaml.engine.v2.api.lowlevel.Parse(settings)
                .parseString(text)) {
            switch (event.getEventId()) {
                case SequenceStart, MappingStart -> {
                    if (++depth > MAX_NESTING) {
                        return Optional.of(new TooDeep(event.getStartMark().orElse(null)));
                    }
                }
                case SequenceEnd, MappingEnd -> depth--;
                default -> {
                    // scalars, aliases and document events do not nest
                }
            }
        }
        return Optional.empty();
    }

    private record TooDeep(org.snakeyaml.engine.v2.exceptions.Mark mark) {
    }

    /** Reads one document; returns null-filled parts only when problems were reported. */
    private static final class Reader {
        private final ProblemCollector problems;
        private final String sourceName;
        /** identity.partition as written, valid or not: the Wi-Fi partition is compared with it. */
        private String identityPartition = "certs";

        Reader(ProblemCollector problems, String sourceName) {
            this.problems = problems;
            this.sourceName = sourceName;
        }

        DeviceConfig read(Node rootNode) {
            Optional<YamlSection> maybeRoot = YamlSection.of(rootNode, "", problems);
            if (maybeRoot.isEmpty()) {
                return null;
            }
            YamlSection root = maybeRoot.get();
            Product product = required(root, "product", "the product's name and firmware version").map(this::product).orElse(null);
            Chip target = typed(root, "target", FirmwareTargets::problem, t -> Chip.parse(t).orElseThrow())
                    .orElse(Chip.ESP32);
            FlashSize flash = root.string("flash_size").flatMap(f -> {
                Optional<FlashSize> size = FlashSize.fromLabel(f);
                if (size.isEmpty()) {
                    root.problem("flash_size", "expected one of " + FlashSize.choices() + ", got '" + f + "'");
                }
                return size;
            }).orElse(FlashSize.MB4);
            Aws aws = required(root, "aws", "the AWS IoT endpoint").map(this::aws).orElse(null);
            Mqtt mqtt = section(root, "mqtt").map(this::mqtt).orElseGet(() -> mqtt(null));
            Reconnect reconnect = section(root, "reconnect").map(this::reconnect).orElseGet(() -> reconnect(null));
            Shadow shadow = section(root, "shadow").map(this::shadow).orElseGet(() -> shadow(null));
            Telemetry telemetry = section(root, "telemetry").map(this::telemetry).orElseGet(() -> telemetry(null));
            Identity identity = section(root, "identity").map(this::identity).orElseGet(() -> identity(null));
            Wifi wifi = section(root, "wifi").map(this::wifi).orElseGet(() -> wifi(null));
            root.finish();
            return new DeviceConfig(sourceName, product, target, flash, aws, mqtt, reconnect, shadow, telemetry,
                    identity, wifi);
        }

        /**
         * The value of {@code key} as a model type: its {@code problem} reported at the value's line, else the
         * value made with {@code make}. Empty when the key is absent or its value has a problem.
         */
        private <T> Optional<T> typed(YamlSection s, String key, Function<String, Optional<String>> problem,
                                      Function<String, T> make) {
            return s.string(key).flatMap(text -> checked(s, key, text, problem, make));
        }

        /** {@code text}, the value of {@code key}, made with {@code make}; or its problem reported and empty. */
        private <T> Optional<T> checked(YamlSection s, String key, String text,
                                        Function<String, Optional<String>> problem, Function<String, T> make) {
            Optional<String> p = problem.apply(text);
            p.ifPresent(message -> s.problem(key, message));
            return p.isPresent() ? Optional.empty() : Optional.of(make.apply(text));
        }

        private Optional<YamlSection> required(YamlSection parent, String key, String what) {
            if (!parent.has(key)) {
                parent.missing(key, what);
                return Optional.empty();
            }
            return parent.section(key);
        }

        private Optional<YamlSection> section(YamlSection parent, String key) {
            return parent.section(key);
        }

        private Product product(YamlSection s) {
            String name = s.requiredString("name", "the product name, e.g. env-sensor").orElse("invalid");
            if (!name.equals("invalid") && !Names.isProjectName(name)) {
                s.problem("name", "must be 1-32 of a-z, 0-9, '-' and '_', starting with a letter; got '" + name + "'");
            }
            String version = s.requiredString("firmware_version", "the firmware version, e.g. 1.0.0").orElse("0");
            if (version.length() > 31 || !version.chars().allMatch(c -> c > 32 && c < 127 && c != '"' && c != '\\')) {
                s.problem("firmware_version", "must be at most 31 printable ASCII characters without spaces or quotes"
                        + " (it is stored in the 32-byte esp_app_desc_t.version); got '" + version + "'");
            }
            s.finish();
            return new Product(name, version);
        }

        private Aws aws(YamlSection s) {
            AwsEndpoint endpoint = s.requiredString("endpoint",
                    "your account's AWS IoT data endpoint (aws iot describe-endpoint --endpoint-type iot:Data-ATS)")
                    .flatMap(e -> checked(s, "endpoint", e, AwsEndpoint::problem, AwsEndpoint::of)).orElse(null);
            Optional<ThingName> thing = typed(s, "thing_name", ThingName::problem, ThingName::of);
            Optional<String> account = s.string("account_id");
            account.ifPresent(a -> {
                if (!a.matches("[0-9]{12}")) {
                    s.problem("account_id", "must be the 12-digit AWS account id; got '" + a + "'");
                }
            });
            s.finish();
            return new Aws(endpoint, thing, account);
        }

        private Mqtt mqtt(YamlSection s) {
            if (s == null) {
                return new Mqtt(60, true, 1, "dt", 2048, 16384, 10000);
            }
            int keepAlive = s.integer("keepalive", 60, KEEPALIVE_MIN, KEEPALIVE_MAX);
            boolean persistent = s.bool("persistent_session").orElse(true);
            int qos = 1;
            Optional<Long> q = s.integer("qos", Long.MIN_VALUE, Long.MAX_VALUE);
            if (q.isPresent()) {
                if (q.get() == 2) {
                    s.problem("qos", "AWS IoT Core does not support QoS 2 (it closes the connection); use 0 or 1");
                } else if (q.get() != 0 && q.get() != 1) {
                    s.problem("qos", "must be 0 or 1, got " + q.get());
                } else {
                    qos = q.get().intValue();
                }
            }
            String prefix = s.string("topic_prefix").orElse("dt");
            Names.topicPrefixProblem(prefix).ifPresent(p -> s.problem("topic_prefix", p));
            // esp-mqtt allocates buffer_size for receiving and again for sending; the reassembly buffer is
            // static: both come out of the chip's ~300 KB of RAM beside Wi-Fi and TLS
            int buffer = s.integer("buffer_size", 2048, 512, 16384);
            // a get/accepted reply carries desired, reported, delta and metadata: up to about twice the
            // 8 KB the shadow allows its state
            int maxMessage = s.integer("max_message_bytes", 16384, 1024, 65536);
            int timeout = s.integer("network_timeout_ms", 10000, 1000, 120000);
            s.finish();
            return new Mqtt(keepAlive, persistent, qos, prefix, buffer, maxMessage, timeout);
        }

        private Reconnect reconnect(YamlSection s) {
            if (s == null) {
                return new Reconnect(1000, 60000, 2, JitterStrategy.FULL, 0);
            }
            int initial = s.integer("initial_delay_ms", 1000, 100, 3_600_000);
            int max = s.integer("max_delay_ms", 60000, 100, 3_600_000);
            if (initial > max) {
                s.problem("initial_delay_ms", "must not exceed max_delay_ms (" + initial + " > " + max + ")");
            }
            int multiplier = s.integer("multiplier", 2, 1, 10);
            JitterStrategy jitter = s.string("jitter").flatMap(j -> {
                try {
                    return Optional.of(JitterStrategy.valueOf(j.toUpperCase(Locale.ROOT)));
                } catch (IllegalArgumentException e) {
                    s.problem("jitter", "expected one of none, full, equal, proportional; got '" + j + "'");
                    return Optional.empty();
                }
            }).orElse(JitterStrategy.FULL);
            int percent = 0;
            if (s.has("jitter_percent")) {
                percent = s.integer("jitter_percent", 0, 1, 100);
                if (jitter != JitterStrategy.PROPORTIONAL) {
                    s.problem("jitter_percent", "applies only to jitter: proportional (jitter is "
                            + jitter.name().toLowerCase(Locale.ROOT) + ")");
                }
            } else if (jitter == JitterStrategy.PROPORTIONAL) {
                s.missing("jitter_percent", "how far, in percent, jitter: proportional moves each delay");
            }
            s.finish();
            return new Reconnect(initial, max, multiplier, jitter, percent);
        }

        private Shadow shadow(YamlSection s) {
            if (s == null) {
                return new Shadow(Optional.empty(), List.of(), List.of());
            }
            Optional<String> name = s.string("name");
            name.ifPresent(n -> Names.shadowNameProblem(n).ifPresent(p -> s.problem("name", p)));
            Map<String, String> seen = new HashMap<>();
            List<DesiredField> desired = new ArrayList<>();
            for (YamlSection f : s.list("desired")) {
                desiredField(f, seen).ifPresent(desired::add);
            }
            List<ReportedField> reported = new ArrayList<>();
            for (YamlSection f : s.list("reported")) {
                reportedField(f, seen).ifPresent(reported::add);
            }
            s.finish();
            return new Shadow(name, desired, reported);
        }

        private Optional<String> fieldName(YamlSection f, Map<String, String> seen) {
            Optional<String> name = f.requiredString("name", "the field's name in the shadow document and in C");
            if (name.isEmpty()) {
                return Optional.empty();
            }
            Optional<String> problem = Names.fieldNameProblem(name.get());
            if (problem.isPresent()) {
                f.problem("name", problem.get());
                return Optional.empty();
            }
            String earlier = seen.putIfAbsent(name.get(), f.path());
            if (earlier != null) {
                f.problem("name", "'" + name.get() + "' is already used by " + earlier);
                return Optional.empty();
            }
            return name;
        }

        private FieldType fieldType(YamlSection f) {
            Optional<String> type = f.requiredString("type", "int, float, bool or string");
            if (type.isEmpty()) {
                return null;
            }
            try {
                return FieldType.valueOf(type.get().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                f.problem("type", "expected int, float, bool or string; got '" + type.get() + "'");
                return null;
            }
        }

        private Optional<DesiredField> desiredField(YamlSection f, Map<String, String> seen) {
            Optional<String> name = fieldName(f, seen);
            FieldType type = fieldType(f);
            Optional<Double> min = f.number("min");
            Optional<Double> max = f.number("max");
            int maxLength = 0;
            Object defaultValue = null;
            if (type == FieldType.BOOL || type == FieldType.STRING) {
                if (f.has("min")) {
                    f.problem("min", "applies only to int and float fields");
                }
                if (f.has("max")) {
                    f.problem("max", "applies only to int and float fields");
                }
            }
            if (type == FieldType.INT) {
                for (String k : List.of("min", "max")) {
                    Optional<Double> bound = k.equals("min") ? min : max;
                    if (bound.isPresent() && (bound.get() != Math.floor(bound.get())
                            || bound.get() < Integer.MIN_VALUE || bound.get() > Integer.MAX_VALUE)) {
                        f.problem(k, "must be a whole number within int32_t for an int field");
                    }
                }
            }
            if (min.isPresent() && max.isPresent() && min.get() > max.get()) {
                f.problem("min", "must not exceed max (" + fmt(min.get()) + " > " + fmt(max.get()) + ")");
            }
            if (type == FieldType.STRING) {
                maxLength = f.integer("max_length", 64, 1, STRING_FIELD_MAX);
            } else if (f.has("max_length")) {
                f.problem("max_length", "applies only to string fields");
            }
            if (type != null) {
                defaultValue = defaultValue(f, type, min, max, maxLength);
            }
            f.finish();
            if (name.isEmpty() || type == null) {
                return Optional.empty();
            }
            return Optional.of(new DesiredField(name.get(), type, min, max, defaultValue, maxLength));
        }

        private Object defaultValue(YamlSection f, FieldType type, Optional<Double> min, Optional<Double> max,
                                    int maxLength) {
            switch (type) {
                case INT -> {
                    Optional<Node> n = f.value("default");
                    long v = n.flatMap(YamlSection::parseInteger).orElse(Long.MIN_VALUE);
                    if (n.isPresent() && v == Long.MIN_VALUE) {
                        f.problem("default", "expected a whole number, got " + YamlSection.describe(n.get()));
                        return 0L;
                    }
                    if (n.isEmpty()) {
                        v = min.map(d -> (long) Math.max(0, d)).orElse(0L);
                        v = max.isPresent() && v > max.get() ? max.get().longValue() : v;
                    } else {
                        checkRange(f, v, min, max);
                    }
                    return v;
                }
                case FLOAT -> {
                    Optional<Double> d = f.number("default");
                    double v = d.orElseGet(() -> min.map(m -> Math.max(0, m)).orElse(0.0));
                    if (d.isEmpty() && max.isPresent() && v > max.get()) {
                        v = max.get();
                    }
                    if (d.isPresent()) {
                        checkRange(f, v, min, max);
                    }
                    return v;
                }
                case BOOL -> {
                    return f.bool("default").orElse(false);
                }
                default -> {
                    String s = f.string("default").orElse("");
                    if (s.getBytes(StandardCharsets.UTF_8).length > maxLength) {
                        f.problem("default", "is longer than max_length " + maxLength);
                    }
                    return s;
                }
            }
        }

        private void checkRange(YamlSection f, double v, Optional<Double> min, Optional<Double> max) {
            if (min.isPresent() && v < min.get() || max.isPresent() && v > max.get()) {
                f.problem("default", fmt(v) + " is outside [" + min.map(ConfigLoader::fmt).orElse("-inf") + ", "
                        + max.map(ConfigLoader::fmt).orElse("inf") + "]");
            }
        }

        private Optional<ReportedField> reportedField(YamlSection f, Map<String, String> seen) {
            Optional<String> name = fieldName(f, seen);
            FieldType type = fieldType(f);
            int maxLength = 0;
            if (type == FieldType.STRING) {
                maxLength = f.integer("max_length", 64, 1, STRING_FIELD_MAX);
            } else if (f.has("max_length")) {
                f.problem("max_length", "applies only to string fields");
            }
            f.finish();
            if (name.isEmpty() || type == null) {
                return Optional.empty();
            }
            return Optional.of(new ReportedField(name.get(), type, maxLength));
        }

        private Telemetry telemetry(YamlSection s) {
            if (s == null) {
                return new Telemetry(60, TelemetryDestination.TOPIC);
            }
            int interval = s.integer("interval_s", 60, 1, 86400);
            TelemetryDestination to = s.string("to").flatMap(t -> {
                Optional<TelemetryDestination> destination = TelemetryDestination.fromLabel(t);
                if (destination.isEmpty()) {
                    s.problem("to", "expected " + TelemetryDestination.choices() + " (where the readings go: "
                            + "<prefix>/<thing>/telemetry, or the shadow's reported state); got '" + t + "'");
                }
                return destination;
            }).orElse(TelemetryDestination.TOPIC);
            s.finish();
            return new Telemetry(interval, to);
        }

        private Identity identity(YamlSection s) {
            if (s == null) {
                return new Identity(PartitionLabel.of("certs"), 0x6000, NvsKey.of("identity"), NvsKey.of("thing_name"),
                        NvsKey.of("endpoint"), NvsKey.of("device_cert"), NvsKey.of("private_key"), NvsKey.of("server_ca"));
            }
            String partition = s.string("partition").orElse("certs");
            identityPartition = partition;
            PartitionLabel label = checked(s, "partition", partition, PartitionLabel::problem, PartitionLabel::of)
                    .orElse(null);
            if (RESERVED_PARTITIONS.contains(partition)) {
                s.problem("partition", "'" + partition + "' is already in the generated partition table; the identity"
                        + " needs a partition of its own, such as 'certs'");
            }
            int size = s.integer("partition_size", 0x6000, MIN_NVS_PARTITION, MAX_IDENTITY_PARTITION);
            if (size % 0x1000 != 0) {
                s.problem("partition_size", "must be a multiple of 4096 (0x1000), got 0x" + Integer.toHexString(size));
            }
            NvsKey namespace = nvsKey(s, "namespace", "identity");
            Optional<YamlSection> keys = s.section("keys");
            Identity identity = new Identity(label, size, namespace,
                    key(keys, "thing_name"), key(keys, "endpoint"), key(keys, "device_cert"),
                    key(keys, "private_key"), key(keys, "server_ca"));
            keys.ifPresent(YamlSection::finish);
            s.finish();
            return identity;
        }

        private NvsKey key(Optional<YamlSection> keys, String name) {
            return keys.isPresent() ? nvsKey(keys.get(), name, name) : NvsKey.of(name);
        }

        private Wifi wifi(YamlSection s) {
            if (s == null) {
                return new Wifi(PartitionLabel.problem(identityPartition).isEmpty() ? PartitionLabel.of(identityPartition)
                        : null, NvsKey.of("wifi"), NvsKey.of("ssid"), NvsKey.of("password"));
            }
            String partition = s.string("partition").orElse(identityPartition);
            PartitionLabel label = checked(s, "partition", partition, PartitionLabel::problem, PartitionLabel::of)
                    .orElse(null);
            if (!partition.equals("nvs") && !partition.equals(identityPartition)) {
                s.problem("partition", "must be 'nvs' (the default NVS partition) or the identity partition '"
                        + identityPartition + "'; got '" + partition + "'");
            }
            Wifi wifi = new Wifi(label, nvsKey(s, "namespace", "wifi"),
                    nvsKey(s, "ssid_key", "ssid"), nvsKey(s, "password_key", "password"));
            s.finish();
            return wifi;
        }

        /**
         * The NVS key or namespace name at {@code key} (or {@code defaultValue}), held to {@link NvsKey}'s rule, the
         * one the NVS writer and provision hold it to; null when it breaks the rule (the problem is reported and
         * the config refused).
         */
        private NvsKey nvsKey(YamlSection s, String key, String defaultValue) {
            return checked(s, key, s.string(key).orElse(defaultValue), NvsKey::problem, NvsKey::of).orElse(null);
        }
    }

    static String fmt(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }
}
