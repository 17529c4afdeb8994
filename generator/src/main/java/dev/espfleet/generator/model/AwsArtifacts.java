package dev.espfleet.generator.model;

import dev.espfleet.generator.config.DeviceConfig;
import dev.espfleet.generator.config.Names;
import dev.espfleet.generator.config.TelemetryDestination;
import java.util.ArrayList;
import java.util.List;

/**
 * What the AWS side needs next to the firmware: a least-privilege IoT policy (a device may connect only
 * as its own thing name and use only its own shadow, status and telemetry topics, through policy variables) and
 * the rule that republishes the status topic, Last Will included, into the shadow's reported.online.
 */
public final class AwsArtifacts {
    /** AWS IoT policy variable: the thing attached to the certificate that connected. */
    static final String THING = "${iot:Connection.Thing.ThingName}";

    /**
     * The names, ARNs and SQL the templates under {@code aws/} (and README.md) place: the view model's AWS part.
     *
     * @param accountKnown false when the config has no account id and the rule's role ARN says ACCOUNT_ID
     */
    public record View(String policyName, String clientResource, List<String> publishResources,
                       List<String> subscribeResources, List<String> receiveResources, String ruleName, String ruleSql,
                       String ruleTopic, String ruleRoleName, String ruleRoleArn, String ruleRoleResource,
                       boolean accountKnown) {
        public View {
            publishResources = List.copyOf(publishResources);
            subscribeResources = List.copyOf(subscribeResources);
            receiveResources = List.copyOf(receiveResources);
        }
    }

    /**
     * Fleet provisioning by claim (identity.claim): the provisioning template's name and the claim policy's
     * resources, for aws/provisioning-template.json and aws/claim-policy.json.
     *
     * @param devicePolicyName the policy the template attaches to each new certificate (aws/policy.json's)
     */
    public record Claim(String templateName, String claimPolicyName, String devicePolicyName, String connectResource,
                        List<String> publishResources, List<String> subscribeResources,
                        List<String> receiveResources) {
        public Claim {
            publishResources = List.copyOf(publishResources);
            subscribeResources = List.copyOf(subscribeResources);
            receiveResources = List.copyOf(receiveResources);
        }
    }

    /** AWS IoT's Fleet Provisioning MQTT API (JSON payloads): what the firmware publishes to. */
    public static final String CREATE_FROM_CSR_TOPIC = "$aws/certificates/create-from-csr/json";

    public static String provisionTopic(String template) {
        return "$aws/provisioning-templates/" + template + "/provision/json";
    }

    private AwsArtifacts() {
    }

    /**
     * The claim's view; empty without identity.claim. The claim certificate is shared by every unit of the product:
     * its policy allows connecting (with any client id: the thing name, which no thing owns yet) and exactly the two
     * requests and their answers, nothing else.
     */
    public static java.util.Optional<Claim> claim(DeviceConfig c) {
        return c.identity().claimTemplate().map(template -> {
            String arn = "arn:aws:iot:" + c.aws().endpoint().region().orElse("*") + ":" + c.aws().accountId().orElse("*")
                    + ":";
            List<String> requests = List.of(CREATE_FROM_CSR_TOPIC, provisionTopic(template));
            List<String> answers = requests.stream().flatMap(r -> java.util.stream.Stream.of(r + "/accepted",
                    r + "/rejected")).toList();
            return new Claim(template, c.product().name() + "-claim", policyName(c), arn + "client/*",
                    requests.stream().map(t -> arn + "topic/" + t).toList(),
                    answers.stream().map(t -> arn + "topicfilter/" + t).toList(),
                    answers.stream().map(t -> arn + "topic/" + t).toList());
        });
    }

    /** The policy all devices of the product share; aws/policy.json is its document. */
    public static String policyName(DeviceConfig c) {
        return c.product().name() + "-device";
    }

    public static View of(DeviceConfig c) {
        String region = c.aws().endpoint().region().orElse("*");
        String account = c.aws().accountId().orElse("*");
        String arn = "arn:aws:iot:" + region + ":" + account + ":";
        String shadow = "$aws/things/" + THING + "/shadow" + c.shadow().name().map(n -> "/name/" + n).orElse("");
        String status = c.mqtt().topicPrefix() + "/" + THING + "/" + Names.STATUS_TOPIC_LEVEL;
        String telemetry = c.mqtt().topicPrefix() + "/" + THING + "/" + Names.TELEMETRY_TOPIC_LEVEL;
        List<String> subscribed = List.of(shadow + "/get/accepted", shadow + "/get/rejected",
                shadow + "/update/delta", shadow + "/update/rejected");

        List<String> published = new ArrayList<>(List.of(arn + "topic/" + shadow + "/get",
                arn + "topic/" + shadow + "/update", arn + "topic/" + status));
        if (c.telemetry().to() == TelemetryDestination.TOPIC) {
            published.add(arn + "topic/" + telemetry); // only where the readings go: least privilege
        }
        List<String> subscribeFilters = new ArrayList<>(subscribed.stream().map(t -> arn + "topicfilter/" + t).toList());
        List<String> received = new ArrayList<>(subscribed.stream().map(t -> arn + "topic/" + t).toList());
        if (c.jobs().enabled()) {
            // AWS IoT Jobs over MQTT: start-next and <jobId>/update, their answers, and notify-next. In a
            // topicfilter resource `+` is the filter's own character; in a topic resource `*` stands for the job id
            String jobs = "$aws/things/" + THING + "/jobs/";
            published.add(arn + "topic/" + jobs + "start-next");
            published.add(arn + "topic/" + jobs + "*/update");
            for (String answer : List.of("start-next/accepted", "start-next/rejected", "+/update/accepted",
                    "+/update/rejected", "notify-next")) {
                subscribeFilters.add(arn + "topicfilter/" + jobs + answer);
                received.add(arn + "topic/" + jobs + answer.replace("+", "*"));
            }
            if (c.jobs().rotation()) {
                // rotate-certificate: CreateCertificateFromCsr, then RegisterThing with the rotation template (which
                // attaches the new certificate to the thing and this policy), on the thing's own connection
                // (docs/jobs.md)
                for (String request : List.of(CREATE_FROM_CSR_TOPIC,
                        provisionTopic(c.jobs().rotationTemplate().orElseThrow()))) {
                    published.add(arn + "topic/" + request);
                    for (String answer : List.of("/accepted", "/rejected")) {
                        subscribeFilters.add(arn + "topicfilter/" + request + answer);
                        received.add(arn + "topic/" + request + answer);
                    }
                }
            }
        }
        int thingLevel = c.mqtt().topicPrefix().split("/").length + 1; // topic(n) is 1-based
        String role = c.product().name() + "-status-republish";
        return new View(policyName(c), arn + "client/" + THING, published, subscribeFilters, received,
                c.product().name().replace('-', '_') + "_status_to_shadow",
                "SELECT state FROM '" + c.mqtt().topicPrefix() + "/+/" + Names.STATUS_TOPIC_LEVEL + "'",
                "$$aws/things/${topic(" + thingLevel + ")}/shadow" + c.shadow().name().map(n -> "/name/" + n).orElse("")
                        + "/update",
                role, "arn:aws:iam::" + c.aws().accountId().orElse("ACCOUNT_ID") + ":role/" + role,
                // the rule's role may republish into any thing's shadow of this kind (classic or the named one)
                arn + "topic/$aws/things/*/shadow" + c.shadow().name().map(n -> "/name/" + n).orElse("") + "/update",
                c.aws().accountId().isPresent());
    }
}
