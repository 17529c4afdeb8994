package dev.espfleet.generator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.generator.config.ConfigLoader;
import dev.espfleet.generator.config.DeviceConfig;
import dev.espfleet.generator.render.GeneratedProject;
import dev.espfleet.generator.render.ProjectRenderer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * identity.claim: the provisioning template and the claim policy espfleet writes into aws/, compared whole with
 * src/test/resources/claim/ ({@code -Dgolden.update=true} rewrites them); a config without a claim has neither.
 */
class ClaimArtifactsTest {
    static final Path EXPECTED = Path.of("src/test/resources/claim");
    static final List<String> FILES = List.of("aws/provisioning-template.json", "aws/claim-policy.json");
    /** Rendered for a claim as for any config, with the claim's rows. */
    static final List<String> COMPARED = List.of("aws/provisioning-template.json", "aws/claim-policy.json",
            "nvs/identity.csv", "README.md");

    static DeviceConfig claimConfig() throws Exception {
        String yaml = Files.readString(Examples.DIR.resolve("env-sensor.yaml"), StandardCharsets.UTF_8)
                .replace("identity:\n", "identity:\n  key_source: device\n  claim: {template: env-sensor-claim}\n")
                .replace("aws:\n", "aws:\n  account_id: \"123456789012\"\n");
        return ConfigLoader.parse("claim.yaml", "claim.yaml", yaml);
    }

    @Test
    void aClaimWritesTheProvisioningTemplateAndAClaimPolicyForExactlyItsTopics() throws Exception {
        GeneratedProject project = new ProjectRenderer().render(claimConfig());
        for (String file : COMPARED) {
            String actual = new String(project.files().get(file), StandardCharsets.UTF_8);
            Path expected = EXPECTED.resolve(file);
            if (Boolean.getBoolean("golden.update")) {
                Files.createDirectories(expected.getParent());
                Files.writeString(expected, actual);
            }
            assertEquals(Files.readString(expected), actual, file + " differs from " + expected
                    + " (mvn test -pl generator -am -Dgolden.update=true, then review the diff)");
        }
    }

    @Test
    void withoutAClaimThereIsNoTemplateAndNoClaimPolicy() {
        GeneratedProject project = Examples.render("env-sensor");
        FILES.forEach(f -> assertFalse(project.files().containsKey(f), f));
        assertTrue(project.files().containsKey("aws/policy.json"));
    }
}
