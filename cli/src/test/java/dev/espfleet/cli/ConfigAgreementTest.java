package dev.espfleet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.espfleet.bench.ThingNamePattern;
import dev.espfleet.common.EspfleetException;
import dev.espfleet.model.ThingName;
import dev.espfleet.services.BenchRequest;
import dev.espfleet.services.BenchService;
import dev.espfleet.services.PortSpec;
import dev.espfleet.services.WifiSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code validate} accepts exactly the configs {@code provision --config} and the bench's set-up accept: many
 * configs, made by a seeded random walk over the config space (valid and invalid values of every key the config
 * reference lists, edge cases of each value type, unknown keys, wrong types, missing sections), each given to
 * all three. For every config the three verdicts are the same, and a refusal names the same problems at the
 * same file:line:col.
 *
 * <p>Two differences are by design and asserted as such: a config that pins {@code aws.thing_name} serves one
 * device, so the bench refuses it (with the one message {@code DeviceProfile.requireFleet} gives), and provision
 * is run with that thing. Every refusal names its line: the schema's rules across keys (identity keys used
 * twice, keys that collide in NVS with each other or with the entries Espressif's generator adds for Wi-Fi driver
 * keys such as {@code sta.ssid}) report at the key that breaks them, so a refusal without a line fails the test.
 *
 * <p>{@code -Dconfig.agreement.seed=N} and {@code -Dconfig.agreement.count=N} replay or widen the walk.
 */
class ConfigAgreementTest {
    static final long SEED = Long.getLong("config.agreement.seed", 15L);
    static final int COUNT = Integer.getInteger("config.agreement.count", 200);
    static final Pattern LOCATED = Pattern.compile("^.+:\\d+:\\d+: .*$");
    /** Refusals the three may make alike without a file:line: none, every rule of the schema has its line. */
    static final List<String> KNOWN_UNLOCATED = List.of();

    @TempDir
    Path tmp;

    /** A YAML scalar written as it is (quoted or not, as the case needs). */
    record Raw(String yaml) {
    }

    private static Raw raw(String yaml) {
        return new Raw(yaml);
    }

    private static Raw quoted(String text) {
        return new Raw("\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"");
    }

    private static List<Raw> raws(String... yaml) {
        return java.util.Arrays.stream(yaml).map(Raw::new).toList();
    }

    private static String repeat(String s, int n) {
        return s.repeat(n);
    }

    /** The keys of the config reference (docs/config.md), each with valid values and edge cases on both sides. */
    static final Map<String, List<Raw>> VALUES = new LinkedHashMap<>();

    static {
        List<Raw> strings = List.of(quoted(""), quoted(" "), quoted("a,b"), quoted("a\"b"), quoted("gerätename"),
                quoted(" x "), raw("~"), raw("123"), raw("yes"), raw("[a, b]"), raw("{a: 1}"), quoted("a\tb"),
                quoted("x#y"));
        List<Raw> nvsNames = new ArrayList<>(raws("thing_name", "endpoint", "device_cert", "private_key", "server_ca",
                "ssid", "password", "thing-name", "sta.ssid", "sta.pswd", "sta.pmk", "sta.apinfo", "sta.apsw",
                "ap.ssid", "ap.passwd", "ap.authmode", "ap.pmk_info", repeat("k", 15), repeat("k", 16), "identity",
                "wifi"));
        nvsNames.addAll(strings);
        List<Raw> partitions = new ArrayList<>(raws("certs", "keys", repeat("p", 16), repeat("p", 17), "nvs",
                "otadata", "phy_init", "ota_0", "factory", "\"#c\"", "a$b", "\"a,b\""));
        partitions.addAll(strings);
        List<Raw> ints = raws("0", "-1", "1", "2147483647", "2147483648", "99999999999999999999", "1.5", "\"60\"",
                "abc", "~", "0x10", "[1]");

        VALUES.put("product.name", concat(raws("env-sensor", "a", "a" + repeat("b", 31), "s_1", "x-y-z",
                "a" + repeat("b", 32), "1abc", "Env", "a b", "ä"), strings));
        VALUES.put("product.firmware_version", concat(raws("1.0.0", "\"1\"", repeat("v", 31), repeat("v", 32),
                "1.2.3-rc1+build.5", "\"1 0\"", "\"é\"", "1.0"), strings));
        VALUES.put("target", concat(raws("esp32", "esp32s2", "esp32s3", "esp32c3", "esp32c6", "ESP32-S3", "esp32-c3",
                "esp32h2", "esp8266", "ESP32H2"), strings));
        VALUES.put("flash_size", concat(raws("4MB", "8MB", "16MB", "2MB", "4mb", "32MB", "4"), strings));
        VALUES.put("aws.endpoint", concat(raws("abc123-ats.iot.eu-west-1.amazonaws.com", "localhost",
                "a.example.cn", "x-ats.iot.cn-north-1.amazonaws.com.cn", "broker.local",
                repeat("a", 63) + "." + repeat("b", 63) + "." + repeat("c", 63) + "." + repeat("d", 61),
                repeat("a", 63) + "." + repeat("b", 63) + "." + repeat("c", 63) + "." + repeat("d", 62),
                repeat("a", 64) + ".com", "https://a.example.com", "a.example.com:8883", "-a.example.com",
                "a..example.com", "a_b.example.com", "a.example.com."), strings));
        VALUES.put("aws.thing_name", concat(raws("lab-01", "a:b_c-d", repeat("t", 128), repeat("t", 129), "a/b",
                "0"), strings));
        VALUES.put("aws.account_id", concat(raws("\"123456789012\"", "123456789012", "\"12345678901\"",
                "\"1234567890123\"", "abcdefghijkl"), strings));
        VALUES.put("mqtt.keepalive", concat(raws("30", "60", "1200", "29", "1201"), ints));
        VALUES.put("mqtt.persistent_session", concat(raws("true", "false", "\"yes\"", "1", "True"), strings));
        VALUES.put("mqtt.qos", concat(raws("0", "1", "2"), ints));
        VALUES.put("mqtt.topic_prefix", concat(raws("dt", "a/b/c/d/e/f", "a/b/c/d/e/f/g", repeat("t", 116),
                repeat("t", 117), "$aws", "\"$x\"", "a//b", "a/+/b", "a#", "/a", "a/", "x y"), strings));
        VALUES.put("mqtt.buffer_size", concat(raws("512", "2048", "16384", "511", "16385"), ints));
        VALUES.put("mqtt.max_message_bytes", concat(raws("1024", "16384", "65536", "1023", "65537"), ints));
        VALUES.put("mqtt.network_timeout_ms", concat(raws("1000", "10000", "120000", "999", "120001"), ints));
        VALUES.put("reconnect.initial_delay_ms", concat(raws("100", "1000", "3600000", "99", "3600001", "70000"),
                ints));
        VALUES.put("reconnect.max_delay_ms", concat(raws("100", "60000", "3600000", "99", "3600001", "500"), ints));
        VALUES.put("reconnect.multiplier", concat(raws("1", "2", "10", "11"), ints));
        VALUES.put("reconnect.jitter", concat(raws("none", "full", "equal", "proportional", "FULL", "random"),
                strings));
        VALUES.put("reconnect.jitter_percent", concat(raws("1", "10", "100", "101"), ints));
        VALUES.put("shadow.name", concat(raws("cfg", "a:b_c-d", repeat("s", 64), repeat("s", 65), "a/b", "$x"),
                strings));
        VALUES.put("telemetry.interval_s", concat(raws("1", "60", "86400", "86401"), ints));
        VALUES.put("telemetry.to", concat(raws("topic", "shadow", "both", "TOPIC"), strings));
        VALUES.put("identity.partition", partitions);
        VALUES.put("identity.partition_size", concat(raws("0x3000", "0x6000", "0xE000", "0x2000", "0xF000", "0x3800",
                "12288", "\"0x6000\"", "big"), ints));
        VALUES.put("identity.namespace", nvsNames);
        for (String key : List.of("thing_name", "endpoint", "device_cert", "private_key", "server_ca")) {
            VALUES.put("identity.keys." + key, nvsNames);
        }
        VALUES.put("wifi.partition", partitions);
        VALUES.put("wifi.namespace", nvsNames);
        VALUES.put("wifi.ssid_key", nvsNames);
        VALUES.put("wifi.password_key", nvsNames);
        // keys the reference does not have: misspelt or made up, at each level
        VALUES.put("mqtt.keep_alive", raws("60"));
        VALUES.put("product.nmae", raws("x"));
        VALUES.put("identty.partition", raws("certs"));
        VALUES.put("wifi_ssid", raws("lab"));
    }

    private static List<Raw> concat(List<Raw> a, List<Raw> b) {
        List<Raw> all = new ArrayList<>(a);
        all.addAll(b);
        return all;
    }

    /** A config every command accepts, to start each walk from. */
    private static Map<String, Object> base() {
        Map<String, Object> root = new LinkedHashMap<>();
        put(root, "product.name", raw("lab-sensor"));
        put(root, "product.firmware_version", raw("1.0.0"));
        put(root, "aws.endpoint", raw("abc123-ats.iot.eu-west-1.amazonaws.com"));
        return root;
    }

    @SuppressWarnings("unchecked")
    private static void put(Map<String, Object> root, String path, Object value) {
        String[] keys = path.split("\\.");
        Map<String, Object> at = root;
        for (int i = 0; i < keys.length - 1; i++) {
            Object next = at.get(keys[i]);
            if (!(next instanceof Map)) {
                next = new LinkedHashMap<String, Object>();
                at.put(keys[i], next);
            }
            at = (Map<String, Object>) next;
        }
        at.put(keys[keys.length - 1], value);
    }

    @SuppressWarnings("unchecked")
    private static void remove(Map<String, Object> root, String path) {
        String[] keys = path.split("\\.");
        Map<String, Object> at = root;
        for (int i = 0; i < keys.length - 1; i++) {
            if (!(at.get(keys[i]) instanceof Map)) {
                return;
            }
            at = (Map<String, Object>) at.get(keys[i]);
        }
        at.remove(keys[keys.length - 1]);
    }

    /** A shadow field: a name, a type and the keys that go with it, any of them valid or not. */
    private static Map<String, Object> field(Random r, boolean desired) {
        Map<String, Object> f = new LinkedHashMap<>();
        List<Raw> names = raws("rate", "x1", "level", "rate", "int", "online", "firmware_version", "1x", "a-b",
                "\"\"", "_x", repeat("n", 64));
        List<Raw> types = raws("int", "float", "bool", "string", "double", "\"\"", "INT");
        if (r.nextInt(10) > 0) {
            f.put("name", names.get(r.nextInt(names.size())));
        }
        if (r.nextInt(10) > 0) {
            f.put("type", types.get(r.nextInt(types.size())));
        }
        List<Raw> numbers = raws("0", "1", "-1", "1.5", "2147483648", "100", "x", "~");
        if (desired && r.nextBoolean()) {
            f.put("min", numbers.get(r.nextInt(numbers.size())));
        }
        if (desired && r.nextBoolean()) {
            f.put("max", numbers.get(r.nextInt(numbers.size())));
        }
        if (desired && r.nextBoolean()) {
            List<Raw> defaults = raws("0", "5", "-3", "1.25", "true", "\"text\"", "200", "~", "[1]");
            f.put("default", defaults.get(r.nextInt(defaults.size())));
        }
        if (r.nextInt(4) == 0) {
            f.put("max_length", raws("1", "64", "1024", "0", "1025", "x").get(r.nextInt(6)));
        }
        if (r.nextInt(20) == 0) {
            f.put("unit", raw("celsius"));
        }
        return f;
    }

    /** One config: the base with a few keys set, removed or of the wrong shape. */
    private static Map<String, Object> walk(Random r) {
        Map<String, Object> root = base();
        List<String> keys = new ArrayList<>(VALUES.keySet());
        int changes = r.nextInt(5);
        for (int i = 0; i < changes; i++) {
            int kind = r.nextInt(24);
            if (kind == 0) {
                remove(root, List.of("product.name", "product.firmware_version", "aws.endpoint", "product", "aws")
                        .get(r.nextInt(5)));
            } else if (kind == 1) {
                put(root, List.of("mqtt", "shadow", "identity.keys", "product", "wifi", "shadow.desired").get(r.nextInt(6)),
                        raws("5", "[1, 2]", "x", "~").get(r.nextInt(4)));
            } else if (kind == 4) {
                // names that meet in one NVS namespace: the identity's keys, the Wi-Fi keys beside them, and the
                // keys Espressif's generator adds after a Wi-Fi driver key
                List<String> slots = List.of("identity.keys.thing_name", "identity.keys.endpoint",
                        "identity.keys.device_cert", "identity.keys.private_key", "identity.keys.server_ca",
                        "wifi.ssid_key", "wifi.password_key");
                List<Raw> names = raws("sta.ssid", "sta.pswd", "sta.pmk", "sta.apinfo", "ap.ssid", "ap.passwd",
                        "ap.authmode", "ap.pmk_info", "thing_name", "endpoint", "ssid");
                if (r.nextBoolean()) {
                    put(root, "wifi.namespace", raw("identity"));
                }
                for (int n = 0; n < 2; n++) {
                    put(root, slots.get(r.nextInt(slots.size())), names.get(r.nextInt(names.size())));
                }
            } else if (kind <= 6) {
                List<Object> fields = new ArrayList<>();
                for (int n = r.nextInt(4); n > 0; n--) {
                    fields.add(field(r, kind == 5));
                }
                put(root, kind == 5 ? "shadow.desired" : "shadow.reported", fields);
            } else {
                String key = keys.get(r.nextInt(keys.size()));
                List<Raw> values = VALUES.get(key);
                // the first values of each key are the valid ones: lean on them, so that configs reach the later rules
                int index = r.nextBoolean() ? r.nextInt(Math.min(4, values.size())) : r.nextInt(values.size());
                put(root, key, values.get(index));
            }
        }
        return root;
    }

    @SuppressWarnings("unchecked")
    private static void yaml(StringBuilder out, Object value, String indent) {
        if (value instanceof Map<?, ?> map) {
            for (Map.Entry<String, Object> e : ((Map<String, Object>) map).entrySet()) {
                out.append(indent).append(e.getKey()).append(':');
                if (e.getValue() instanceof Raw raw) {
                    out.append(' ').append(raw.yaml()).append('\n');
                } else {
                    out.append('\n');
                    yaml(out, e.getValue(), indent + "  ");
                }
            }
        } else if (value instanceof List<?> list) {
            if (list.isEmpty()) {
                out.append(indent).append("[]\n");
            }
            for (Object item : list) {
                Map<String, Object> m = (Map<String, Object>) item;
                if (m.isEmpty()) {
                    out.append(indent).append("- {}\n");
                    continue;
                }
                StringBuilder fieldYaml = new StringBuilder();
                yaml(fieldYaml, m, indent + "  ");
                out.append(indent).append("- ").append(fieldYaml.substring(indent.length() + 2));
            }
        }
    }

    /** What one front end said of a config: accepted, or refused with its exit status and what it named. */
    record Verdict(boolean accepted, int status, List<String> located, String error) {
        static Verdict ok() {
            return new Verdict(true, 0, List.of(), "");
        }

        static Verdict refused(int status, List<String> located, String error) {
            return new Verdict(false, status, located, error);
        }
    }

    private static Verdict fromCli(Cli run) {
        if (run.exit() == 0) {
            return Verdict.ok();
        }
        List<String> located = run.err().lines().filter(l -> !l.startsWith("error: ") && !l.startsWith("hint: ")
                && LOCATED.matcher(l).matches()).toList();
        String error = run.err().lines().filter(l -> l.startsWith("error: ")).findFirst().orElse(run.err())
                .replaceFirst("^error: ", "");
        return Verdict.refused(run.exit(), located, error);
    }

    private static Verdict fromException(EspfleetException e) {
        return Verdict.refused(e.status().code(), e.details().stream().filter(l -> LOCATED.matcher(l).matches()).toList(),
                e.getMessage());
    }

    @Test
    void validateAcceptsExactlyWhatProvisionAndTheBenchSetUpAccept() throws Exception {
        Path ca = tmp.resolve("ca");
        Cli.run("ca", "init", "--out", ca.toString()).ok();
        Random random = new Random(SEED);
        Map<String, Integer> tally = new TreeMap<>();
        List<String> disagreements = new ArrayList<>();
        BenchService bench = new BenchService();
        for (int i = 0; i < COUNT; i++) {
            Map<String, Object> tree = walk(random);
            StringBuilder text = new StringBuilder();
            yaml(text, tree, "");
            Path dir = Files.createDirectories(tmp.resolve("c" + i));
            Path config = dir.resolve("device.yaml");
            Files.writeString(config, text.toString());
            Optional<WifiSettings> wifi = random.nextBoolean() ? Optional.of(new WifiSettings("lab-ap", "secret123"))
                    : Optional.empty();

            Verdict validate = fromCli(Cli.run("validate", config.toString()));
            Optional<String> pinned = pinnedThing(tree);
            List<String> provisionArgs = new ArrayList<>(List.of("provision", "--config", config.toString(), "--thing",
                    pinned.orElse("dev-001"), "--out", dir.resolve("unit").toString(), "--ca", ca.toString(),
                    "--server-ca", ca.resolve("ca.pem").toString()));
            wifi.ifPresent(w -> provisionArgs.addAll(List.of("--wifi-ssid", w.ssid(), "--wifi-password", w.password())));
            Verdict provision = fromCli(Cli.run(provisionArgs.toArray(String[]::new)));
            Verdict benchSetUp;
            try {
                bench.prepare(new BenchRequest(config, ca, Optional.of(ca.resolve("ca.pem")), Optional.empty(),
                        dir.resolve("units"), Optional.empty(), ThingNamePattern.defaultPattern(), Optional.empty(), wifi,
                        PortSpec.simulated(1), 460800, 1, Optional.of("agreement"), Optional.empty(), Optional.empty()));
                benchSetUp = Verdict.ok();
            } catch (EspfleetException e) {
                benchSetUp = fromException(e);
            } catch (RuntimeException e) {
                benchSetUp = Verdict.refused(4, List.of(), String.valueOf(e));
            }

            String what = "config " + i + " (seed " + SEED + ", Wi-Fi " + wifi.isPresent() + "):\n" + text
                    + "validate:  " + validate + "\nprovision: " + provision + "\nbench:     " + benchSetUp;
            if (validate.accepted() && validate.equals(provision) && pinned.isPresent()) {
                // a pinned thing name serves one device: the bench refuses it by design, with this one message
                if (benchSetUp.accepted() || !benchSetUp.error().equals(config + ": aws.thing_name pins one thing name "
                        + "into the firmware, so every board would connect as '" + pinned.get() + "' (AWS drops the "
                        + "older connection each time); remove it for a fleet, the bench names each board")) {
                    disagreements.add(what);
                }
                tally.merge("accepted (bench: pinned thing name refused)", 1, Integer::sum);
                continue;
            }
            if (validate.status() == 4 || provision.status() == 4 || benchSetUp.status() == 4) {
                disagreements.add("an internal error (a config is bad input, exit 2, or fine): " + what);
                continue;
            }
            if (!validate.equals(provision) || !validate.equals(benchSetUp)) {
                disagreements.add(what);
                continue;
            }
            if (validate.accepted()) {
                tally.merge("accepted by all three", 1, Integer::sum);
            } else if (!validate.located().isEmpty()) {
                tally.merge("refused by all three at the same lines", 1, Integer::sum);
            } else {
                Optional<String> known = KNOWN_UNLOCATED.stream().filter(validate.error()::contains).findFirst();
                if (known.isEmpty()) {
                    disagreements.add("a refusal without a line, of no known kind: " + what);
                } else {
                    tally.merge("refused by all three alike, without a line (the loader has no rule yet):"
                            + known.get(), 1, Integer::sum);
                }
            }
        }
        System.out.println("ConfigAgreementTest: " + COUNT + " configs, seed " + SEED);
        tally.forEach((k, v) -> System.out.printf("  %5d %s%n", v, k));
        disagreements.forEach(d -> System.out.println("DISAGREEMENT " + d));
        if (!disagreements.isEmpty()) {
            fail(disagreements.size() + " config(s) where validate, provision and the bench set-up disagree; the first:\n"
                    + disagreements.get(0));
        }
        assertTrue(tally.getOrDefault("accepted by all three", 0) > COUNT / 10, "the walk reaches valid configs: " + tally);
        assertTrue(tally.getOrDefault("refused by all three at the same lines", 0) > COUNT / 10,
                "the walk reaches invalid configs: " + tally);
    }

    /** The thing name a config pins, when it is one (provision is then run for that thing). */
    private static Optional<String> pinnedThing(Map<String, Object> tree) {
        if (tree.get("aws") instanceof Map<?, ?> aws && aws.get("thing_name") instanceof Raw raw) {
            String text = raw.yaml();
            if (text.startsWith("\"") && text.endsWith("\"") && text.length() >= 2) {
                text = text.substring(1, text.length() - 1);
            }
            return ThingName.problem(text).isEmpty() ? Optional.of(text) : Optional.empty();
        }
        return Optional.empty();
    }

    @Test
    void theWalkWritesYamlTheLoaderReadsAsMeant() throws Exception {
        Map<String, Object> tree = base();
        put(tree, "shadow.desired", List.of(Map.of("name", raw("rate")), new LinkedHashMap<>()));
        StringBuilder text = new StringBuilder();
        yaml(text, tree, "");
        assertEquals("""
                product:
                  name: lab-sensor
                  firmware_version: 1.0.0
                aws:
                  endpoint: abc123-ats.iot.eu-west-1.amazonaws.com
                shadow:
                  desired:
                    - name: rate
                    - {}
                """, text.toString());
    }
}
