package dev.espfleet.generator;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.github.difflib.DiffUtils;
import com.github.difflib.UnifiedDiffUtils;
import dev.espfleet.generator.config.ConfigSchema;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * docs/config.md's key reference is the one {@link ConfigSchema#markdownReference()} writes from the schema, between
 * its BEGIN and END markers; the prose around it is written by hand. {@code mvn test -Dgolden.update=true} writes
 * the part again.
 */
class ConfigReferenceTest {
    static final Path DOC = Path.of("..", "docs", "config.md");
    static final String BEGIN = "<!-- BEGIN key reference";
    static final String END = "<!-- END key reference -->";

    @Test
    void docsConfigMdHoldsTheKeyReferenceTheSchemaWrites() throws IOException {
        String doc = Files.readString(DOC, StandardCharsets.UTF_8);
        int begin = doc.indexOf(BEGIN);
        int end = doc.indexOf(END);
        assertTrue(begin >= 0 && end > begin, DOC + " has lost its key reference markers (" + BEGIN + " ... " + END + ")");
        int from = doc.indexOf("-->", begin) + "-->\n".length();
        String written = doc.substring(from, end);
        String generated = ConfigSchema.markdownReference();
        if (Boolean.getBoolean("golden.update")) {
            Files.writeString(DOC, doc.substring(0, from) + generated + doc.substring(end), StandardCharsets.UTF_8);
            return;
        }
        if (!written.equals(generated)) {
            List<String> a = written.lines().toList();
            List<String> b = generated.lines().toList();
            fail(DOC + "'s key reference differs from the schema (ConfigSchema); write it again with"
                    + " mvn test -pl generator -am -Dgolden.update=true and review the diff:\n" + String.join("\n",
                    UnifiedDiffUtils.generateUnifiedDiff("docs/config.md", "ConfigSchema.markdownReference()", a,
                            DiffUtils.diff(a, b), 2)));
        }
    }
}
