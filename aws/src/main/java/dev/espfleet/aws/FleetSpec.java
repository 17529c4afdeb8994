package dev.espfleet.aws;

import dev.espfleet.provisioning.CertificateAuthority;
import dev.espfleet.provisioning.DevicePolicy;
import java.util.Optional;

/**
 * What {@code espfleet aws setup} makes AWS hold for a fleet, all of it from the generator's files for the config:
 * the devices' IoT policy, the status rule with the IAM role it acts as, and optionally the local CA with its
 * just-in-time provisioning template.
 */
public record FleetSpec(DevicePolicy policy, StatusRule statusRule, Optional<CaSpec> ca) {
    /**
     * The rule republishing the status topic into the shadow ({@code aws/status-rule.json}, its role's trust and
     * permissions policies); the rule's {@code roleArn} is replaced by the ARN IAM gives the role.
     */
    public record StatusRule(String ruleName, String payloadJson, String roleName, String trustPolicyJson,
                             String rolePolicyJson) {
    }

    /**
     * The local CA to register ({@code RegisterCACertificate}); with {@code jitp}, auto-registration on with the
     * JITP template body and a role of {@code jitpRoleName} that AWS IoT assumes to provision
     * (AWSIoTThingsRegistration).
     */
    public record CaSpec(CertificateAuthority ca, boolean jitp, String jitpRoleName, String jitpTemplateBody) {
    }
}
