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
        String regionLine = region.map(r -> "export AWS_DEFAULT_REGION=\"${AWS_DEFAULT_REGION:-" + r
                + "}\"  # from the endpoint\n").orElse("");
        String certificateStep = switch (route) {
            case AWS_SIGNS_CSR -> SCRIPT_AWS_SIGNS_CSR;
            case LOCAL_CA -> SCRIPT_LOCAL_CA.replace("@CERT_ID@", certificateId.orElseThrow());
            case ISSUED_BY_AWS -> SCRIPT_ISSUED_BY_AWS.replace("@CERT_ID@", certificateId.orElseThrow());
        };
        return SCRIPT.replace("@THING@", thingName)
                .replace("@POLICY@", policyName(topicPrefix))
                .replace("@REGION@", regionLine)
                .replace("@CERTIFICATE_STEP@", certificateStep);
    }

    // The thing name and policy name are restricted to [A-Za-z0-9:_-], so single quotes are safe.
    private static final String SCRIPT = """
            #!/usr/bin/env bash
            # Generated by 'espfleet provision': registers thing '@THING@' with AWS IoT Core.
            # Needs the aws CLI v2 with credentials for the target account. Safe to rerun.
            set -euo pipefail
            cd "$(dirname "${BASH_SOURCE[0]}")/.."  # the unit folder
            thing='@THING@'
            policy='@POLICY@'
            @REGION@
            # 1. The certificate
            @CERTIFICATE_STEP@cert_arn=$(aws iot describe-certificate --certificate-id "$cert_id" \\
                --query certificateDescription.certificateArn --output text)

            # 2. The fleet policy (aws/policy.json grants each device only its own topics)
            aws iot get-policy --policy-name "$policy" >/dev/null 2>&1 ||
              aws iot create-policy --policy-name "$policy" --policy-document file://aws/policy.json >/dev/null

            # 3. The thing
            aws iot describe-thing --thing-name "$thing" >/dev/null 2>&1 ||
              aws iot create-thing --thing-name "$thing" >/dev/null

            # 4. Attach the policy to the certificate and the certificate to the thing
            aws iot attach-policy --policy-name "$policy" --target "$cert_arn"
            aws iot attach-thing-principal --thing-name "$thing" --principal "$cert_arn"
            echo "registered $thing with $cert_arn"
            """;

    private static final String SCRIPT_AWS_SIGNS_CSR = """
            if [ -f cert.pem ]; then
              cert_id=$(openssl x509 -in cert.pem -outform DER | sha256sum | cut -d' ' -f1)
            else
              cert_id=$(aws iot create-certificate-from-csr --certificate-signing-request file://csr.pem \\
                  --set-as-active --query certificateId --output text)
              aws iot describe-certificate --certificate-id "$cert_id" \\
                  --query certificateDescription.certificatePem --output text > cert.pem
              echo "wrote cert.pem; run 'espfleet provision ... --cert <unit>/cert.pem' to build identity.csv"
            fi
            """;

    private static final String SCRIPT_LOCAL_CA = """
            cert_id='@CERT_ID@'  # SHA-256 of cert.pem (DER)
            if ! aws iot describe-certificate --certificate-id "$cert_id" >/dev/null 2>&1; then
              if [ "${ESPFLEET_REGISTER_WITHOUT_CA:-0}" = 1 ]; then
                # Multi-account registration: the CA need not be registered in this account.
                aws iot register-certificate-without-ca --certificate-pem file://cert.pem --status ACTIVE >/dev/null
              else
                # aws/ca.pem must be registered once per account and region, e.g.:
                #   aws iot register-ca-certificate --ca-certificate file://aws/ca.pem --certificate-mode SNI_ONLY \\
                #     --set-as-active [--allow-auto-registration --registration-config file://aws/jitp-template.json]
                # (for JITP, first put a role that AWS IoT may assume into roleArn of aws/jitp-template.json)
                aws iot register-certificate --certificate-pem file://cert.pem \\
                    --ca-certificate-pem file://aws/ca.pem --set-as-active >/dev/null
              fi
            fi
            """;

    private static final String SCRIPT_ISSUED_BY_AWS = """
            cert_id='@CERT_ID@'  # SHA-256 of cert.pem (DER); AWS issued it
            """;

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
