package dev.espfleet.provisioning;

import dev.espfleet.common.EspfleetException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The AWS IoT Core side of a unit: {@code register.sh} (aws CLI steps), the fleet's least-privilege
 * policy, and a just-in-time provisioning (JITP) template for the local-CA path. Renders text only.
 */
public final class AwsRegistration {
    /** How the unit's certificate reaches AWS IoT. */
    public enum CertificateRoute {
        /** AWS signs the unit's CSR ({@code create-certificate-from-csr}). */
        AWS_SIGNS_CSR,
        /** The local CA signed it; AWS registers it ({@code register-certificate[-without-ca]}). */
        LOCAL_CA,
        /** The certificate came from AWS already (an earlier {@code create-certificate-from-csr}). */
        ISSUED_BY_AWS
    }

    private static final Pattern TOPIC_PREFIX = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    /** {@code <id>[-ats].iot.<region>.amazonaws.com[.cn]}, the endpoint shape AWS IoT Core hands out. */
    private static final Pattern ENDPOINT_REGION =
            Pattern.compile("[a-z0-9]+(?:-ats)?\\.iot\\.([a-z0-9-]+)\\.amazonaws\\.com(?:\\.cn)?");
    private static final String THING = "${iot:Connection.Thing.ThingName}";

    private AwsRegistration() {
    }

    /** Topic prefixes become MQTT topic levels: no '/', '+', '#' or spaces. */
    public static String requireTopicPrefix(String prefix) {
        if (prefix == null || !TOPIC_PREFIX.matcher(prefix).matches()) {
            throw EspfleetException.badInput("invalid topic prefix '" + prefix
                    + "': expected 1-64 characters of [A-Za-z0-9_-]");
        }
        return prefix;
    }

    /** The name of the policy all devices of a product share; it grants each only its own topics. */
    public static String policyName(String topicPrefix) {
        return requireTopicPrefix(topicPrefix) + "-device-policy";
    }

    /** The AWS region named in an AWS IoT endpoint, if it has the usual shape. */
    public static Optional<String> regionOf(String endpoint) {
        Matcher m = ENDPOINT_REGION.matcher(endpoint == null ? "" : endpoint);
        return m.matches() ? Optional.of(m.group(1)) : Optional.empty();
    }

    /**
     * The least-privilege device policy: connect only as its own thing name (and only while the thing is
     * attached to the certificate), publish to its shadow's update/get and its status topic, subscribe to
     * and receive only its shadow's replies and deltas.
     */
    public static String policyJson(String topicPrefix, Optional<String> region) {
        String arn = "arn:aws:iot:" + region.orElse("*") + ":*:";
        String shadow = "$aws/things/" + THING + "/shadow/";
        String status = requireTopicPrefix(topicPrefix) + "/" + THING + "/status";
        String[] replies = {"update/accepted", "update/rejected", "update/delta", "get/accepted", "get/rejected"};
        StringBuilder subscribe = new StringBuilder();
        StringBuilder receive = new StringBuilder();
        for (String r : replies) {
            subscribe.append(subscribe.isEmpty() ? "" : ",\n").append("        ")
                    .append(Json.quote(arn + "topicfilter/" + shadow + r));
            receive.append(receive.isEmpty() ? "" : ",\n").append("        ")
                    .append(Json.quote(arn + "topic/" + shadow + r));
        }
        return "{\n"
                + "  \"Version\": \"2012-10-17\",\n"
                + "  \"Statement\": [\n"
                + "    {\n"
                + "      \"Effect\": \"Allow\",\n"
                + "      \"Action\": \"iot:Connect\",\n"
                + "      \"Resource\": " + Json.quote(arn + "client/" + THING) + ",\n"
                + "      \"Condition\": {\"Bool\": {\"iot:Connection.Thing.IsAttached\": \"true\"}}\n"
                + "    },\n"
                + "    {\n"
                + "      \"Effect\": \"Allow\",\n"
                + "      \"Action\": \"iot:Publish\",\n"
                + "      \"Resource\": [\n"
                + "        " + Json.quote(arn + "topic/" + shadow + "update") + ",\n"
                + "        " + Json.quote(arn + "topic/" + shadow + "get") + ",\n"
                + "        " + Json.quote(arn + "topic/" + status) + "\n"
                + "      ]\n"
                + "    },\n"
                + "    {\n"
                + "      \"Effect\": \"Allow\",\n"
                + "      \"Action\": \"iot:Subscribe\",\n"
                + "      \"Resource\": [\n" + subscribe + "\n      ]\n"
                + "    },\n"
                + "    {\n"
                + "      \"Effect\": \"Allow\",\n"
                + "      \"Action\": \"iot:Receive\",\n"
                + "      \"Resource\": [\n" + receive + "\n      ]\n"
                + "    }\n"
                + "  ]\n"
                + "}\n";
    }

    /**
     * A JITP template for {@code register-ca-certificate --registration-config}: on a device's first
     * connection AWS creates the thing named by the certificate's CN, activates the certificate and
     * attaches the fleet policy. The role ARN must be filled in for the account.
     */
    public static String jitpTemplateJson(String topicPrefix) {
        String body = "{\"Parameters\":{"
                + "\"AWS::IoT::Certificate::CommonName\":{\"Type\":\"String\"},"
                + "\"AWS::IoT::Certificate::Id\":{\"Type\":\"String\"}},"
                + "\"Resources\":{"
                + "\"thing\":{\"Type\":\"AWS::IoT::Thing\",\"Properties\":"
                + "{\"ThingName\":{\"Ref\":\"AWS::IoT::Certificate::CommonName\"}}},"
                + "\"certificate\":{\"Type\":\"AWS::IoT::Certificate\",\"Properties\":"
                + "{\"CertificateId\":{\"Ref\":\"AWS::IoT::Certificate::Id\"},\"Status\":\"ACTIVE\"}},"
                + "\"policy\":{\"Type\":\"AWS::IoT::Policy\",\"Properties\":"
                + "{\"PolicyName\":" + Json.quote(policyName(topicPrefix)) + "}}}}";
        return "{\n"
                + "  \"templateBody\": " + Json.quote(body) + ",\n"
                + "  \"roleArn\": \"arn:aws:iam::ACCOUNT_ID:role/JITP_ROLE_NAME\"\n"
                + "}\n";
    }

    /**
     * The registration script, run from anywhere; it works in the unit folder. Rerunning it is safe: it
     * creates the certificate, policy and thing only when missing, and attaching twice is a no-op in AWS.
     *
     * @param certificateId the AWS certificate ID (SHA-256 of the DER certificate), when the certificate exists
     */
    public static String registerScript(String thingName, String topicPrefix, Optional<String> region,
                                        CertificateRoute route, Optional<String> certificateId) {
        ThingName.require(thingName);
        StringBuilder s = new StringBuilder();
        s.append("#!/usr/bin/env bash\n")
                .append("# Generated by 'espfleet provision': registers thing '").append(thingName)
                .append("' with AWS IoT Core.\n")
                .append("# Needs the aws CLI v2 with credentials for the target account. Safe to rerun.\n")
                .append("set -euo pipefail\n")
                .append("cd \"$(dirname \"${BASH_SOURCE[0]}\")/..\"  # the unit folder\n")
                .append("thing='").append(thingName).append("'\n")
                .append("policy='").append(policyName(topicPrefix)).append("'\n");
        region.ifPresent(r -> s.append("export AWS_DEFAULT_REGION=\"${AWS_DEFAULT_REGION:-").append(r)
                .append("}\"  # from the endpoint\n"));
        s.append("\n# 1. The certificate\n");
        switch (route) {
            case AWS_SIGNS_CSR -> s
                    .append("if [ -f cert.pem ]; then\n")
                    .append("  cert_id=$(openssl x509 -in cert.pem -outform DER | sha256sum | cut -d' ' -f1)\n")
                    .append("else\n")
                    .append("  cert_id=$(aws iot create-certificate-from-csr --certificate-signing-request file://csr.pem \\\n")
                    .append("      --set-as-active --query certificateId --output text)\n")
                    .append("  aws iot describe-certificate --certificate-id \"$cert_id\" \\\n")
                    .append("      --query certificateDescription.certificatePem --output text > cert.pem\n")
                    .append("  echo \"wrote cert.pem; run 'espfleet provision ... --cert ")
                    .append("<unit>/cert.pem' to build identity.csv\"\n")
                    .append("fi\n");
            case LOCAL_CA -> s
                    .append("cert_id='").append(certificateId.orElseThrow()).append("'  # SHA-256 of cert.pem (DER)\n")
                    .append("if ! aws iot describe-certificate --certificate-id \"$cert_id\" >/dev/null 2>&1; then\n")
                    .append("  if [ \"${ESPFLEET_REGISTER_WITHOUT_CA:-0}\" = 1 ]; then\n")
                    .append("    # Multi-account registration: the CA need not be registered in this account.\n")
                    .append("    aws iot register-certificate-without-ca --certificate-pem file://cert.pem --status ACTIVE >/dev/null\n")
                    .append("  else\n")
                    .append("    # aws/ca.pem must be registered once per account and region, e.g.:\n")
                    .append("    #   aws iot register-ca-certificate --ca-certificate file://aws/ca.pem --certificate-mode SNI_ONLY \\\n")
                    .append("    #     --set-as-active [--allow-auto-registration --registration-config file://aws/jitp-template.json]\n")
                    .append("    aws iot register-certificate --certificate-pem file://cert.pem \\\n")
                    .append("        --ca-certificate-pem file://aws/ca.pem --set-as-active >/dev/null\n")
                    .append("  fi\n")
                    .append("fi\n");
            case ISSUED_BY_AWS -> s
                    .append("cert_id='").append(certificateId.orElseThrow())
                    .append("'  # SHA-256 of cert.pem (DER); AWS issued it\n");
            default -> throw new IllegalStateException(route.name());
        }
        s.append("cert_arn=$(aws iot describe-certificate --certificate-id \"$cert_id\" \\\n")
                .append("    --query certificateDescription.certificateArn --output text)\n")
                .append("\n# 2. The fleet policy (aws/policy.json grants each device only its own topics)\n")
                .append("aws iot get-policy --policy-name \"$policy\" >/dev/null 2>&1 ||\n")
                .append("  aws iot create-policy --policy-name \"$policy\" --policy-document file://aws/policy.json >/dev/null\n")
                .append("\n# 3. The thing\n")
                .append("aws iot describe-thing --thing-name \"$thing\" >/dev/null 2>&1 ||\n")
                .append("  aws iot create-thing --thing-name \"$thing\" >/dev/null\n")
                .append("\n# 4. Attach the policy to the certificate and the certificate to the thing\n")
                .append("aws iot attach-policy --policy-name \"$policy\" --target \"$cert_arn\"\n")
                .append("aws iot attach-thing-principal --thing-name \"$thing\" --principal \"$cert_arn\"\n")
                .append("echo \"registered $thing with $cert_arn\"\n");
        return s.toString();
    }

    /** The JSON string escaping this class needs (RFC 8259 section 7). */
    static final class Json {
        private Json() {
        }

        static String quote(String s) {
            StringBuilder out = new StringBuilder("\"");
            for (char c : s.toCharArray()) {
                switch (c) {
                    case '"' -> out.append("\\\"");
                    case '\\' -> out.append("\\\\");
                    case '\n' -> out.append("\\n");
                    default -> {
                        if (c < 0x20) {
                            out.append(String.format("\\u%04x", (int) c));
                        } else {
                            out.append(c);
                        }
                    }
                }
            }
            return out.append('"').toString();
        }
    }
}
