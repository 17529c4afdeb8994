package dev.espfleet.generator.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.generator.config.DeviceConfig.DesiredField;
import dev.espfleet.generator.config.DeviceConfig.Identity;
import dev.espfleet.generator.config.DeviceConfig.Mqtt;
import dev.espfleet.generator.config.DeviceConfig.Reconnect;
import dev.espfleet.generator.config.DeviceConfig.Telemetry;
import dev.espfleet.generator.config.DeviceConfig.Wifi;
import dev.espfleet.model.Chip;
import dev.espfleet.nvs.NvsKey;
import dev.espfleet.nvs.PartitionLabel;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The loader as the schema drives it: defaults, keys of other field types, rules that skip wrong values, the rules
 * across sections. The exact messages of whole files are in the cli module's invalid-config cases.
 */
class ConfigSchemaTest {
    static final String HEAD = """
            product: {name: schema, firmware_version: 1.0.0}
            aws: {endpoint: abc123-ats.iot.eu-west-1.amazonaws.com}
            """;

    static DeviceConfig load(String more) {
        return ConfigLoader.parse("c.yaml", "c.yaml", HEAD + more);
    }

    /** Every problem of {@code more} after the head, as {@code line:col: path: message}. */
    static List<String> problems(String more) {
        ConfigException e = assertThrows(ConfigException.class, () -> load(more));
        return e.problems().stream().map(p -> p.line() + ":" + p.column() + ": " + p.path() + ": " + p.message())
                .toList();
    }

    /** The version is CMake's PROJECT_VER too: what CMake reads as a variable, list or comment is refused. */
    @Test
    void firmwareVersionsAsSemverAndGitDescribeWriteThemAndNothingCmakeWouldRead() {
        for (String ok : new String[] {"1.0.0", "v1.2-3-gabc123-dirty", "2.0.0+build.7", "0.1~rc1", "2.0.0-rc1"}) {
            assertEquals(Optional.empty(), ConfigSchema.firmwareVersionProblem(ok), ok);
        }
        for (String bad : new String[] {"1.${X}", "1;2", "1#2", "1 2", "1\"2", "ü1", "", "1.0.0-" + "x".repeat(30)}) {
            assertTrue(ConfigSchema.firmwareVersionProblem(bad).isPresent(), bad);
        }
    }

    @Test
    void keysLeftOutTakeTheDocumentedDefaults() {
        DeviceConfig c = load("");
        assertEquals(Chip.ESP32, c.target());
        assertEquals(FlashSize.MB4, c.flashSize());
        assertEquals(new Mqtt(60, true, 1, "dt", 2048, 16384, 10000), c.mqtt());
        assertEquals(new Reconnect(1000, 60000, 2, JitterStrategy.FULL, 0), c.reconnect());
        assertEquals(new Telemetry(60, TelemetryDestination.TOPIC), c.telemetry());
        assertEquals(new Identity(PartitionLabel.of("certs"), 0x6000, NvsKey.of("identity"), NvsKey.of("thing_name"),
                NvsKey.of("endpoint"), NvsKey.of("device_cert"), NvsKey.of("private_key"), NvsKey.of("server_ca"),
                KeySource.HOST, Optional.empty(), NvsKey.of("claim_cert"), NvsKey.of("claim_key")), c.identity());
        assertEquals(new Wifi(PartitionLabel.of("certs"), NvsKey.of("wifi"), NvsKey.of("ssid"), NvsKey.of("password")),
                c.wifi());
        assertEquals(Optional.empty(), c.aws().thingName());
        assertEquals(Optional.empty(), c.shadow().name());
    }

    @Test
    void keySourceDeviceIsReadAndAnythingElseIsRefusedAtItsLine() {
        assertEquals(KeySource.DEVICE, load("identity: {key_source: device}\n").identity().keySource());
        assertTrue(load("identity:\n  key_source: device\n").identity().keyBornOnDevice());
        assertEquals(List.of("4:15: identity.key_source: expected host or device (where the private key is made: host"
                        + " (the bench) or device (the chip)); got 'chip'"),
                problems("identity:\n  key_source: chip\n"));
    }

    @Test
    void jobsRotationIsReadWithJobsEnabledOnly() {
        assertTrue(load("jobs: {enabled: true, rotation: true, rotation_template: t-rot}\n").jobs().rotation());
        assertFalse(load("jobs: {enabled: true}\n").jobs().rotation());
        assertEquals(List.of("4:13: jobs.rotation: applies only with enabled: true (rotate-certificate is an AWS IoT"
                        + " job); set jobs.enabled: true"),
                problems("jobs:\n  rotation: true\n"));
    }

    @org.junit.jupiter.api.io.TempDir
    java.nio.file.Path dir;

    private DeviceConfig loadFile(String more) throws Exception {
        java.nio.file.Path file = dir.resolve("device.yaml");
        java.nio.file.Files.writeString(file, HEAD + more);
        return ConfigLoader.load(file);
    }

    private static String publicKeyPem(String curve) throws Exception {
        java.security.KeyPairGenerator g = java.security.KeyPairGenerator.getInstance("EC");
        g.initialize(new java.security.spec.ECGenParameterSpec(curve));
        return "-----BEGIN PUBLIC KEY-----\n" + java.util.Base64.getMimeEncoder(64, new byte[] {'\n'})
                .encodeToString(g.generateKeyPair().getPublic().getEncoded()) + "\n-----END PUBLIC KEY-----\n";
    }

    @Test
    void jobsOtaSigningKeyIsAnEcP256PublicKeyReadFromBesideTheConfig() throws Exception {
        String pem = publicKeyPem("secp256r1");
        java.nio.file.Files.createDirectories(dir.resolve("keys"));
        java.nio.file.Files.writeString(dir.resolve("keys/ota.pub.pem"), "a comment\n" + pem);
        DeviceConfig c = loadFile("jobs: {enabled: true, ota_signing_key: keys/ota.pub.pem}\n");
        assertEquals(Optional.of("keys/ota.pub.pem"), c.jobs().otaSigningKey());
        assertEquals(Optional.of(pem), c.jobs().otaSigningKeyPem());
        assertEquals(Optional.empty(), load("jobs: {enabled: true}\n").jobs().otaSigningKey());

        dev.espfleet.common.EspfleetException missing = assertThrows(dev.espfleet.common.EspfleetException.class,
                () -> loadFile("jobs: {enabled: true, ota_signing_key: keys/none.pem}\n"));
        assertTrue(missing.getMessage().contains("jobs.ota_signing_key: cannot read"), missing.getMessage());
        java.nio.file.Files.writeString(dir.resolve("keys/p384.pem"), publicKeyPem("secp384r1"));
        dev.espfleet.common.EspfleetException p384 = assertThrows(dev.espfleet.common.EspfleetException.class,
                () -> loadFile("jobs: {enabled: true, ota_signing_key: keys/p384.pem}\n"));
        assertTrue(p384.getMessage().contains("is not an EC P-256 public key"), p384.getMessage());
        List<String> stray = problems("jobs:\n  ota_signing_key: keys/ota.pub.pem\n");
        assertEquals(1, stray.size(), stray.toString());
        assertTrue(stray.get(0).contains("applies only with enabled: true"), stray.toString());
    }

    @Test
    void jobsRotationNamesTheProvisioningTemplateItRegistersWith() {
        assertEquals(java.util.Optional.of("env-sensor-rotation"),
                load("jobs: {enabled: true, rotation: true, rotation_template: env-sensor-rotation}\n").jobs()
                        .rotationTemplate());
        assertEquals(java.util.Optional.empty(), load("jobs: {enabled: true}\n").jobs().rotationTemplate());
        List<String> missing = problems("jobs:\n  enabled: true\n  rotation: true\n");
        assertEquals(1, missing.size(), missing.toString());
        assertTrue(missing.get(0).contains("jobs.rotation_template"), missing.toString());
        List<String> stray = problems("jobs:\n  enabled: true\n  rotation_template: t\n");
        assertEquals(1, stray.size(), stray.toString());
        assertTrue(stray.get(0).contains("applies only with rotation: true"), stray.toString());
        List<String> badName = problems("jobs:\n  enabled: true\n  rotation: true\n  rotation_template: a.b\n");
        assertEquals(1, badName.size(), badName.toString());
        assertTrue(badName.get(0).contains("jobs.rotation_template"), badName.toString());
    }

    @Test
    void aClaimTemplateIsReadWithKeysBornOnTheDeviceOnly() {
        DeviceConfig c = load("identity:\n  key_source: device\n  claim: {template: env-sensor-claim}\n");
        assertEquals(Optional.of("env-sensor-claim"), c.identity().claimTemplate());
        assertEquals(List.of("4:10: identity.claim: applies only with key_source: device (fleet provisioning by claim"
                        + " signs a key the chip made); got key_source: host"),
                problems("identity:\n  claim: {template: env-sensor-claim}\n"));
        assertEquals(List.of("5:21: identity.claim.template: must be 1-36 of 0-9 A-Z a-z _ - (an AWS IoT provisioning"
                        + " template name); got 'a/b'"),
                problems("identity:\n  key_source: device\n  claim: {template: a/b}\n"));
    }

    @Test
    void theClaimKeysAreNvsKeysOfTheIdentityUsedOnce() {
        assertEquals(List.of("5:21: identity.keys.claim_key: 'claim_cert' is also the NVS key of"
                        + " identity.keys.claim_cert (by default) in namespace 'identity' of partition 'certs'; an NVS"
                        + " key holds one value"),
                problems("identity:\n  key_source: device\n  keys: {claim_key: claim_cert}\n"));
    }

    @Test
    void wifiLivesInTheIdentityPartitionUnlessToldOtherwise() {
        assertEquals(PartitionLabel.of("device"), load("identity: {partition: device}\n").wifi().partition());
        assertEquals(PartitionLabel.of("nvs"), load("identity: {partition: device}\nwifi: {partition: nvs}\n")
                .wifi().partition());
    }

    @Test
    void keysBornOnTheDeviceKeepWifiOutOfTheEncryptedDefaultPartition() {
        assertEquals(List.of("6:14: wifi.partition: must be the identity partition 'certs' with identity.key_source"
                        + " device: the firmware opens the default NVS partition 'nvs' encrypted, and the bench writes"
                        + " Wi-Fi in plain"),
                problems("identity:\n  key_source: device\nwifi:\n  partition: nvs\n"));
        assertEquals(PartitionLabel.of("certs"), load("identity:\n  key_source: device\n").wifi().partition());
        assertEquals(PartitionLabel.of("nvs"), load("wifi:\n  partition: nvs\n").wifi().partition());
    }

    @Test
    void aNumberFieldWithoutDefaultTakesTheBoundNearestZero() {
        List<DesiredField> fields = load("""
                shadow:
                  desired:
                    - {name: a, type: int, min: 5, max: 9}
                    - {name: b, type: int, min: -9, max: -5}
                    - {name: c, type: float, min: -1.5}
                    - {name: d, type: string}
                """).shadow().desired();
        assertEquals(5L, fields.get(0).defaultValue());
        assertEquals(-5L, fields.get(1).defaultValue());
        assertEquals(0.0, fields.get(2).defaultValue());
        assertEquals("", fields.get(3).defaultValue());
        assertEquals(64, fields.get(3).maxLength());
    }

    @Test
    void anIntFieldTakesBoundsWrittenWithADecimalPointOrInHex() {
        DesiredField f = load("shadow: {desired: [{name: a, type: int, min: 1.0, max: 0x10, default: 2.0}]}\n")
                .shadow().desired().get(0);
        assertEquals(Optional.of(1.0), f.min());
        assertEquals(Optional.of(16.0), f.max());
        assertEquals(2L, f.defaultValue());
        assertEquals(List.of("3:46: shadow.desired[0].min: expected a whole number, got '1.5'",
                        "3:56: shadow.desired[0].max: must be between -2147483648 and 2147483647, got 3000000000; an"
                                + " int field is an int32_t"),
                problems("shadow: {desired: [{name: a, type: int, min: 1.5, max: 3000000000}]}\n"));
    }

    @Test
    void aKeyOfAnotherFieldTypeAppliesOnlyToThatTypeAndAWrongTypeHidesThem() {
        assertEquals(List.of("3:54: shadow.reported[0].max_length: applies only to string fields"),
                problems("shadow: {reported: [{name: a, type: int, max_length: 8}]}\n"));
        // with the type wrong, its keys are neither read nor unknown
        assertEquals(List.of("3:36: shadow.desired[0].type: expected int, float, bool or string; got 'long'"),
                problems("shadow: {desired: [{name: a, type: long, min: x, max_length: 8}]}\n"));
    }

    @Test
    void aRuleOverAWrongValueIsSkippedSoEachMistakeIsReportedOnce() {
        // before the schema, the wrong jitter counted as 'full' and jitter_percent was refused too
        assertEquals(List.of("4:11: reconnect.jitter: expected none, full, equal or proportional; got 'random'"),
                problems("reconnect:\n  jitter: random\n  jitter_percent: 20\n"));
        assertEquals(List.of("4:21: reconnect.initial_delay_ms: expected a whole number, got 'soon'"),
                problems("reconnect:\n  initial_delay_ms: soon\n  max_delay_ms: 100\n"));
    }

    @Test
    void aSectionLeftOutIsCheckedWithItsDefaultsAndReportedWhereTheFileWouldGiveIt() {
        // wifi is absent: its default keys still meet identity's written ones, reported at the written key
        assertEquals(List.of("5:20: identity.keys.endpoint: 'password' is also the NVS key of wifi.password_key"
                        + " (by default) in namespace 'wifi' of partition 'certs'; an NVS key holds one value"),
                problems("identity:\n  namespace: wifi\n  keys: {endpoint: password}\n"));
    }

    @Test
    void aWifiKeyNamedAsADriverRecordIsTakenAndItsAddedRecordsAreClaimed() {
        Wifi wifi = load("wifi: {namespace: nvs.net80211, ssid_key: sta.ssid, password_key: sta.pswd}\n").wifi();
        assertEquals(NvsKey.of("sta.ssid"), wifi.ssidKey());
        // an identity key in the same namespace named as a record nvs_partition_gen.py adds beside sta.ssid
        assertEquals(List.of("5:20: identity.keys.endpoint: 'sta.apinfo' is also a record nvs_partition_gen.py adds"
                        + " for the Wi-Fi driver beside wifi.ssid_key 'sta.ssid' in namespace 'net' of partition 'certs';"
                        + " an NVS key holds one value"),
                problems("identity:\n  namespace: net\n  keys: {endpoint: sta.apinfo}\n"
                        + "wifi: {namespace: net, ssid_key: sta.ssid}\n"));
        // the same names in another namespace, or with Wi-Fi in the default NVS partition, do not meet
        load("identity:\n  keys: {endpoint: sta.apinfo}\nwifi: {namespace: net, ssid_key: sta.ssid}\n");
        load("identity:\n  namespace: net\n  keys: {endpoint: sta.apinfo}\n"
                + "wifi: {partition: nvs, namespace: net, ssid_key: sta.ssid}\n");
    }

    @Test
    void theWifiNamespaceIsNotADriverRecordName() {
        assertEquals(List.of("3:19: wifi.namespace: 'ap.ssid' is a name nvs_partition_gen.py takes for an ESP-IDF"
                        + " Wi-Fi driver record whatever the row: it stores the CSV text rather than a file's contents,"
                        + " and adds the driver's records beside it; choose another name"),
                problems("wifi: {namespace: ap.ssid}\n"));
    }

    @Test
    void aSsidAndPasswordUnderOneKeyAreRefused() {
        assertEquals(List.of("3:55: wifi.password_key: 'creds' is also the NVS key of wifi.ssid_key in namespace"
                        + " 'wifi' of partition 'nvs'; an NVS key holds one value"),
                problems("wifi: {partition: nvs, ssid_key: creds, password_key: creds}\n"));
    }

    @Test
    void everyKeyOfTheSchemaHasALineInTheReference() {
        List<String> undocumented = new ArrayList<>();
        collectUndocumented(ConfigSchema.CONFIG, "", undocumented);
        assertEquals(List.of(), undocumented);
        assertFalse(ConfigSchema.markdownReference().contains("| |"), "an empty cell in the reference");
    }

    private static void collectUndocumented(Schema<?> schema, String prefix, List<String> out) {
        List<Key<?>> keys = new ArrayList<>(schema.keys());
        if (schema.variants() != null) {
            schema.variants().variants().forEach(v -> keys.addAll(v.keys()));
        }
        for (Key<?> k : keys) {
            if (k.doc().isEmpty()) {
                out.add(prefix + k.name());
            }
            if (k.schema() != null) {
                collectUndocumented(k.schema(), prefix + k.name() + ".", out);
            }
        }
    }

    @Test
    void aTypoInAKeyIsReportedWithTheKeyMeant() {
        List<String> p = problems("shadow: {desired: [{name: a, type: int, mn: 1}]}\n");
        assertTrue(p.get(0).endsWith("shadow.desired[0].mn: unknown key; did you mean 'min'?"), p.toString());
    }
}
