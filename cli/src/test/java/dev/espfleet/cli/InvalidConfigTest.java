package dev.espfleet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every config under src/test/resources/invalid is refused by {@code espfleet validate} and by
 * {@code espfleet generate} with exit code 2 and exactly the lines in its {@code .expected} file
 * ({@code mvn test -Dgolden.update=true} rewrites those).
 */
class InvalidConfigTest {
    static final Path CASES = Path.of("src/test/resources/invalid");

    static Stream<String> cases() throws IOException {
        try (Stream<Path> s = Files.list(CASES)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yaml"))
                    .map(n -> n.substring(0, n.length() - ".yaml".length())).sorted().toList().stream();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void validateReportsEveryProblemWithItsPosition(String name) throws IOException {
        Path config = CASES.resolve(name + ".yaml");
        CliRun run = CliRun.of("validate", config.toString());

        assertEquals(2, run.exitCode(), run.err());
        assertEquals("", run.out());
        assertFalse(run.err().contains("Exception"), "no stack trace without --debug:\n" + run.err());
        Path expected = CASES.resolve(name + ".expected");
        if (Boolean.getBoolean("golden.update")) {
            Files.writeString(expected, run.err(), StandardCharsets.UTF_8);
        }
        assertEquals(Files.readString(expected, StandardCharsets.UTF_8), run.err());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void generateRefusesAndWritesNothing(String name, @TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("project");
        CliRun run = CliRun.of("generate", CASES.resolve(name + ".yaml").toString(), "-o", out.toString());

        assertEquals(2, run.exitCode(), run.err());
        assertFalse(Files.exists(out), "nothing may be written for an invalid config");
    }

    @Test
    void everyCaseHasItsExpectedOutput() throws IOException {
        assertTrue(cases().count() >= 20, "at least 20 invalid-config cases");
        for (String name : cases().toList()) {
            assertTrue(Files.exists(CASES.resolve(name + ".expected")), name + ".expected is missing");
        }
    }
}
