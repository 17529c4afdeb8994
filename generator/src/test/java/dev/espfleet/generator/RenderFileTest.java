package dev.espfleet.generator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.espfleet.generator.render.ProjectRenderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** One file rendered alone is the file the whole project has at that path (provisioning renders only the policy). */
class RenderFileTest {
    static java.util.List<String> examples() {
        return Examples.names();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void thePolicyRenderedAloneIsThePolicyOfTheProject(String example) {
        String alone = new ProjectRenderer().renderFile(Examples.config(example), "aws/policy.json");
        assertEquals(Examples.render(example).text("aws/policy.json"), alone);
    }

    @Test
    void aPathNoTemplateRendersIsRefused() {
        assertThrows(IllegalArgumentException.class,
                () -> new ProjectRenderer().renderFile(Examples.config("minimal"), "main/identity.c"));
    }
}
