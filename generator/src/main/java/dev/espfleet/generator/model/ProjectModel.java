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
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * The view model the templates see: an immutable tree of records holding every C declaration, literal, topic and
 * ARN, computed here, so that templates only place text (and a renamed component fails to compile here and to
 * render there). Text and flags only, in a stable order: output is deterministic, and no number reaches a
 * template to be formatted by a locale.
 *
 * @param source the config's file name, for "generated from" comments
 * @param nvsPartitionsToInit C string literals: every NVS partition the firmware opens besides the default one
 * @param claim fleet provisioning by claim; null without identity.claim (its aws/ files are then not written)
 * @param rotationTemplate the provisioning template rotate-certificate registers with; null without jobs.rotation
 * @param sdkconfigSecurity lines of sdkconfig.defaults that turn on NVS encryption (none when the key comes from
 *                          the host)
 */
public record ProjectModel(String source, String productName, String cmakeProjectName, String firmwareVersion,
                           String target, String flashSize, String partitionTableOffset, List<String> requires,
                           List<Define> defines, List<Partition> partitions, List<String> nvsPartitionsToInit,
                           List<Desired> desired, List<Reported> reported, Identity identity, AwsArtifacts.View aws,
                           Telemetry telemetry, boolean jobsEnabled, AwsArtifacts.Claim claim,
                           String rotationTemplate, List<String> sdkconfigSecurity) {
    /**
     * ESP-IDF components main/ uses (json is cJSON; esp_hw_support has esp_random.h, esp_mac.h and esp_chip_info.h;
     * esp_app_format esp_app_desc.h; esp_rom esp_rom_crc.h; the console drivers and mbedtls for the console report;
     * bootloader_support bootloader_random.h, the entropy source for a key made before Wi-Fi starts; nvs_sec_provider
     * the NVS encryption key schemes the device-key partition is opened with).
     */
    static final List<String> REQUIRES = List.of("bootloader_support", "esp_app_format", "esp_driver_uart", "esp_driver_usb_serial_jtag",
            "esp_event", "esp_hw_support", "esp_netif", "esp_rom", "esp_timer", "esp_wifi", "json", "mbedtls", "mqtt",
            "nvs_flash", "nvs_sec_provider");
    /** What the Jobs client and the ota job add: esp_ota_ops.h (app_update), esp_partition, esp_https_ota. */
    static final List<String> JOBS_REQUIRES = List.of("app_update", "esp_http_client", "esp_https_ota",
            "esp_partition");

    public ProjectModel {
        requires = List.copyOf(requires);
        defines = List.copyOf(defines);
        partitions = List.copyOf(partitions);
        nvsPartitionsToInit = List.copyOf(nvsPartitionsToInit);
        desired = List.copyOf(desired);
        reported = List.copyOf(reported);
        sdkconfigSecurity = List.copyOf(sdkconfigSecurity);
    }

    /** A {@code #define} of espfleet_config.h; {@code comment} is empty when it has none. */
    public record Define(String name, String value, String comment) {
    }

    /** A line of partitions.csv, offsets and sizes in hex. */
    public record Partition(String name, String type, String subtype, String offset, String size, String flags) {
    }

    /** A desired field's C: its member of device_desired_t, how a delta's value is checked, stored and reported. */
    public record Desired(String name, String jsonName, String type, String applyFunction, String changedHook,
                          String member, String localDeclaration, String hookParameter, String check, String store,
                          String differs, String initialise, String report, String range) {
    }

    /**
     * A reported field's C: its weak read hook and how its value is added to the readings.
     *
     * @param unusedParameters the hook's parameters its weak default casts to void
     */
    public record Reported(String name, String type, String readHook, String hookParameters,
                           List<String> unusedParameters, String localDeclaration, String read, String add) {
        public Reported {
            unusedParameters = List.copyOf(unusedParameters);
        }
    }

    /**
     * Where the identity is in NVS, for README.md and nvs/identity.csv.
     *
     * @param csv the same names as cells of nvs/identity.csv
     */
    public record Identity(String partition, String partitionSize, String namespace, String thingNameKey,
                           String endpointKey, String deviceCertKey, String privateKeyKey, String serverCaKey,
                           boolean thingNamePinned, String endpoint, boolean wifiInIdentityPartition, IdentityCsv csv) {
    }

    /** NVS names as cells of nvs/identity.csv: quoted where nvs_partition_gen.py would read them otherwise. */
    public record IdentityCsv(String namespace, String thingNameKey, String endpointKey, String deviceCertKey,
                              String privateKeyKey, String wifiNamespace, String wifiSsidKey, String wifiPasswordKey,
                              String claimCertKey, String claimKeyKey) {
    }

    /**
     * Where the readings go.
     *
     * @param topic the telemetry topic with a {@code <thing>} placeholder
     * @param ruleSql an IoT rule that would take the readings
     */
    public record Telemetry(boolean toShadow, String topic, String ruleSql, String intervalSeconds) {
    }

    public static ProjectModel of(DeviceConfig config) {
        String prefix = config.mqtt().topicPrefix();
        int thingLevel = prefix.split("/").length + 1; // topic(n) is 1-based
        Telemetry telemetry = new Telemetry(config.telemetry().to() == TelemetryDestination.SHADOW,
                prefix + "/<thing>/" + Names.TELEMETRY_TOPIC_LEVEL,
                "SELECT *, topic(" + thingLevel + ") AS thing, timestamp() AS ts FROM '" + prefix + "/+/"
                        + Names.TELEMETRY_TOPIC_LEVEL + "'",
                Integer.toString(config.telemetry().intervalSeconds()));
        return new ProjectModel(config.sourceName(), config.product().name(),
                config.product().name().replace('-', '_'), config.product().firmwareVersion(),
                config.target().idfName(), config.flashSize().label(),
                String.format("0x%x", PartitionTable.DEFAULT_OFFSET), requires(config), defines(config),
                partitions(config),
                nvsPartitionsToInit(config), config.shadow().desired().stream().map(ProjectModel::desired).toList(),
                config.shadow().reported().stream().map(ProjectModel::reported).toList(), identity(config),
                AwsArtifacts.of(config), telemetry, config.jobs().enabled(),
                AwsArtifacts.claim(config).orElse(null), config.jobs().rotationTemplate().orElse(null),
                sdkconfigSecurity(config));
    }

    private static List<String> requires(DeviceConfig c) {
        if (!c.jobs().enabled()) {
            return REQUIRES;
        }
        return List.copyOf(new TreeSet<>(java.util.stream.Stream.concat(REQUIRES.stream(), JOBS_REQUIRES.stream())
                .toList()));
    }

    /**
     * NVS encryption for the partition of the device-made key (ESP-IDF v5.5 "NVS Encryption", docs/nvs-encryption.md):
     * the HMAC-based scheme where the chip has the HMAC peripheral, else the flash-encryption-based one, which needs
     * flash encryption on (development mode: the factory moves to release mode, see the doc).
     */
    static List<String> sdkconfigSecurity(DeviceConfig c) {
        if (!c.identity().keyBornOnDevice()) {
            return List.of();
        }
        if (PartitionLayout.flashEncryptionScheme(c)) {
            return List.of("CONFIG_SECURE_FLASH_ENC_ENABLED=y", "CONFIG_SECURE_FLASH_ENCRYPTION_MODE_DEVELOPMENT=y",
                    "CONFIG_NVS_ENCRYPTION=y", "CONFIG_NVS_SEC_KEY_PROTECT_USING_FLASH_ENC=y");
        }
        return List.of("CONFIG_NVS_ENCRYPTION=y", "CONFIG_NVS_SEC_KEY_PROTECT_USING_HMAC=y",
                "CONFIG_NVS_SEC_HMAC_EFUSE_KEY_ID=" + HMAC_EFUSE_KEY_BLOCK);
    }

    /**
     * The eFuse key block of the NVS HMAC key: the last one, clear of those flash encryption (up to two, XTS-AES-256)
     * and secure boot v2 (up to three digests) take first.
     */
    static final int HMAC_EFUSE_KEY_BLOCK = 5;

    private static List<Define> defines(DeviceConfig c) {
        List<Define> d = new ArrayList<>();
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
        define(d, "ESPFLEET_JOBS_ENABLED", c.jobs().enabled() ? "1" : "0",
                c.jobs().enabled() ? "AWS IoT Jobs: ota updates with rollback (docs/jobs.md)" : "no AWS IoT Jobs");
        if (c.jobs().enabled()) {
            define(d, "ESPFLEET_JOBS_SELF_TEST_TIMEOUT_MS", (c.jobs().selfTestTimeoutSeconds() * 1000L) + "u",
                    "a new app not confirmed by then rolls back");
            define(d, "ESPFLEET_JOBS_STEP_TIMEOUT_MINUTES", Integer.toString(c.jobs().stepTimeoutMinutes()),
                    "stepTimeoutInMinutes of IN_PROGRESS updates");
            define(d, "ESPFLEET_JOBS_ROTATION", c.jobs().rotation() ? "1" : "0", c.jobs().rotation()
                    ? "rotate-certificate jobs: new key on the chip, CreateCertificateFromCsr, commit or fall back"
                    : "no rotate-certificate jobs (jobs.rotation)");
            if (c.jobs().otaSigningKey().isPresent()) {
                String pem = c.jobs().otaSigningKeyPem().orElseThrow(() -> dev.espfleet.common.EspfleetException.badInput(
                        "jobs.ota_signing_key: " + c.jobs().otaSigningKey().get() + " is read from beside the config"
                                + " file; load the config from its file"));
                define(d, "ESPFLEET_OTA_SIGNING_KEY_PEM", CLiteral.string(pem),
                        "jobs.ota_signing_key: ota job documents need a signature this key verifies");
            }
            c.jobs().rotationTemplate().ifPresent(t -> define(d, "ESPFLEET_JOBS_ROTATION_TEMPLATE", CLiteral.string(t),
                    "jobs.rotation_template: RegisterThing attaches a rotated certificate to the thing and policy"));
        }
        define(d, "ESPFLEET_IDENTITY_PARTITION", CLiteral.string(c.identity().partition().value()), null);
        define(d, "ESPFLEET_IDENTITY_NAMESPACE", CLiteral.string(c.identity().namespace().value()), null);
        define(d, "ESPFLEET_NVS_KEY_THING_NAME", CLiteral.string(c.identity().thingNameKey().value()), null);
        define(d, "ESPFLEET_NVS_KEY_ENDPOINT", CLiteral.string(c.identity().endpointKey().value()), null);
        define(d, "ESPFLEET_NVS_KEY_DEVICE_CERT", CLiteral.string(c.identity().deviceCertKey().value()), null);
        define(d, "ESPFLEET_NVS_KEY_PRIVATE_KEY", CLiteral.string(c.identity().privateKeyKey().value()), null);
        define(d, "ESPFLEET_NVS_KEY_SERVER_CA", CLiteral.string(c.identity().serverCaKey().value()), null);
        define(d, "ESPFLEET_DEVICE_KEYS_PARTITION", CLiteral.string(PartitionLayout.DEVICE_KEYS),
                "identity.key_source device: the key made here and its certificate, in an encrypted NVS partition");
        define(d, "ESPFLEET_KEY_BORN_ON_DEVICE", c.identity().keyBornOnDevice() ? "1" : "0",
                c.identity().keyBornOnDevice()
                        ? "identity.key_source device: the key is made here at first boot, the bench signs its CSR"
                        : "identity.key_source host: key and certificate come in the identity image");
        c.identity().claimTemplate().ifPresent(t -> {
            define(d, "ESPFLEET_CLAIM_TEMPLATE", CLiteral.string(t),
                    "identity.claim: fleet provisioning by claim with this AWS IoT provisioning template");
            define(d, "ESPFLEET_NVS_KEY_CLAIM_CERT", CLiteral.string(c.identity().claimCertKey().value()), null);
            define(d, "ESPFLEET_NVS_KEY_CLAIM_KEY", CLiteral.string(c.identity().claimKeyKey().value()), null);
        });
        define(d, "ESPFLEET_WIFI_PARTITION", CLiteral.string(c.wifi().partition().value()), null);
        define(d, "ESPFLEET_WIFI_NAMESPACE", CLiteral.string(c.wifi().namespace().value()), null);
        define(d, "ESPFLEET_NVS_KEY_WIFI_SSID", CLiteral.string(c.wifi().ssidKey().value()), null);
        define(d, "ESPFLEET_NVS_KEY_WIFI_PASSWORD", CLiteral.string(c.wifi().passwordKey().value()), null);
        return List.copyOf(d);
    }

    private static void define(List<Define> d, String name, String value, String comment) {
        d.add(new Define(name, value, comment == null ? "" : comment));
    }

    private static List<Partition> partitions(DeviceConfig c) {
        return PartitionLayout.of(c).stream().map(r -> new Partition(r.name(), r.type(), r.subtype(),
                String.format("0x%x", r.offset()), String.format("0x%x", r.size()), r.flags())).toList();
    }

    /** Every NVS partition the firmware opens besides the default one, once each, as C string literals. */
    private static List<String> nvsPartitionsToInit(DeviceConfig c) {
        TreeSet<String> names = new TreeSet<>();
        names.add(c.identity().partition().value());
        names.add(c.wifi().partition().value());
        names.remove(PartitionLayout.DEFAULT_NVS);
        return names.stream().map(CLiteral::string).toList();
    }

    private static Desired desired(DesiredField f) {
        String name = f.name();
        String json = CLiteral.string(name);
        String min = f.min().map(ProjectModel::bound).orElse(null);
        String max = f.max().map(ProjectModel::bound).orElse(null);
        String changedHook = "on_" + name + "_changed";
        String member = "s_desired." + name;
        String report = cJsonAdd(f.type()) + "(reported, " + json + ", copy." + name + ") != NULL";
        return switch (f.type()) {
            case INT -> new Desired(name, json, label(f.type()), "apply_" + name, changedHook, "int32_t " + name,
                    "int32_t value", "int32_t value", "field_check_int(item, " + json + ", "
                    + f.min().map(v -> CLiteral.integer(v.longValue())).orElse("INT32_MIN") + ", "
                    + f.max().map(v -> CLiteral.integer(v.longValue())).orElse("INT32_MAX") + ", &value)",
                    member + " = value;", member + " != value",
                    member + " = " + CLiteral.integer((Long) f.defaultValue()) + ";", report,
                    "[" + (min == null ? "INT32_MIN" : min) + ", " + (max == null ? "INT32_MAX" : max) + "]");
            case FLOAT -> new Desired(name, json, label(f.type()), "apply_" + name, changedHook, "double " + name,
                    "double value", "double value", "field_check_double(item, " + json + ", "
                    + (min != null) + ", " + (min == null ? "0.0" : CLiteral.real(f.min().get())) + ", "
                    + (max != null) + ", " + (max == null ? "0.0" : CLiteral.real(f.max().get())) + ", &value)",
                    member + " = value;", member + " != value",
                    member + " = " + CLiteral.real((Double) f.defaultValue()) + ";", report,
                    "[" + (min == null ? "-inf" : min) + ", " + (max == null ? "inf" : max) + "], finite");
            case BOOL -> new Desired(name, json, label(f.type()), "apply_" + name, changedHook, "bool " + name,
                    "bool value", "bool value", "field_check_bool(item, " + json + ", &value)",
                    member + " = value;", member + " != value", member + " = " + f.defaultValue() + ";", report,
                    "true or false");
            case STRING -> {
                String initial = CLiteral.string((String) f.defaultValue());
                yield new Desired(name, json, label(f.type()), "apply_" + name, changedHook,
                        "char " + name + "[" + (f.maxLength() + 1) + "]", "char value[" + (f.maxLength() + 1) + "]",
                        "const char *value", "field_check_string(item, " + json + ", " + f.maxLength()
                        + ", value, sizeof(value))", "memcpy(" + member + ", value, sizeof(value));",
                        "strcmp(" + member + ", value) != 0",
                        "memcpy(" + member + ", " + initial + ", sizeof(" + initial + "));", report,
                        "at most " + f.maxLength() + " bytes");
            }
        };
    }

    private static String label(FieldType type) {
        return type.name().toLowerCase(Locale.ROOT);
    }

    /** The cJSON function that adds a value of {@code type} to an object. */
    private static String cJsonAdd(FieldType type) {
        return switch (type) {
            case INT, FLOAT -> "cJSON_AddNumberToObject";
            case BOOL -> "cJSON_AddBoolToObject";
            case STRING -> "cJSON_AddStringToObject";
        };
    }

    private static String bound(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : CLiteral.real(d);
    }

    private static Reported reported(ReportedField f) {
        String name = f.name();
        String add = cJsonAdd(f.type()) + "(reported, " + CLiteral.string(name) + ", value) != NULL";
        String hook = "read_" + name;
        return switch (f.type()) {
            case INT -> new Reported(name, label(f.type()), hook, "int32_t *value", List.of("value"),
                    "int32_t value = 0", hook + "(&value)", add);
            case FLOAT -> new Reported(name, label(f.type()), hook, "double *value", List.of("value"),
                    "double value = 0.0", hook + "(&value) && isfinite(value)", add);
            case BOOL -> new Reported(name, label(f.type()), hook, "bool *value", List.of("value"),
                    "bool value = false", hook + "(&value)", add);
            case STRING -> new Reported(name, label(f.type()), hook, "char *value, size_t size", List.of("value", "size"),
                    "char value[" + (f.maxLength() + 1) + "] = {0}", hook + "(value, sizeof(value))", add);
        };
    }

    private static Identity identity(DeviceConfig c) {
        DeviceConfig.Identity id = c.identity();
        DeviceConfig.Wifi wifi = c.wifi();
        return new Identity(id.partition().value(), String.format("0x%x", id.partitionSize()), id.namespace().value(),
                id.thingNameKey().value(), id.endpointKey().value(), id.deviceCertKey().value(),
                id.privateKeyKey().value(), id.serverCaKey().value(), c.aws().thingName().isPresent(),
                c.aws().endpoint().host(), wifi.partition().equals(id.partition()),
                new IdentityCsv(NvsCsv.cell(id.namespace().value()), NvsCsv.cell(id.thingNameKey().value()),
                        NvsCsv.cell(id.endpointKey().value()), NvsCsv.cell(id.deviceCertKey().value()),
                        NvsCsv.cell(id.privateKeyKey().value()), NvsCsv.cell(wifi.namespace().value()),
                        NvsCsv.cell(wifi.ssidKey().value()), NvsCsv.cell(wifi.passwordKey().value()),
                        NvsCsv.cell(id.claimCertKey().value()), NvsCsv.cell(id.claimKeyKey().value())));
    }
}
