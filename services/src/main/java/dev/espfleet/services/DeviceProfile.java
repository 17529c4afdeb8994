package dev.espfleet.services;

import dev.espfleet.aws.FleetSpec;
import dev.espfleet.common.EspfleetException;
import dev.espfleet.generator.config.ConfigLoader;
import dev.espfleet.generator.config.DeviceConfig;
import dev.espfleet.generator.model.AwsArtifacts;
import dev.espfleet.generator.render.ProjectRenderer;
import dev.espfleet.model.ThingName;
import dev.espfleet.nvs.NvsCsv;
import dev.espfleet.nvs.NvsVersion;
import dev.espfleet.provisioning.DevicePolicy;
import dev.espfleet.provisioning.IdentityCsv;
import dev.espfleet.provisioning.IdentityLayout;
import dev.espfleet.provisioning.UnitProvisioner;
import dev.espfleet.provisioning.WifiCredentials;
import dev.espfleet.provisioning.WifiImage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * Everything derived from one validated device config, in one place, built once and trusted after: the NVS
 * layout the firmware reads its identity from, the partitions (where the identity and the default NVS
 * partition are, which a build must agree with), the IoT policy, and where Wi-Fi credentials go. Every front
 * end and service takes these from here, so {@code validate}, {@code provision}, the bench and the firmware
 * agree on them.
 *
 * <p>Building a profile also proves what the config alone decides about the images made from it: the
 * identity keys, the Wi-Fi keys beside them and the entries Espressif's NVS generator adds for Wi-Fi driver
 * keys ({@code sta.ssid}) fit one NVS namespace without a key set twice. {@code validate} builds a profile, so
 * it refuses such a config as provision and the bench do.
 */
public final class DeviceProfile {
    private final DeviceConfig config;
    private final String location;
    private final IdentityLayout identityLayout;
    private final FlashLayout flashLayout;
    private final WifiPlacement wifi;
    /** Both rendered on first use: FreeMarker's start-up costs {@code validate} more than all its other work. */
    private DevicePolicy policy;
    private FleetSpec.StatusRule statusRule;

    private DeviceProfile(DeviceConfig config, String location) {
        this.config = config;
        this.location = location;
        DeviceConfig.Identity id = config.identity();
        try {
            this.identityLayout = new IdentityLayout(id.partition(), id.namespace(), id.thingNameKey(), id.endpointKey(),
                    id.deviceCertKey(), id.privateKeyKey(), id.serverCaKey());
        } catch (EspfleetException e) {
            throw EspfleetException.badInput(location + ": identity.keys: " + e.getMessage());
        }
        this.flashLayout = FlashLayout.of(config);
        DeviceConfig.Wifi w = config.wifi();
        this.wifi = new WifiPlacement(flashLayout.partition(w.partition()), w.partition().equals(id.partition()),
                w.namespace(), w.ssidKey(), w.passwordKey());
        requireImagesCanBeWritten();
    }

    /** The config at {@code file}, validated ({@link ConfigLoader}: every problem at its line), and its profile. */
    public static DeviceProfile load(Path file) {
        return new DeviceProfile(ConfigLoader.load(file), file.toString());
    }

    /** The profile of a config already loaded; messages name the config by its file name. */
    public static DeviceProfile of(DeviceConfig config) {
        return new DeviceProfile(config, config.sourceName());
    }

    public DeviceConfig config() {
        return config;
    }

    /** How messages name the config: the path it was loaded from. */
    public String location() {
        return location;
    }

    /** Partition, namespace and keys the firmware reads the identity from. */
    public IdentityLayout identityLayout() {
        return identityLayout;
    }

    /** The identity partition: its offset and the size {@code identity.bin} fills. */
    public FlashLayout.Partition identityPartition() {
        return flashLayout.partition(identityLayout.partition());
    }

    public FlashLayout flashLayout() {
        return flashLayout;
    }

    /** The product's IoT policy: the generator's {@code aws/policy.json}, rendered alone. */
    public synchronized DevicePolicy policy() {
        if (policy == null) {
            policy = new DevicePolicy(AwsArtifacts.policyName(config), new ProjectRenderer().renderFile(config,
                    "aws/policy.json"));
        }
        return policy;
    }

    /**
     * The rule republishing device status into the shadow and its IAM role, as the generator writes them
     * ({@code aws/status-rule.json}, {@code aws/status-rule-role-*.json}): what {@code aws setup} makes AWS hold.
     */
    public synchronized FleetSpec.StatusRule statusRule() {
        if (statusRule == null) {
            ProjectRenderer renderer = new ProjectRenderer();
            AwsArtifacts.View aws = AwsArtifacts.of(config);
            statusRule = new FleetSpec.StatusRule(aws.ruleName(), renderer.renderFile(config, "aws/status-rule.json"),
                    aws.ruleRoleName(), renderer.renderFile(config, "aws/status-rule-role-trust.json"),
                    renderer.renderFile(config, "aws/status-rule-role-policy.json"));
        }
        return statusRule;
    }

    public WifiPlacement wifiPlacement() {
        return wifi;
    }

    /** Wi-Fi credentials the firmware's way: its namespace and keys; refused when ESP-IDF could not hold them. */
    public WifiCredentials wifiCredentials(WifiSettings settings) {
        return new WifiCredentials(wifi.namespace(), wifi.ssidKey(), wifi.passwordKey(), settings.ssid(),
                settings.password());
    }

    /**
     * Where given Wi-Fi credentials are written, by the one rule every front end follows: into the identity
     * image when the firmware reads Wi-Fi from the identity partition, else into an image of their own for the
     * partition it reads (the default {@code nvs}), built here once.
     */
    public WifiWrite placeWifi(Optional<WifiSettings> settings) {
        if (settings.isEmpty()) {
            return new WifiWrite(Optional.empty(), Optional.empty());
        }
        WifiCredentials credentials = wifiCredentials(settings.get());
        if (wifi.inIdentityImage()) {
            return new WifiWrite(Optional.of(credentials), Optional.empty());
        }
        return new WifiWrite(Optional.empty(), Optional.of(new PartitionImage(wifi.partition(),
                WifiImage.csv(credentials), WifiImage.build(WifiImage.CSV_FILE, credentials, wifi.partition().size()))));
    }

    /**
     * Given Wi-Fi credentials, placed: {@code inIdentityImage} goes into the identity image, {@code ownImage}
     * is written to its partition beside it. At most one is present; neither without credentials.
     */
    public record WifiWrite(Optional<WifiCredentials> inIdentityImage, Optional<PartitionImage> ownImage) {
    }

    /**
     * {@code provision --thing}: a config that pins a thing name into the firmware takes only that name (a unit
     * under another name would connect as the pinned one).
     */
    public void requireThing(ThingName thing) {
        config.aws().thingName().ifPresent(pinned -> {
            if (!pinned.equals(thing)) {
                throw EspfleetException.badInput(location + ": aws.thing_name pins '" + pinned + "' into the firmware, "
                        + "which would connect as '" + pinned + "', not '" + thing + "'; use --thing " + pinned
                        + " or remove aws.thing_name to read the name from NVS");
            }
        });
    }

    /** A bench names every board: a config that pins one thing name into the firmware cannot serve a fleet. */
    public void requireFleet() {
        config.aws().thingName().ifPresent(pinned -> {
            throw EspfleetException.badInput(location + ": aws.thing_name pins one thing name into the firmware, so "
                    + "every board would connect as '" + pinned + "' (AWS drops the older connection each time); "
                    + "remove it for a fleet, the bench names each board");
        });
    }

    /**
     * The images a unit gets from this config, made once with stand-in values by the code that makes them for
     * real (identity CSV, then {@code nvs generate}'s reader and writer): what the keys alone decide (a key
     * set twice in a namespace, by the config or by the entries added for Wi-Fi driver keys) is refused here,
     * before any front end writes a file.
     */
    private void requireImagesCanBeWritten() {
        WifiCredentials standIn = wifiCredentials(new WifiSettings("ssid", "password"));
        String csv = IdentityCsv.render(identityLayout, new IdentityCsv.Entries(ThingName.of("thing"),
                config.aws().endpoint(), UnitProvisioner.CERT_FILE, UnitProvisioner.KEY_FILE,
                UnitProvisioner.SERVER_CA_FILE), wifi.inIdentityImage() ? Optional.of(standIn) : Optional.empty());
        byte[] pem = "-----BEGIN-----\n".getBytes(StandardCharsets.US_ASCII);
        try {
            NvsCsv.write(NvsCsv.read(UnitProvisioner.IDENTITY_CSV, csv, Map.of(UnitProvisioner.CERT_FILE, pem,
                    UnitProvisioner.KEY_FILE, pem, UnitProvisioner.SERVER_CA_FILE, pem)),
                    identityPartition().size(), NvsVersion.V2, null);
            if (!wifi.inIdentityImage()) {
                WifiImage.build(WifiImage.CSV_FILE, standIn, wifi.partition().size());
            }
        } catch (EspfleetException e) {
            // the rows are the stand-in CSV's, not the user's: the keys are what the message is about
            String why = e.getMessage().replaceAll("(" + UnitProvisioner.IDENTITY_CSV + "|" + WifiImage.CSV_FILE
                    + "):\\d+: ", "").replaceAll(" at (" + UnitProvisioner.IDENTITY_CSV + "|" + WifiImage.CSV_FILE
                    + "):\\d+", "");
            throw EspfleetException.badInput(location + ": identity.keys and wifi: NVS cannot hold these keys together: "
                    + why);
        }
    }
}
