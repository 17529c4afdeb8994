package dev.espfleet.aws;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.provisioning.CertificateAuthority;
import dev.espfleet.provisioning.KeyType;
import dev.espfleet.provisioning.Pem;
import dev.espfleet.provisioning.ValidityPeriod;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.protocols.jsoncore.JsonNode;
import software.amazon.awssdk.services.iam.IamClient;
import software.amazon.awssdk.services.iam.model.NoSuchEntityException;
import software.amazon.awssdk.services.iam.model.Role;
import software.amazon.awssdk.services.iot.IotClient;
import software.amazon.awssdk.services.iot.model.Action;
import software.amazon.awssdk.services.iot.model.AutoRegistrationStatus;
import software.amazon.awssdk.services.iot.model.CACertificateStatus;
import software.amazon.awssdk.services.iot.model.CertificateMode;
import software.amazon.awssdk.services.iot.model.DescribeCaCertificateResponse;
import software.amazon.awssdk.services.iot.model.GetPolicyResponse;
import software.amazon.awssdk.services.iot.model.PolicyVersion;
import software.amazon.awssdk.services.iot.model.RegistrationConfig;
import software.amazon.awssdk.services.iot.model.RepublishAction;
import software.amazon.awssdk.services.iot.model.ResourceNotFoundException;
import software.amazon.awssdk.services.iot.model.TopicRule;
import software.amazon.awssdk.services.iot.model.TopicRuleListItem;
import software.amazon.awssdk.services.iot.model.TopicRulePayload;

/**
 * {@code espfleet aws setup}: brings AWS to what a {@link FleetSpec} says, changing only what differs. Each
 * resource is described before anything is created or changed, so a second run calls no mutating operation.
 * A policy whose document differs gets a new default version (IAM-style versions: AWS IoT keeps at most five,
 * so the oldest non-default one goes first when there are five).
 */
public final class IotFleetSetup {
    /** AWS IoT keeps at most five versions of a policy (CreatePolicyVersion, VersionsLimitExceededException). */
    static final int MAX_POLICY_VERSIONS = 5;
    /** The AWS managed policy a JITP role needs (AWS IoT Developer Guide, "Just-in-time provisioning"). */
    static final String THINGS_REGISTRATION_POLICY = "policy/service-role/AWSIoTThingsRegistration";

    private final IotClient iot;
    private final IamClient iam;
    private final String where;
    private final SecureRandom random = new SecureRandom();

    public IotFleetSetup(AwsClients clients) {
        this.iot = clients.iot();
        this.iam = clients.iam();
        this.where = clients.describe();
    }

    /** What was found and done, one line per resource, for the front end to print. */
    public List<String> converge(FleetSpec spec) {
        List<String> report = new ArrayList<>();
        report.add(policy(spec.policy().name(), spec.policy().json()));
        FleetSpec.StatusRule rule = spec.statusRule();
        RoleResult role = role(rule.roleName(), rule.trustPolicyJson(), "Lets the AWS IoT rule " + rule.ruleName()
                + " republish device status into shadows (espfleet)");
        report.add(role.line());
        report.add(inlinePolicy(rule.roleName(), rule.rolePolicyJson()));
        report.add(topicRule(rule.ruleName(), rulePayload(rule.payloadJson(), role.arn())));
        if (spec.ca().isPresent()) {
            FleetSpec.CaSpec ca = spec.ca().get();
            Optional<RegistrationConfig> jitp = Optional.empty();
            if (ca.jitp()) {
                RoleResult jitpRole = role(ca.jitpRoleName(), rule.trustPolicyJson(),
                        "Lets AWS IoT provision things for certificates of the fleet's CA (just-in-time provisioning)");
                report.add(jitpRole.line());
                report.add(managedPolicy(ca.jitpRoleName(), partitionArn(jitpRole.arn()) + THINGS_REGISTRATION_POLICY));
                jitp = Optional.of(RegistrationConfig.builder().templateBody(ca.jitpTemplateBody())
                        .roleArn(jitpRole.arn()).build());
            }
            report.add(caCertificate(ca.ca(), jitp));
        }
        return report;
    }

    // ---- the IoT policy

    private String policy(String name, String document) {
        Optional<GetPolicyResponse> existing = find(() -> iot.getPolicy(b -> b.policyName(name)), "GetPolicy");
        if (existing.isEmpty()) {
            call("CreatePolicy", () -> iot.createPolicy(b -> b.policyName(name).policyDocument(document)));
            return "policy " + name + ": created";
        }
        if (CanonicalJson.same(existing.get().policyDocument(), document)) {
            return "policy " + name + ": up to date (version " + existing.get().defaultVersionId() + ")";
        }
        List<PolicyVersion> versions = new ArrayList<>(call("ListPolicyVersions",
                () -> iot.listPolicyVersions(b -> b.policyName(name))).policyVersions());
        versions.sort(Comparator.comparing(PolicyVersion::createDate, Comparator.nullsFirst(Comparator.naturalOrder()))
                .thenComparing(v -> Long.parseLong(v.versionId())));
        List<String> pruned = new ArrayList<>();
        for (PolicyVersion v : List.copyOf(versions)) {
            if (versions.size() < MAX_POLICY_VERSIONS) {
                break;
            }
            if (!Boolean.TRUE.equals(v.isDefaultVersion())) {
                call("DeletePolicyVersion", () -> iot.deletePolicyVersion(b -> b.policyName(name)
                        .policyVersionId(v.versionId())));
                versions.remove(v);
                pruned.add(v.versionId());
            }
        }
        String version = call("CreatePolicyVersion", () -> iot.createPolicyVersion(b -> b.policyName(name)
                .policyDocument(document).setAsDefault(true))).policyVersionId();
        return "policy " + name + ": document changed, version " + version + " is the default now"
                + (pruned.isEmpty() ? "" : " (deleted old version" + (pruned.size() > 1 ? "s " : " ")
                + String.join(", ", pruned) + ": AWS keeps " + MAX_POLICY_VERSIONS + ")");
    }

    // ---- IAM roles

    record RoleResult(String arn, String line) {
    }

    private RoleResult role(String name, String trustPolicy, String description) {
        Optional<Role> existing = findIam(() -> iam.getRole(b -> b.roleName(name)).role(), "GetRole");
        if (existing.isEmpty()) {
            Role created = call("CreateRole", () -> iam.createRole(b -> b.roleName(name)
                    .assumeRolePolicyDocument(trustPolicy).description(description))).role();
            return new RoleResult(created.arn(), "IAM role " + name + ": created (" + created.arn() + ")");
        }
        Role role = existing.get();
        if (CanonicalJson.same(iamDocument(role.assumeRolePolicyDocument()), trustPolicy)) {
            return new RoleResult(role.arn(), "IAM role " + name + ": up to date");
        }
        call("UpdateAssumeRolePolicy", () -> iam.updateAssumeRolePolicy(b -> b.roleName(name).policyDocument(trustPolicy)));
        return new RoleResult(role.arn(), "IAM role " + name + ": trust policy updated");
    }

    /** The role's inline policy, named like the role (as the generated README's aws CLI steps name it). */
    private String inlinePolicy(String role, String document) {
        Optional<String> existing = findIam(() -> iam.getRolePolicy(b -> b.roleName(role).policyName(role))
                .policyDocument(), "GetRolePolicy");
        if (existing.isPresent() && CanonicalJson.same(iamDocument(existing.get()), document)) {
            return "IAM role " + role + ": its policy is up to date";
        }
        call("PutRolePolicy", () -> iam.putRolePolicy(b -> b.roleName(role).policyName(role).policyDocument(document)));
        return "IAM role " + role + ": policy " + (existing.isEmpty() ? "added" : "updated");
    }

    private String managedPolicy(String role, String policyArn) {
        boolean attached = call("ListAttachedRolePolicies", () -> iam.listAttachedRolePoliciesPaginator(b -> b.roleName(role))
                .attachedPolicies().stream().anyMatch(p -> policyArn.equals(p.policyArn())));
        if (attached) {
            return "IAM role " + role + ": " + policyArn + " attached";
        }
        call("AttachRolePolicy", () -> iam.attachRolePolicy(b -> b.roleName(role).policyArn(policyArn)));
        return "IAM role " + role + ": attached " + policyArn;
    }

    /** IAM returns policy documents percent-encoded (RFC 3986), as its API reference says of GetRole. */
    static String iamDocument(String encoded) {
        return encoded == null ? "" : URLDecoder.decode(encoded, StandardCharsets.UTF_8);
    }

    /** "arn:aws:iam::" or "arn:aws-cn:iam::" from a role's ARN: the partition the managed policy lives in. */
    private static String partitionArn(String roleArn) {
        String[] parts = roleArn.split(":", 4);
        return "arn:" + parts[1] + ":iam::aws:";
    }

    // ---- the status rule

    /**
     * The generator's {@code aws/status-rule.json} (the {@code --topic-rule-payload} shape, which is the API's
     * TopicRulePayload) as the SDK's payload, with the role's real ARN.
     */
    static TopicRulePayload rulePayload(String json, String roleArn) {
        JsonNode root = JsonNode.parser().parse(json);
        Map<String, JsonNode> o = root.asObject();
        List<Action> actions = new ArrayList<>();
        for (JsonNode a : o.get("actions").asArray()) {
            JsonNode republish = a.field("republish").orElseThrow(() -> new EspfleetException(ExitStatus.INTERNAL,
                    "the status rule has an action other than republish: " + a));
            actions.add(Action.builder().republish(RepublishAction.builder().roleArn(roleArn)
                    .topic(republish.field("topic").orElseThrow().asString())
                    .qos(republish.field("qos").map(q -> Integer.valueOf(q.asNumber())).orElse(null)).build()).build());
        }
        return TopicRulePayload.builder()
                .sql(o.get("sql").asString())
                .description(Optional.ofNullable(o.get("description")).map(JsonNode::asString).orElse(null))
                .awsIotSqlVersion(Optional.ofNullable(o.get("awsIotSqlVersion")).map(JsonNode::asString).orElse(null))
                .ruleDisabled(Optional.ofNullable(o.get("ruleDisabled")).map(JsonNode::asBoolean).orElse(false))
                .actions(actions)
                .build();
    }

    private String topicRule(String name, TopicRulePayload payload) {
        // GetTopicRule on a missing rule answers UnauthorizedException, not ResourceNotFoundException (its API
        // reference lists no 404): the rule's existence is read from ListTopicRules
        boolean exists = call("ListTopicRules", () -> iot.listTopicRulesPaginator(b -> b.maxResults(1000)).rules()
                .stream().map(TopicRuleListItem::ruleName).anyMatch(name::equals));
        if (!exists) {
            call("CreateTopicRule", () -> iot.createTopicRule(b -> b.ruleName(name).topicRulePayload(payload)));
            return "rule " + name + ": created";
        }
        TopicRule rule = call("GetTopicRule", () -> iot.getTopicRule(b -> b.ruleName(name))).rule();
        if (sameRule(rule, payload)) {
            return "rule " + name + ": up to date";
        }
        call("ReplaceTopicRule", () -> iot.replaceTopicRule(b -> b.ruleName(name).topicRulePayload(payload)));
        return "rule " + name + ": replaced (it differed from the generated rule)";
    }

    static boolean sameRule(TopicRule rule, TopicRulePayload payload) {
        return java.util.Objects.equals(rule.sql(), payload.sql())
                && java.util.Objects.equals(rule.description(), payload.description())
                && java.util.Objects.equals(rule.awsIotSqlVersion(), payload.awsIotSqlVersion())
                && java.util.Objects.equals(Boolean.TRUE.equals(rule.ruleDisabled()),
                Boolean.TRUE.equals(payload.ruleDisabled()))
                && java.util.Objects.equals(rule.actions(), payload.actions())
                && java.util.Objects.equals(rule.errorAction(), payload.errorAction());
    }

    // ---- the CA

    private String caCertificate(CertificateAuthority ca, Optional<RegistrationConfig> jitp) {
        String id = Certificates.awsId(ca.certificate());
        Optional<DescribeCaCertificateResponse> existing = find(() -> iot.describeCACertificate(b -> b.certificateId(id)),
                "DescribeCACertificate");
        AutoRegistrationStatus wanted = jitp.isPresent() ? AutoRegistrationStatus.ENABLE : AutoRegistrationStatus.DISABLE;
        if (existing.isEmpty()) {
            String code = call("GetRegistrationCode", () -> iot.getRegistrationCode(b -> { })).registrationCode();
            // a throwaway key: AWS checks the CA's signature on the certificate and that its CN is the code
            var key = KeyType.EC_P256.generate(random).getPublic();
            var verification = ca.issueVerificationCertificate(code, key, ValidityPeriod.days(Instant.now(), 1), random);
            String arn = call("RegisterCACertificate", () -> iot.registerCACertificate(b -> b
                    .caCertificate(Pem.encodeCertificate(ca.certificate()))
                    .verificationCertificate(Pem.encodeCertificate(verification))
                    .setAsActive(true)
                    .allowAutoRegistration(jitp.isPresent())
                    .registrationConfig(jitp.orElse(null))
                    .certificateMode(CertificateMode.DEFAULT))).certificateArn();
            return "CA " + id.substring(0, 12) + "...: registered (" + arn + ")" + (jitp.isPresent()
                    ? ", just-in-time provisioning on" : "");
        }
        var description = existing.get().certificateDescription();
        boolean active = description.status() == CACertificateStatus.ACTIVE;
        boolean autoRegistration = description.autoRegistrationStatus() == wanted;
        Optional<RegistrationConfig> have = Optional.ofNullable(existing.get().registrationConfig())
                .filter(c -> c.templateBody() != null || c.roleArn() != null);
        boolean template = jitp.isEmpty() || have.isPresent() && CanonicalJson.same(have.get().templateBody(),
                jitp.get().templateBody()) && jitp.get().roleArn().equals(have.get().roleArn());
        if (active && autoRegistration && template) {
            return "CA " + id.substring(0, 12) + "...: registered and active" + (jitp.isPresent()
                    ? ", just-in-time provisioning on" : "");
        }
        call("UpdateCACertificate", () -> iot.updateCACertificate(b -> {
            b.certificateId(id);
            if (!active) {
                b.newStatus(CACertificateStatus.ACTIVE);
            }
            if (!autoRegistration) {
                b.newAutoRegistrationStatus(wanted);
            }
            if (!template) {
                b.registrationConfig(jitp.get());
            }
        }));
        return "CA " + id.substring(0, 12) + "...: updated (" + String.join(", ", new ArrayList<>(List.of(
                active ? "" : "activated", autoRegistration ? "" : "auto-registration " + wanted,
                template ? "" : "JITP template")).stream().filter(s -> !s.isEmpty()).toList()) + ")";
    }

    // ---- calls

    private <T> T call(String operation, Supplier<T> call) {
        try {
            return call.get();
        } catch (SdkException e) {
            throw AwsErrors.of(where, operation, e);
        }
    }

    private void call(String operation, Runnable call) {
        call(operation, () -> {
            call.run();
            return null;
        });
    }

    /** An IoT describe: empty on ResourceNotFoundException. */
    private <T> Optional<T> find(Supplier<T> call, String operation) {
        try {
            return Optional.of(call.get());
        } catch (ResourceNotFoundException e) {
            return Optional.empty();
        } catch (SdkException e) {
            throw AwsErrors.of(where, operation, e);
        }
    }

    /** An IAM get: empty on NoSuchEntity. */
    private <T> Optional<T> findIam(Supplier<T> call, String operation) {
        try {
            return Optional.of(call.get());
        } catch (NoSuchEntityException e) {
            return Optional.empty();
        } catch (SdkException e) {
            throw AwsErrors.of(where, operation, e);
        }
    }
}
