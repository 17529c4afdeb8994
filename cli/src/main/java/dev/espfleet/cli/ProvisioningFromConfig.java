package dev.espfleet.cli;

import dev.espfleet.generator.config.DeviceConfig;
import dev.espfleet.generator.model.AwsArtifacts;
import dev.espfleet.generator.render.ProjectRenderer;
import dev.espfleet.provisioning.DevicePolicy;
import dev.espfleet.provisioning.IdentityLayout;
import dev.espfleet.provisioning.WifiCredentials;

/**
 * What provisioning takes from a device config, in one place for provision, bench and demo: the NVS
 * layout the firmware reads its identity from, the policy the generator writes, the Wi-Fi keys.
 */
final class ProvisioningFromConfig {
    private ProvisioningFromConfig() {
    }

    static IdentityLayout layout(DeviceConfig config) {
        DeviceConfig.Identity id = config.identity();
        return new IdentityLayout(id.partition(), id.namespace(), id.thingNameKey(), id.endpointKey(),
                id.deviceCertKey(), id.privateKeyKey(), id.serverCaKey());
    }

    static DevicePolicy policy(DeviceConfig config) {
        return new DevicePolicy(AwsArtifacts.policyName(config), new ProjectRenderer().render(config).text("aws/policy.json"));
    }

    static WifiCredentials wifi(DeviceConfig config, String ssid, String password) {
        DeviceConfig.Wifi w = config.wifi();
        return new WifiCredentials(w.namespace(), w.ssidKey(), w.passwordKey(), ssid, password == null ? "" : password);
    }
}
