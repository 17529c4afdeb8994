package dev.espfleet.provisioning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.model.ThingName;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class AwsRegistrationTest {
    private static final String CERT_ID = "948df2580b054eb80bdf5835fdf0413ec35aa11e602849e456b5e64f143e5441";

    @Test
    void jitpTemplateCreatesThingFromCommonNameAndAttachesFleetPolicy() {
        assertEquals("""
                {
                  "templateBody": "{\\"Parameters\\":{\\"AWS::IoT::Certificate::CommonName\\":{\\"Type\\":\\"String\\"},\
                \\"AWS::IoT::Certificate::Id\\":{\\"Type\\":\\"String\\"}},\\"Resources\\":{\\"thing\\":{\\"Type\\":\
                \\"AWS::IoT::Thing\\",\\"Properties\\":{\\"ThingName\\":{\\"Ref\\":\\"AWS::IoT::Certificate::CommonName\
                \\"}}},\\"certificate\\":{\\"Type\\":\\"AWS::IoT::Certificate\\",\\"Properties\\":{\\"CertificateId\\":\
                {\\"Ref\\":\\"AWS::IoT::Certificate::Id\\"},\\"Status\\":\\"ACTIVE\\"}},\\"policy\\":{\\"Type\\":\
                \\"AWS::IoT::Policy\\",\\"Properties\\":{\\"PolicyName\\":\\"greenhouse-device-policy\\"}}}}",
                  "roleArn": "arn:aws:iam::ACCOUNT_ID:role/JITP_ROLE_NAME"
                }
                """, AwsRegistration.jitpTemplateJson("greenhouse-device-policy"));
    }

    @Test
    void csrRouteHasAwsSignTheCsrThenCreatesThingAndAttaches() {
        String script = AwsRegistration.registerScript(ThingName.of("dev-001"), "greenhouse-device-policy", Optional.of("eu-west-1"),
                AwsRegistration.CertificateRoute.AWS_SIGNS_CSR, Optional.empty());
        assertCommandsInOrder(script, "aws iot create-certificate-from-csr --certificate-signing-request file://csr.pem",
                "aws iot create-policy --policy-name \"$policy\" --policy-document file://aws/policy.json",
                "aws iot create-thing --thing-name \"$thing\"",
                "aws iot attach-policy --policy-name \"$policy\" --target \"$cert_arn\"",
                "aws iot attach-thing-principal --thing-name \"$thing\" --principal \"$cert_arn\"");
        assertTrue(script.contains("thing='dev-001'\npolicy='greenhouse-device-policy'\n"
                + "export AWS_DEFAULT_REGION=\"${AWS_DEFAULT_REGION:-eu-west-1}\""), script);
    }

    @Test
    void localCaRouteRegistersTheCertificateWithOrWithoutCa() {
        String script = AwsRegistration.registerScript(ThingName.of("dev-001"), "greenhouse-device-policy", Optional.empty(),
                AwsRegistration.CertificateRoute.LOCAL_CA, Optional.of(CERT_ID));
        assertCommandsInOrder(script, "cert_id='" + CERT_ID + "'",
                "aws iot register-certificate-without-ca --certificate-pem file://cert.pem --status ACTIVE",
                "aws iot register-certificate --certificate-pem file://cert.pem",
                "aws iot create-thing", "aws iot attach-policy", "aws iot attach-thing-principal");
    }

    @ParameterizedTest
    @EnumSource(AwsRegistration.CertificateRoute.class)
    void registerScriptIsValidBash(AwsRegistration.CertificateRoute route, @TempDir Path dir) throws Exception {
        Path script = dir.resolve("register.sh");
        Files.writeString(script, AwsRegistration.registerScript(ThingName.of("dev-001"), "p-device-policy", Optional.of("eu-west-1"), route,
                Optional.of(CERT_ID)));
        Process bash = new ProcessBuilder("bash", "-n", script.toString()).redirectErrorStream(true).start();
        String output = new String(bash.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(bash.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, bash.exitValue(), output);
    }

    private static void assertCommandsInOrder(String script, String... commands) {
        int from = 0;
        for (String command : commands) {
            int at = script.indexOf(command, from);
            assertTrue(at >= 0, "expected '" + command + "' after offset " + from + " in:\n" + script);
            from = at + command.length();
        }
    }

}
