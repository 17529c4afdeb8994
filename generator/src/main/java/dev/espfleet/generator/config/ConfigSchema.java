package dev.espfleet.generator.config;

import dev.espfleet.generator.config.DeviceConfig.Aws;
import dev.espfleet.generator.config.DeviceConfig.DesiredField;
import dev.espfleet.generator.config.DeviceConfig.Identity;
import dev.espfleet.generator.config.DeviceConfig.Jobs;
import dev.espfleet.generator.config.DeviceConfig.Mqtt;
import dev.espfleet.generator.config.DeviceConfig.Product;
import dev.espfleet.generator.config.DeviceConfig.Reconnect;
import dev.espfleet.generator.config.DeviceConfig.ReportedField;
import dev.espfleet.generator.config.DeviceConfig.Shadow;
import dev.espfleet.generator.config.DeviceConfig.Telemetry;
import dev.espfleet.generator.config.DeviceConfig.Wifi;
import dev.espfleet.generator.config.Schema.Variant;
import dev.espfleet.generator.model.PartitionLayout;
import dev.espfleet.model.AwsEndpoint;
import dev.espfleet.model.Chip;
import dev.espfleet.model.ThingName;
import dev.espfleet.nvs.NvsKey;
import dev.espfleet.nvs.NvsLayout;
import dev.espfleet.nvs.PartitionLabel;
import dev.espfleet.nvs.WifiDriverRecords;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The device config's schema, declared as data (ESPHome's {@code CONFIG_SCHEMA} as model): every key once, with
 * its kind of value (type, range or choices), its default or that it is required, and its line in the reference;
 * sections composed of sections; the rules across keys beside the keys they read. {@link ConfigLoader} reads a
 * config with it, and {@link #markdownReference()} writes the key reference of docs/config.md from it.
 */
public final class ConfigSchema {
    static final int KEEPALIVE_MIN = 30;   // AWS IoT Core clamps keep-alive to 30..1200 s
    static final int KEEPALIVE_MAX = 1200;
    static final int STRING_FIELD_MAX = 1024;
    /** esp_app_desc_t.version is 32 bytes, NUL included. */
    static final int FIRMWARE_VERSION_MAX = 31;

    private ConfigSchema() {
    }

    // --- product

    static final Key<String> PRODUCT_NAME = Key.of("name", ValueKind.text("string",
                    "1-32 of `a-z 0-9 - _`, starting with a letter", Names::projectNameProblem))
            .required("the product name, e.g. env-sensor").doc("also the CMake project name");
    static final Key<String> FIRMWARE_VERSION = Key.of("firmware_version", ValueKind.text("string",
                    "at most " + FIRMWARE_VERSION_MAX + " of `A-Z a-z 0-9 . _ - + ~`",
                    ConfigSchema::firmwareVersionProblem))
            .required("the firmware version, e.g. 1.0.0").doc("`esp_app_desc_t.version`");
    static final Schema<Product> PRODUCT_SCHEMA = Schema.of(v -> new Product(v.get(PRODUCT_NAME),
            v.get(FIRMWARE_VERSION)), PRODUCT_NAME, FIRMWARE_VERSION);

    // --- aws

    static final Key<AwsEndpoint> ENDPOINT = Key.of("endpoint", ValueKind.typed("host name",
                    "labels of 1-63 letters, digits and `-`, at most " + AwsEndpoint.MAX_LENGTH
                            + " characters; no scheme or port",
                    AwsEndpoint::problem, AwsEndpoint::of, AwsEndpoint::host))
            .required("your account's AWS IoT data endpoint (aws iot describe-endpoint --endpoint-type iot:Data-ATS)")
            .doc("e.g. `abc123-ats.iot.eu-west-1.amazonaws.com`; the region is taken from an AWS IoT endpoint"
                    + " (`.amazonaws.com` or `.amazonaws.com.cn`) for policy ARNs");
    static final Key<ThingName> THING_NAME = Key.of("thing_name", ValueKind.typed("thing name",
                    "AWS rules: 1-" + ThingName.MAX_LENGTH + " of `a-zA-Z0-9:_-`", ThingName::problem, ThingName::of,
                    ThingName::value))
            .defaultDoc("read from NVS").doc("pins one thing name into the firmware");
    static final Key<String> ACCOUNT_ID = Key.of("account_id", ValueKind.text("string", "12 digits",
                    a -> a.matches("[0-9]{12}") ? Optional.empty()
                            : Optional.of("must be the 12-digit AWS account id; got '" + a + "'")))
            .defaultDoc("`*` in ARNs").doc("used in the policy and rule role ARNs");
    static final Schema<Aws> AWS_SCHEMA = Schema.of(v -> new Aws(v.get(ENDPOINT), v.find(THING_NAME),
            v.find(ACCOUNT_ID)), ENDPOINT, THING_NAME, ACCOUNT_ID);

    // --- mqtt

    static final Key<Integer> KEEPALIVE = Key.of("keepalive", ValueKind.integer(KEEPALIVE_MIN, KEEPALIVE_MAX))
            .byDefault(60).doc("seconds (AWS IoT Core's range)");
    static final Key<Boolean> PERSISTENT_SESSION = Key.of("persistent_session", ValueKind.bool()).byDefault(true)
            .doc("clean session off; subscriptions are renewed when `session_present` is 0");
    static final Key<Integer> QOS = Key.of("qos", ValueKind.integer(0, 1).refusing(2,
                    "AWS IoT Core does not support QoS 2 (it closes the connection); use 0 or 1"))
            .byDefault(1).doc("AWS has no QoS 2");
    static final Key<String> TOPIC_PREFIX = Key.of("topic_prefix", ValueKind.text("MQTT topic",
                    "levels of `A-Za-z0-9_-`; never `$...`, at most " + Names.TOPIC_PREFIX_MAX + " characters and "
                            + Names.TOPIC_PREFIX_MAX_LEVELS + " levels", Names::topicPrefixProblem))
            .byDefault("dt").doc("status and Last Will topic `<prefix>/<thing>/status`, telemetry topic"
                    + " `<prefix>/<thing>/telemetry`");
    // esp-mqtt allocates buffer_size for receiving and again for sending; the reassembly buffer is static: both
    // come out of the chip's ~300 KB of RAM beside Wi-Fi and TLS
    static final Key<Integer> BUFFER_SIZE = Key.of("buffer_size", ValueKind.integer(512, 16384)).byDefault(2048)
            .doc("esp-mqtt receive (and send) buffer; larger messages arrive in fragments");
    // a get/accepted reply carries desired, reported, delta and metadata: up to about twice the 8 KB the shadow
    // allows its state
    static final Key<Integer> MAX_MESSAGE_BYTES = Key.of("max_message_bytes", ValueKind.integer(1024, 65536))
            .byDefault(16384).doc("largest message reassembled from fragments (a `get/accepted` reply holds desired,"
                    + " reported, delta and metadata); larger ones are dropped");
    static final Key<Integer> NETWORK_TIMEOUT_MS = Key.of("network_timeout_ms", ValueKind.integer(1000, 120000))
            .byDefault(10000).doc("esp-mqtt gives up a network operation (connect, a write) after this long");
    static final Schema<Mqtt> MQTT_SCHEMA = Schema.of(v -> new Mqtt(v.get(KEEPALIVE), v.get(PERSISTENT_SESSION),
                    v.get(QOS), v.get(TOPIC_PREFIX), v.get(BUFFER_SIZE), v.get(MAX_MESSAGE_BYTES),
                    v.get(NETWORK_TIMEOUT_MS)),
            KEEPALIVE, PERSISTENT_SESSION, QOS, TOPIC_PREFIX, BUFFER_SIZE, MAX_MESSAGE_BYTES, NETWORK_TIMEOUT_MS);

    // --- reconnect

    static final int DELAY_MIN_MS = 100;
    static final int DELAY_MAX_MS = 3_600_000;
    static final Key<Integer> INITIAL_DELAY_MS = Key.of("initial_delay_ms",
            ValueKind.integer(DELAY_MIN_MS, DELAY_MAX_MS)).byDefault(1000).doc("the first delay");
    static final Key<Integer> MAX_DELAY_MS = Key.of("max_delay_ms", ValueKind.integer(DELAY_MIN_MS, DELAY_MAX_MS))
            .byDefault(60000).doc("the cap; never exceeded, jitter included");
    static final Key<Integer> MULTIPLIER = Key.of("multiplier", ValueKind.integer(1, 10)).byDefault(2)
            .doc("each delay is the one before times this");
    static final Key<JitterStrategy> JITTER = Key.of("jitter", ValueKind.choice(List.of(JitterStrategy.values()),
                    ValueKind::lowerCase, ""))
            .byDefault(JitterStrategy.FULL).doc("`full`: uniform 0..delay (AWS's advice); `equal`: delay/2 + uniform"
                    + " 0..delay/2; `proportional`: delay ± `jitter_percent`; `none`: the delay exactly (one device on"
                    + " a bench)");
    static final Key<Integer> JITTER_PERCENT = Key.of("jitter_percent", ValueKind.integer(1, 100))
            .doc("with `jitter: proportional`: delay ± this many percent");
    static final Schema<Reconnect> RECONNECT_SCHEMA = Schema.of(v -> new Reconnect(v.get(INITIAL_DELAY_MS),
                    v.get(MAX_DELAY_MS), v.get(MULTIPLIER), v.get(JITTER), v.find(JITTER_PERCENT).orElse(0)),
            INITIAL_DELAY_MS, MAX_DELAY_MS, MULTIPLIER, JITTER, JITTER_PERCENT)
            .rules(new Rule("`reconnect.initial_delay_ms` ≤ `reconnect.max_delay_ms`", v -> {
                int initial = v.get(INITIAL_DELAY_MS);
                int max = v.get(MAX_DELAY_MS);
                if (initial > max) {
                    v.problem(INITIAL_DELAY_MS, "must not exceed max_delay_ms (" + initial + " > " + max + ")");
                }
            }), new Rule("`reconnect.jitter_percent` is required with `jitter: proportional`, and refused with any"
                    + " other jitter", v -> {
                JitterStrategy jitter = v.get(JITTER);
                if (v.written(JITTER_PERCENT) && jitter != JitterStrategy.PROPORTIONAL) {
                    v.problem(JITTER_PERCENT, "applies only to jitter: proportional (jitter is "
                            + ValueKind.lowerCase(jitter) + ")");
                } else if (!v.written(JITTER_PERCENT) && jitter == JitterStrategy.PROPORTIONAL) {
                    v.missing(JITTER_PERCENT, "how far, in percent, jitter: proportional moves each delay");
                }
            }));

    // --- shadow: fields (typed by their type) and the shadow

    static final Key<String> FIELD_NAME = Key.of("name", ValueKind.text("C identifier",
                    "letters, digits and `_`, at most " + Names.FIELD_NAME_MAX + " characters, not starting with a digit"
                            + " or `_`; not a C keyword, `online` or `firmware_version`", Names::fieldNameProblem))
            .required("the field's name in the shadow document and in C")
            .doc("the field's name in the shadow document and in C");
    static final Key<FieldType> FIELD_TYPE = Key.of("type", ValueKind.choice(List.of(FieldType.values()),
            ValueKind::lowerCase, "")).required("int, float, bool or string").doc("`float` is a C `double`");
    static final Key<Integer> MAX_LENGTH = Key.of("max_length", ValueKind.integer(1, STRING_FIELD_MAX)).byDefault(64)
            .doc("bytes, without the NUL");

    static final Key<Integer> INT_MIN = Key.of("min", int32()).defaultDoc("none")
            .doc("the smallest value the device applies");
    static final Key<Integer> INT_MAX = Key.of("max", int32()).defaultDoc("none")
            .doc("the largest value the device applies");
    static final Key<Integer> INT_DEFAULT = Key.of("default", int32())
            .defaultDoc("0, or the bound nearest 0").doc("the value until the shadow sets one");
    static final Key<Double> FLOAT_MIN = Key.of("min", ValueKind.number()).defaultDoc("none")
            .doc("the smallest value the device applies");
    static final Key<Double> FLOAT_MAX = Key.of("max", ValueKind.number()).defaultDoc("none")
            .doc("the largest value the device applies");
    static final Key<Double> FLOAT_DEFAULT = Key.of("default", ValueKind.number())
            .defaultDoc("0, or the bound nearest 0").doc("the value until the shadow sets one");
    static final Key<Boolean> BOOL_DEFAULT = Key.of("default", ValueKind.bool()).byDefault(false)
            .doc("the value until the shadow sets one");
    static final Key<String> STRING_DEFAULT = Key.of("default", ValueKind.text("string", "", s -> Optional.empty()))
            .byDefault("").defaultDoc("empty").doc("the value until the shadow sets one");

    static final Schema<DesiredField> DESIRED_FIELD = Schema.typed(ConfigSchema::desiredField,
            List.of(FIELD_NAME, FIELD_TYPE), FIELD_TYPE, "fields", List.of(
            Variant.of(FieldType.INT, INT_MIN, INT_MAX, INT_DEFAULT)
                    .rules(minAtMostMax(INT_MIN, INT_MAX), defaultWithinBounds(INT_MIN, INT_MAX, INT_DEFAULT)),
            Variant.of(FieldType.FLOAT, FLOAT_MIN, FLOAT_MAX, FLOAT_DEFAULT)
                    .rules(minAtMostMax(FLOAT_MIN, FLOAT_MAX),
                            defaultWithinBounds(FLOAT_MIN, FLOAT_MAX, FLOAT_DEFAULT)),
            Variant.of(FieldType.BOOL, BOOL_DEFAULT),
            Variant.of(FieldType.STRING, MAX_LENGTH, STRING_DEFAULT).rules(new Rule(
                    "a `string` field's `default` is at most `max_length` bytes", v -> {
                        int bytes = v.get(STRING_DEFAULT).getBytes(StandardCharsets.UTF_8).length;
                        int max = v.get(MAX_LENGTH);
                        if (bytes > max) {
                            v.problem(STRING_DEFAULT, "is " + bytes + " bytes, longer than max_length " + max);
                        }
                    }))));

    static final Schema<ReportedField> REPORTED_FIELD = Schema.typed(v -> new ReportedField(v.get(FIELD_NAME),
                    v.get(FIELD_TYPE), v.get(FIELD_TYPE) == FieldType.STRING ? v.get(MAX_LENGTH) : 0),
            List.of(FIELD_NAME, FIELD_TYPE), FIELD_TYPE, "fields", List.of(Variant.of(FieldType.INT),
                    Variant.of(FieldType.FLOAT), Variant.of(FieldType.BOOL), Variant.of(FieldType.STRING, MAX_LENGTH)));

    static final Key<String> SHADOW_NAME = Key.of("name", ValueKind.text("shadow name",
                    "1-64 of `a-zA-Z0-9:_-`, not `classic`", Names::shadowNameProblem))
            .defaultDoc("the classic shadow").doc("a named shadow");
    static final Key<List<DesiredField>> DESIRED = Key.list("desired", DESIRED_FIELD)
            .doc("settings the cloud changes through the shadow's desired state, each checked before it is applied");
    static final Key<List<ReportedField>> REPORTED = Key.list("reported", REPORTED_FIELD)
            .doc("the readings: each value comes from a weak `read_<name>()` hook");
    static final Schema<Shadow> SHADOW_SCHEMA = Schema.of(v -> new Shadow(v.find(SHADOW_NAME), v.get(DESIRED),
                    v.get(REPORTED)), SHADOW_NAME, DESIRED, REPORTED)
            .rules(new Rule("field names are unique across `shadow.desired[]` and `shadow.reported[]`", v -> {
                Map<String, String> seen = new HashMap<>();
                for (Values field : Stream.concat(v.items(DESIRED).stream(), v.items(REPORTED).stream()).toList()) {
                    field.find(FIELD_NAME).ifPresent(name -> {
                        String earlier = seen.putIfAbsent(name, field.path());
                        if (earlier != null) {
                            field.problem(FIELD_NAME, "'" + name + "' is already used by " + earlier);
                        }
                    });
                }
            }));

    // --- telemetry

    static final Key<Integer> INTERVAL_S = Key.of("interval_s", ValueKind.integer(1, 86400)).byDefault(60)
            .doc("seconds between readings (`shadow.reported[]`) sent");
    static final Key<TelemetryDestination> TELEMETRY_TO = Key.of("to", ValueKind.choice(
                    List.of(TelemetryDestination.values()), TelemetryDestination::label,
                    "where the readings go: <prefix>/<thing>/telemetry, or the shadow's reported state"))
            .byDefault(TelemetryDestination.TOPIC)
            .doc("`topic`: to `<prefix>/<thing>/telemetry` as one JSON object (`{\"temperature\":21.5}`); the shadow"
                    + " keeps state (desired values as applied, `firmware_version`, `online`). `shadow`: into the"
                    + " shadow's reported state, each sample a shadow update (a new version, billed as one, and a"
                    + " `documents` message to every subscriber)");
    static final Schema<Telemetry> TELEMETRY_SCHEMA = Schema.of(v -> new Telemetry(v.get(INTERVAL_S),
            v.get(TELEMETRY_TO)), INTERVAL_S, TELEMETRY_TO);

    // --- AWS IoT Jobs (OTA updates with rollback)

    static final Key<Boolean> JOBS_ENABLED = Key.of("enabled", ValueKind.bool()).byDefault(false)
            .doc("the firmware takes AWS IoT Jobs (`$aws/things/<thing>/jobs/...`): `ota` updates into the other app"
                    + " slot with app rollback (`CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE`); docs/jobs.md");
    static final Key<Integer> SELF_TEST_TIMEOUT_S = Key.of("self_test_timeout_s", ValueKind.integer(10, 3600))
            .byDefault(300).doc("a new app that is not connected as its thing with a shadow round trip (and"
                    + " `app_self_test()` true) this long after boot marks itself invalid: the old app comes back");
    // AWS: stepTimeoutInMinutes is 1 to 10080 (7 days)
    static final Key<Integer> STEP_TIMEOUT_MINUTES = Key.of("step_timeout_minutes", ValueKind.integer(1, 10080))
            .byDefault(30).doc("`stepTimeoutInMinutes` the device sends with each IN_PROGRESS update: AWS sets the"
                    + " execution TIMED_OUT when the next update does not come in time");
    static final Key<Boolean> JOBS_ROTATION = Key.of("rotation", ValueKind.bool()).byDefault(false)
            .doc("the firmware also takes `rotate-certificate` jobs: a new key made on the chip, its certificate from"
                    + " CreateCertificateFromCsr (`$aws/certificates/create-from-csr/json`, allowed by aws/policy.json),"
                    + " attached to the thing by RegisterThing with `rotation_template`, a reconnect with it, commit or"
                    + " fall back to the old one; only with `enabled`; docs/jobs.md");
    static final Key<String> ROTATION_TEMPLATE = Key.of("rotation_template", ValueKind.text("string",
                    "1-" + ConfigSchema.TEMPLATE_NAME_MAX + " of `0-9A-Za-z_-` (AWS's rule for a provisioning template"
                            + " name)", ConfigSchema::templateNameProblem))
            .defaultDoc("required with `rotation: true`")
            .doc("the AWS IoT provisioning template a rotation registers its new certificate with (RegisterThing,"
                    + " `$aws/provisioning-templates/<template>/provision/json`): it attaches the certificate to the"
                    + " thing and to aws/policy.json's policy; aws/provisioning-template.json is its body");
    static final Key<String> OTA_SIGNING_KEY = Key.of("ota_signing_key", ValueKind.text("file",
                    "a path relative to the config's folder", ConfigSchema::signingKeyPathProblem))
            .defaultDoc("none: the document's SHA-256 alone")
            .doc("an EC P-256 public key (PEM, `-----BEGIN PUBLIC KEY-----`): the firmware then requires `signature`"
                    + " in each ota job document (ECDSA over the image's SHA-256, DER, base64; `espfleet jobs ota"
                    + " --sign-key`) and ends the job FAILED before the switch when it is missing or does not verify;"
                    + " docs/jobs.md");
    static final Schema<Jobs> JOBS_SCHEMA = Schema.of(v -> new Jobs(v.get(JOBS_ENABLED), v.get(SELF_TEST_TIMEOUT_S),
            v.get(STEP_TIMEOUT_MINUTES), v.get(JOBS_ENABLED) && v.get(JOBS_ROTATION),
            v.get(JOBS_ENABLED) && v.get(JOBS_ROTATION) ? v.find(ROTATION_TEMPLATE) : Optional.empty(),
            v.get(JOBS_ENABLED) ? v.find(OTA_SIGNING_KEY) : Optional.empty(), Optional.empty()),
            JOBS_ENABLED, SELF_TEST_TIMEOUT_S, STEP_TIMEOUT_MINUTES, JOBS_ROTATION, ROTATION_TEMPLATE, OTA_SIGNING_KEY)
            .rules(new Rule("`jobs.rotation` only with `jobs.enabled: true` (rotation is a job)", v -> {
                if (v.get(JOBS_ROTATION) && !v.get(JOBS_ENABLED)) {
                    v.problem(JOBS_ROTATION, "applies only with enabled: true (rotate-certificate is an AWS IoT job);"
                            + " set jobs.enabled: true");
                }
            }), new Rule("`jobs.ota_signing_key` only with `jobs.enabled: true`", v -> {
                if (v.written(OTA_SIGNING_KEY) && !v.get(JOBS_ENABLED)) {
                    v.problem(OTA_SIGNING_KEY, "applies only with enabled: true (ota is a job); set jobs.enabled: true"
                            + " or remove it");
                }
            }), new Rule("`jobs.rotation_template` is required with `rotation: true`, and refused without it", v -> {
                if (v.get(JOBS_ENABLED) && v.get(JOBS_ROTATION) && !v.written(ROTATION_TEMPLATE)) {
                    v.missing(ROTATION_TEMPLATE, "the AWS IoT provisioning template that attaches a rotated"
                            + " certificate to its thing and policy, e.g. env-sensor-rotation");
                } else if (!v.get(JOBS_ROTATION) && v.written(ROTATION_TEMPLATE)) {
                    v.problem(ROTATION_TEMPLATE, "applies only with rotation: true; set jobs.rotation: true or remove"
                            + " it");
                }
            }));

    // --- identity and Wi-Fi in NVS

    static final ValueKind<NvsKey> NVS_NAME = ValueKind.typed("NVS name", "an NVS name (see below)", NvsKey::problem,
            NvsKey::of, NvsKey::value);
    static final ValueKind<PartitionLabel> PARTITION_NAME = ValueKind.typed("partition name",
            "a partition name (see below)", PartitionLabel::problem, PartitionLabel::of, PartitionLabel::value);

    static final Key<PartitionLabel> IDENTITY_PARTITION = Key.of("partition", PARTITION_NAME)
            .byDefault(PartitionLabel.of("certs")).check(ConfigSchema::notAFixedPartition)
            .doc("its own NVS partition in `partitions.csv`, not one the table always has ("
                    + PartitionLayout.FIXED_PARTITIONS.stream().map(p -> "`" + p + "`")
                            .collect(Collectors.joining(", "))
                    + ")");
    static final Key<Integer> PARTITION_SIZE = Key.of("partition_size",
                    ValueKind.integer(NvsLayout.MIN_PARTITION_SIZE, PartitionLayout.MAX_IDENTITY_SIZE).hex().because(
                            String.format("the identity partition sits between phy_init (ending at 0x%x) and the first"
                                    + " app slot (at 0x%x)", PartitionLayout.IDENTITY_OFFSET, PartitionLayout.FIRST_APP)))
            .byDefault(0x6000).check(ConfigSchema::wholePages)
            .doc("a multiple of 0x1000 (a flash page); it ends before the first app slot");
    static final Key<NvsKey> IDENTITY_NAMESPACE = identityName("namespace", "identity").doc("NVS namespace");
    static final Key<KeySource> KEY_SOURCE = Key.of("key_source", ValueKind.choice(List.of(KeySource.values()),
                    KeySource::label, "where the private key is made: host (the bench) or device (the chip)"))
            .byDefault(KeySource.HOST)
            .doc("where each unit's private key is made. `host`: by the bench (or `provision`), kept in the unit"
                    + " folder and written into the identity image with the certificate: any board can be given an"
                    + " identity without booting it, but the key exists on the workstation and travels over the"
                    + " serial line. `device`: by the firmware on its first boot (EC P-256 from the chip's RNG), kept"
                    + " in its own NVS partition `dev_keys`, encrypted (docs/nvs-encryption.md), and never sent; the bench writes thing name, endpoint and server CA"
                    + " only, boots the unit and signs the certificate request it offers on its console: the key"
                    + " never leaves the chip, but every unit must boot on the bench before it has a certificate");
    static final Key<NvsKey> THING_NAME_KEY = identityName("thing_name", "thing_name");
    static final Key<NvsKey> ENDPOINT_KEY = identityName("endpoint", "endpoint");
    static final Key<NvsKey> DEVICE_CERT_KEY = identityName("device_cert", "device_cert");
    static final Key<NvsKey> PRIVATE_KEY_KEY = identityName("private_key", "private_key");
    static final Key<NvsKey> SERVER_CA_KEY = identityName("server_ca", "server_ca");
    static final Key<NvsKey> CLAIM_CERT_KEY = identityName("claim_cert", "claim_cert")
            .doc("the claim certificate (PEM) the bench writes for `identity.claim`; not a Wi-Fi driver record's name");
    static final Key<NvsKey> CLAIM_KEY_KEY = identityName("claim_key", "claim_key")
            .doc("the claim certificate's private key (PEM), shared by the product's units; not a Wi-Fi driver"
                    + " record's name");
    /** The identity's NVS keys, in the order of the identity CSV. */
    static final List<Key<NvsKey>> IDENTITY_NVS_KEYS = List.of(THING_NAME_KEY, ENDPOINT_KEY, DEVICE_CERT_KEY,
            PRIVATE_KEY_KEY, SERVER_CA_KEY, CLAIM_CERT_KEY, CLAIM_KEY_KEY);
    /** Built as part of {@link Identity}, which reads its keys. */
    static final Schema<Void> IDENTITY_KEYS_SCHEMA = Schema.of(v -> null,
            THING_NAME_KEY, ENDPOINT_KEY, DEVICE_CERT_KEY, PRIVATE_KEY_KEY, SERVER_CA_KEY, CLAIM_CERT_KEY,
            CLAIM_KEY_KEY);
    /** AWS IoT CreateProvisioningTemplate: templateName is 1-36 of [0-9A-Za-z_-]. */
    static final int TEMPLATE_NAME_MAX = 36;
    static final Key<String> CLAIM_TEMPLATE = Key.of("template", ValueKind.text("string",
                    "1-" + TEMPLATE_NAME_MAX + " of `0-9A-Za-z_-` (AWS's rule for a provisioning template name)",
                    ConfigSchema::templateNameProblem))
            .required("the AWS IoT provisioning template the device asks to provision it, e.g. env-sensor-claim")
            .doc("`$aws/provisioning-templates/<template>/provision/json`; aws/provisioning-template.json is its body");
    static final Schema<Optional<String>> CLAIM_SCHEMA = Schema.of(v -> v.find(CLAIM_TEMPLATE), CLAIM_TEMPLATE);
    static final Key<Optional<String>> CLAIM = Key.section("claim", CLAIM_SCHEMA)
            .doc("fleet provisioning by claim (docs/fleet-provisioning.md), only with `key_source: device`: a unit"
                    + " without a certificate connects to AWS IoT with the claim certificate in NVS, has its CSR signed"
                    + " (`$aws/certificates/create-from-csr/json`), registers itself with this template, stores its"
                    + " certificate and reconnects as its thing");
    static final Key<Void> IDENTITY_KEYS = Key.section("keys", IDENTITY_KEYS_SCHEMA)
            .doc("the NVS key of each item of the identity");
    static final Schema<Identity> IDENTITY_SCHEMA = Schema.of(v -> {
        Values keys = v.section(IDENTITY_KEYS);
        return new Identity(v.get(IDENTITY_PARTITION), v.get(PARTITION_SIZE), v.get(IDENTITY_NAMESPACE),
                keys.get(THING_NAME_KEY), keys.get(ENDPOINT_KEY), keys.get(DEVICE_CERT_KEY), keys.get(PRIVATE_KEY_KEY),
                keys.get(SERVER_CA_KEY), v.get(KEY_SOURCE), v.get(CLAIM), keys.get(CLAIM_CERT_KEY),
                keys.get(CLAIM_KEY_KEY));
    }, IDENTITY_PARTITION, PARTITION_SIZE, IDENTITY_NAMESPACE, KEY_SOURCE, CLAIM, IDENTITY_KEYS)
            .rules(new Rule("`identity.claim` only with `identity.key_source: device` (the claim asks AWS to sign a"
                    + " key made on the chip)", v -> {
                if (v.written(CLAIM) && v.get(KEY_SOURCE) != KeySource.DEVICE) {
                    v.problem(CLAIM, "applies only with key_source: device (fleet provisioning by claim signs a key"
                            + " the chip made); got key_source: " + v.get(KEY_SOURCE).label());
                }
            }));

    static final Key<PartitionLabel> WIFI_PARTITION = Key.of("partition", PARTITION_NAME)
            .defaultDoc("the identity partition")
            .doc("`" + PartitionLayout.DEFAULT_NVS + "` or the identity partition");
    static final Key<NvsKey> WIFI_NAMESPACE = Key.of("namespace", NVS_NAME).byDefault(NvsKey.of("wifi"))
            .check(ConfigSchema::notAWifiDriverRecord).doc("NVS namespace; not a Wi-Fi driver record's name");
    static final Key<NvsKey> SSID_KEY = Key.of("ssid_key", NVS_NAME).byDefault(NvsKey.of("ssid"))
            .doc("NVS key of the SSID (`sta.ssid` brings the Wi-Fi driver's records, as nvs_partition_gen.py adds"
                    + " them)");
    static final Key<NvsKey> PASSWORD_KEY = Key.of("password_key", NVS_NAME).byDefault(NvsKey.of("password"))
            .doc("NVS key of the password");
    static final Schema<Wifi> WIFI_SCHEMA = Schema.of(v -> new Wifi(
                    v.find(WIFI_PARTITION)
                            .orElseGet(() -> v.parent().section(ConfigSchema.IDENTITY).get(IDENTITY_PARTITION)),
                    v.get(WIFI_NAMESPACE), v.get(SSID_KEY), v.get(PASSWORD_KEY)),
            WIFI_PARTITION, WIFI_NAMESPACE, SSID_KEY, PASSWORD_KEY);

    // --- the whole config

    static final Key<Product> PRODUCT = Key.section("product", PRODUCT_SCHEMA)
            .required("the product's name and firmware version").doc("the product");
    static final Key<Chip> TARGET = Key.of("target", ValueKind.typed("chip",
                    Arrays.stream(FirmwareTargets.choices().split(", ")).map(c -> "`" + c + "`")
                            .collect(Collectors.joining(", ")) + ", in any case, with or without the hyphen (`ESP32-S3`)",
                    FirmwareTargets::problem, t -> Chip.parse(t).orElseThrow(), Chip::idfName))
            .byDefault(Chip.ESP32).doc("the chip the firmware is built for; not one without Wi-Fi such as `esp32h2`"
                    + " (the flasher still talks to it)");
    static final Key<FlashSize> FLASH_SIZE = Key.of("flash_size", ValueKind.choice(List.of(FlashSize.values()),
            FlashSize::label, "")).byDefault(FlashSize.MB4).doc("two OTA slots share what the table leaves");
    static final Key<Aws> AWS = Key.section("aws", AWS_SCHEMA).required("the AWS IoT endpoint")
            .doc("the AWS IoT account");
    static final Key<Mqtt> MQTT = Key.section("mqtt", MQTT_SCHEMA).doc("the MQTT connection");
    static final Key<Reconnect> RECONNECT = Key.section("reconnect", RECONNECT_SCHEMA)
            .doc("the backoff between connection attempts");
    static final Key<Shadow> SHADOW = Key.section("shadow", SHADOW_SCHEMA).doc("the device shadow and its fields");
    static final Key<Telemetry> TELEMETRY = Key.section("telemetry", TELEMETRY_SCHEMA)
            .doc("the periodic readings");
    static final Key<Jobs> JOBS = Key.section("jobs", JOBS_SCHEMA).doc("AWS IoT Jobs: OTA updates");
    static final Key<Identity> IDENTITY = Key.section("identity", IDENTITY_SCHEMA)
            .doc("where the firmware reads its identity in NVS");
    static final Key<Wifi> WIFI = Key.section("wifi", WIFI_SCHEMA)
            .doc("where the firmware reads its Wi-Fi credentials");

    /** The whole config; {@link #deviceConfig} builds it. */
    static final Schema<Void> CONFIG = Schema.<Void>of(v -> null,
                    PRODUCT, TARGET, FLASH_SIZE, AWS, MQTT, RECONNECT, SHADOW, TELEMETRY, JOBS, IDENTITY, WIFI)
            .rules(new Rule("`wifi.partition` is `" + PartitionLayout.DEFAULT_NVS + "` (the default NVS partition) or"
                    + " `identity.partition`", v -> {
                Values wifi = v.section(WIFI);
                PartitionLabel partition = wifi.get(WIFI_PARTITION);
                PartitionLabel identity = v.section(IDENTITY).get(IDENTITY_PARTITION);
                if (!partition.value().equals(PartitionLayout.DEFAULT_NVS) && !partition.equals(identity)) {
                    wifi.problem(WIFI_PARTITION, "must be '" + PartitionLayout.DEFAULT_NVS + "' (the default NVS"
                            + " partition) or the identity partition '" + identity + "'; got '" + partition + "'");
                }
            }), new Rule("with `identity.key_source: device`, `wifi.partition` is the identity partition: the default"
                    + " NVS partition `" + PartitionLayout.DEFAULT_NVS + "` is then encrypted (docs/nvs-encryption.md),"
                    + " so a plain image the bench writes there could not be read", v -> {
                Values wifi = v.section(WIFI);
                Values identity = v.section(IDENTITY);
                PartitionLabel partition = wifi.get(WIFI_PARTITION);
                if (identity.get(KEY_SOURCE) == KeySource.DEVICE && partition.value().equals(PartitionLayout.DEFAULT_NVS)
                        && !partition.equals(identity.get(IDENTITY_PARTITION))) {
                    wifi.problem(WIFI_PARTITION, "must be the identity partition '" + identity.get(IDENTITY_PARTITION)
                            + "' with identity.key_source device: the firmware opens the default NVS partition '"
                            + PartitionLayout.DEFAULT_NVS + "' encrypted, and the bench writes Wi-Fi in plain");
                }
            }), new Rule("an NVS key is used once in a namespace of a partition: the identity's seven keys, the Wi-Fi"
                    + " SSID and password keys, and all of them when Wi-Fi shares the identity's partition and"
                    + " namespace, the records nvs_partition_gen.py adds beside a Wi-Fi driver record's name included",
                    ConfigSchema::nvsKeysUsedOnce));

    /** The config read by {@link #CONFIG} without a problem, as the record the generator and provisioning take. */
    static Optional<String> signingKeyPathProblem(String path) {
        if (path.isBlank() || path.length() > 4096 || path.chars().anyMatch(c -> c < 0x20)) {
            return Optional.of("a file path (relative to the config's folder), e.g. keys/ota-signing.pub.pem");
        }
        return Optional.empty();
    }

    static DeviceConfig deviceConfig(Values config, String sourceName) {
        return new DeviceConfig(sourceName, config.get(PRODUCT), config.get(TARGET), config.get(FLASH_SIZE),
                config.get(AWS), config.get(MQTT), config.get(RECONNECT), config.get(SHADOW), config.get(TELEMETRY),
                config.get(JOBS), config.get(IDENTITY), config.get(WIFI));
    }

    // --- the key reference

    /**
     * The key reference of docs/config.md: a Markdown table of every key (its path, type, default, the values it
     * takes and what it does), then the rules across keys.
     */
    public static String markdownReference() {
        StringBuilder out = new StringBuilder("| key | type | default | values and meaning |\n|---|---|---|---|\n");
        Set<String> rules = new LinkedHashSet<>();
        rows(out, rules, CONFIG, "", "");
        out.append("\nChecked across keys, each reported at the line of the key that breaks it:\n\n");
        rules.forEach(r -> out.append("- ").append(r).append('\n'));
        out.append("\nWi-Fi driver record names, which nvs_partition_gen.py takes as such whatever the row (storing the"
                + " CSV text rather than a file's contents, and adding the driver's records beside it): ")
                .append(WifiDriverRecords.wifiKeys().stream().map(k -> "`" + k + "`").collect(Collectors.joining(", ")))
                .append(".\n");
        return out.toString();
    }

    private static void rows(StringBuilder out, Set<String> rules, Schema<?> schema, String prefix, String variant) {
        schema.rules().forEach(r -> rules.add(r.doc()));
        schema.keys().forEach(k -> row(out, rules, k, prefix, variant));
        if (schema.variants() != null) {
            variantRows(out, rules, schema.variants(), prefix);
        }
    }

    private static <V> void variantRows(StringBuilder out, Set<String> rules, Schema.Variants<V> variants,
                                        String prefix) {
        for (Variant<V> v : variants.variants()) {
            String when = "`" + variants.discriminator().name() + ": " + variants.discriminator().kind().show(v.value())
                    + "`";
            v.keys().forEach(k -> row(out, rules, k, prefix, when));
            v.rules().forEach(r -> rules.add(r.doc()));
        }
    }

    private static void row(StringBuilder out, Set<String> rules, Key<?> key, String prefix, String variant) {
        String path = prefix + key.name();
        if (key.isSection()) {
            line(out, "`" + path + "`", "mapping", key.isRequired() ? "required" : "", key.doc());
            rows(out, rules, key.schema(), path + ".", "");
        } else if (key.isList()) {
            line(out, "`" + path + "[]`", "list", key.defaultDoc(), key.doc());
            rows(out, rules, key.schema(), path + "[].", "");
        } else {
            String allowed = key.kind().allowed();
            line(out, "`" + path + "`" + (variant.isEmpty() ? "" : " (" + variant + ")"), key.kind().type(),
                    key.defaultDoc(), allowed.isEmpty() || key.doc().isEmpty() ? allowed + key.doc()
                            : allowed + "; " + key.doc());
        }
    }

    private static void line(StringBuilder out, String... cells) {
        out.append('|');
        for (String cell : cells) {
            out.append(' ').append(cell.replace("|", "\\|")).append(" |");
        }
        out.append('\n');
    }

    // --- the rules' code

    /**
     * A name in an NVS namespace of a partition: the NVS key {@code key} of {@code section} holds, or, when
     * {@code addedBeside} is set, a record nvs_partition_gen.py adds for the Wi-Fi driver beside that key.
     */
    private record NvsSlot(Values section, Key<NvsKey> key, String partition, String namespace, String name,
                           String addedBeside) {
        boolean isKeyWritten() {
            return addedBeside == null && section.written(key);
        }

        String describe() {
            return addedBeside == null
                    ? "the NVS key of " + section.path(key) + (section.written(key) ? "" : " (by default)")
                    : "a record nvs_partition_gen.py adds for the Wi-Fi driver beside " + section.path(key) + " '"
                    + addedBeside + "'";
        }
    }

    /**
     * The identity's keys, then the Wi-Fi keys (with the records nvs_partition_gen.py adds beside them), in the order
     * of the identity CSV provision writes; each used twice in a namespace of a partition is reported at the key
     * the file writes (the later one when both are written).
     */
    private static void nvsKeysUsedOnce(Values config) {
        Values identity = config.section(IDENTITY);
        Values keys = identity.section(IDENTITY_KEYS);
        Values wifi = config.section(WIFI);
        String identityPartition = identity.get(IDENTITY_PARTITION).value();
        String wifiPartition = wifi.written(WIFI_PARTITION) ? wifi.get(WIFI_PARTITION).value() : identityPartition;
        String identityNamespace = identity.get(IDENTITY_NAMESPACE).value();
        String wifiNamespace = wifi.get(WIFI_NAMESPACE).value();
        List<NvsSlot> slots = new ArrayList<>();
        for (Key<NvsKey> k : IDENTITY_NVS_KEYS) {
            keys.find(k).ifPresent(n -> slots.add(new NvsSlot(keys, k, identityPartition, identityNamespace, n.value(),
                    null)));
        }
        Set<String> added = new LinkedHashSet<>();
        for (Key<NvsKey> k : List.of(SSID_KEY, PASSWORD_KEY)) {
            wifi.find(k).ifPresent(n -> {
                slots.add(new NvsSlot(wifi, k, wifiPartition, wifiNamespace, n.value(), null));
                for (String record : WifiDriverRecords.keysAddedWith(n.value())) {
                    if (added.add(record)) {
                        slots.add(new NvsSlot(wifi, k, wifiPartition, wifiNamespace, record, n.value()));
                    }
                }
            });
        }
        Map<List<String>, NvsSlot> seen = new HashMap<>();
        for (NvsSlot slot : slots) {
            NvsSlot earlier = seen.putIfAbsent(List.of(slot.partition(), slot.namespace(), slot.name()), slot);
            if (earlier != null) {
                NvsSlot at = slot.isKeyWritten() || !earlier.isKeyWritten() ? slot : earlier;
                NvsSlot other = at == slot ? earlier : slot;
                at.section().problem(at.key(), "'" + slot.name() + "' is also " + other.describe() + " in namespace '"
                        + slot.namespace() + "' of partition '" + slot.partition() + "'; an NVS key holds one value");
            }
        }
    }

    private static ValueKind.IntegerKind int32() {
        return ValueKind.integer(Integer.MIN_VALUE, Integer.MAX_VALUE).decimalPoint().because("an int field is an"
                + " int32_t");
    }

    private static Key<NvsKey> identityName(String name, String defaultName) {
        return Key.of(name, NVS_NAME).byDefault(NvsKey.of(defaultName)).check(ConfigSchema::notAWifiDriverRecord)
                .doc("not a Wi-Fi driver record's name");
    }

    static Optional<String> templateNameProblem(String name) {
        if (!name.matches("[0-9A-Za-z_-]{1," + TEMPLATE_NAME_MAX + "}")) {
            return Optional.of("must be 1-" + TEMPLATE_NAME_MAX + " of 0-9 A-Z a-z _ - (an AWS IoT provisioning"
                    + " template name); got '" + name + "'");
        }
        return Optional.empty();
    }

    /**
     * A version as semantic versions and {@code git describe} write them ({@code 1.2.3}, {@code v1.2-3-gabc123},
     * {@code 2.0.0+build.7}): it goes into the 32-byte {@code esp_app_desc_t.version}, a C string literal
     * and CMake's {@code PROJECT_VER}, where {@code $}, {@code ;} or {@code #} would be read as a variable,
     * a list separator or a comment.
     */
    static Optional<String> firmwareVersionProblem(String version) {
        if (version.isEmpty() || version.length() > FIRMWARE_VERSION_MAX
                || !version.chars().allMatch(c -> c < 128 && (Character.isLetterOrDigit(c) || ".-_+~".indexOf(c) >= 0))) {
            return Optional.of("must be 1-" + FIRMWARE_VERSION_MAX + " of A-Z a-z 0-9 . _ - + ~ (it is stored in the"
                    + " 32-byte esp_app_desc_t.version and set as CMake's PROJECT_VER); got '" + version + "'");
        }
        return Optional.empty();
    }

    private static Optional<String> notAFixedPartition(PartitionLabel partition) {
        if (PartitionLayout.FIXED_PARTITIONS.contains(partition.value())) {
            return Optional.of("'" + partition + "' is already in the generated partition table; the identity needs a"
                    + " partition of its own, such as 'certs'");
        }
        return Optional.empty();
    }

    private static Optional<String> wholePages(int size) {
        if (size % NvsLayout.PAGE_SIZE != 0) {
            return Optional.of("must be a multiple of " + NvsLayout.PAGE_SIZE + " (0x" + Integer.toHexString(
                    NvsLayout.PAGE_SIZE) + "), got 0x" + Integer.toHexString(size));
        }
        return Optional.empty();
    }

    private static Optional<String> notAWifiDriverRecord(NvsKey name) {
        if (WifiDriverRecords.isWifiKey(name.value())) {
            return Optional.of("'" + name + "' is a name nvs_partition_gen.py takes for an ESP-IDF Wi-Fi driver"
                    + " record whatever the row: it stores the CSV text rather than a file's contents, and adds the"
                    + " driver's records beside it; choose another name");
        }
        return Optional.empty();
    }

    private static DesiredField desiredField(Values v) {
        String name = v.get(FIELD_NAME);
        FieldType type = v.get(FIELD_TYPE);
        return switch (type) {
            case INT -> {
                Optional<Double> min = v.find(INT_MIN).map(Integer::doubleValue);
                Optional<Double> max = v.find(INT_MAX).map(Integer::doubleValue);
                long value = v.find(INT_DEFAULT).map(Integer::longValue)
                        .orElseGet(() -> (long) nearestZero(min, max));
                yield new DesiredField(name, type, min, max, value, 0);
            }
            case FLOAT -> {
                Optional<Double> min = v.find(FLOAT_MIN);
                Optional<Double> max = v.find(FLOAT_MAX);
                double value = v.find(FLOAT_DEFAULT).orElseGet(() -> nearestZero(min, max));
                yield new DesiredField(name, type, min, max, value, 0);
            }
            case BOOL -> new DesiredField(name, type, Optional.empty(), Optional.empty(), v.get(BOOL_DEFAULT), 0);
            case STRING -> new DesiredField(name, type, Optional.empty(), Optional.empty(), v.get(STRING_DEFAULT),
                    v.get(MAX_LENGTH));
        };
    }

    /** The default of a number field without one: 0, or the bound nearest to it. */
    private static double nearestZero(Optional<Double> min, Optional<Double> max) {
        double v = min.map(m -> Math.max(0, m)).orElse(0.0);
        return max.isPresent() && v > max.get() ? max.get() : v;
    }

    private static Rule minAtMostMax(Key<? extends Number> min, Key<? extends Number> max) {
        return new Rule("`shadow.desired[].min` ≤ `shadow.desired[].max`", v -> {
            double lo = v.get(min).doubleValue();
            double hi = v.get(max).doubleValue();
            if (lo > hi) {
                v.problem(min, "must not exceed max (" + ConfigLoader.fmt(lo) + " > " + ConfigLoader.fmt(hi) + ")");
            }
        });
    }

    private static Rule defaultWithinBounds(Key<? extends Number> min, Key<? extends Number> max,
                                            Key<? extends Number> defaultValue) {
        return new Rule("`shadow.desired[].min` ≤ `shadow.desired[].default` ≤ `shadow.desired[].max`", v -> {
            if (!v.written(defaultValue)) {
                return; // the default taken then is within the bounds
            }
            double d = v.get(defaultValue).doubleValue();
            Optional<Double> lo = v.written(min) ? Optional.of(v.get(min).doubleValue()) : Optional.empty();
            Optional<Double> hi = v.written(max) ? Optional.of(v.get(max).doubleValue()) : Optional.empty();
            if (lo.isPresent() && d < lo.get() || hi.isPresent() && d > hi.get()) {
                v.problem(defaultValue, ConfigLoader.fmt(d) + " is outside [" + lo.map(ConfigLoader::fmt).orElse("-inf")
                        + ", " + hi.map(ConfigLoader::fmt).orElse("inf") + "]");
            }
        });
    }
}
