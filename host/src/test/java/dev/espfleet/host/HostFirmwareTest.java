package dev.espfleet.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.generator.config.ConfigLoader;
import dev.espfleet.generator.render.ProjectRenderer;
import dev.espfleet.generator.render.ProjectWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Generates every example, then builds its firmware with gcc against host/include and host/fakes and
 * runs the C tests (host/tests), once plain and once with AddressSanitizer + UndefinedBehaviorSanitizer,
 * through {@code make -C host test}. Prints how many C tests ran and passed.
 */
class HostFirmwareTest {
    static final Path HOST = Path.of("").toAbsolutePath();
    static final Pattern SUMMARY = Pattern.compile("(?m)^(\\d+) passed, (\\d+) failed$");

    static List<String> examples() throws IOException {
        try (Stream<Path> s = Files.list(HOST.resolve("../examples"))) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".yaml"))
                    .map(n -> n.substring(0, n.length() - 5)).sorted().toList();
        }
    }

    static Path generate(String example) {
        Path project = HOST.resolve("target/projects").resolve(example);
        ProjectWriter.write(new ProjectRenderer().render(ConfigLoader.load(HOST.resolve("../examples/" + example + ".yaml"))),
                project);
        return project;
    }

    static Result make(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("make", "-s", "-C", HOST.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new Result(p.waitFor(), output);
    }

    record Result(int exitCode, String output) {
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void generatedFirmwarePassesItsCTests(String example) throws Exception {
        assertTrue(Files.isRegularFile(HOST.resolve("tests/fields_" + example + ".c")),
                "every example needs its field tests in host/tests/fields_" + example + ".c");
        Path project = generate(example);
        Result r = make("test", "PROJECT=" + project, "EXAMPLE=" + example, "OUT=" + project.resolve("host-build"));

        Matcher m = SUMMARY.matcher(r.output());
        List<String> runs = new ArrayList<>();
        int passed = 0;
        int failed = 0;
        while (m.find()) {
            runs.add(m.group());
            passed += Integer.parseInt(m.group(1));
            failed += Integer.parseInt(m.group(2));
        }
        System.out.printf("C tests %s: %s (plain, then ASan+UBSan)%n", example, String.join("; ", runs));
        assertEquals(0, r.exitCode(), r.output());
        assertEquals(2, runs.size(), "both the plain and the sanitized build ran:\n" + r.output());
        assertEquals(0, failed, r.output());
        assertTrue(passed >= 40, "C tests ran: " + passed);
    }

    @Test
    void userHooksFileReplacesTheWeakDefaultsWhenLinkedFromAnArchiveAsEspIdfDoes() throws Exception {
        Path project = generate("env-sensor");
        String cmake = Files.readString(project.resolve("main/CMakeLists.txt"));
        assertTrue(cmake.contains("WHOLE_ARCHIVE"), "main/CMakeLists.txt must link main/ whole:\n" + cmake);
        Result r = make("archive-link", "PROJECT=" + project, "EXAMPLE=env-sensor", "OUT=" + project.resolve("host-build"));
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("replaced the weak default"), r.output());
    }

    @Test
    void shadowParserSurvivesFuzzing() throws Exception {
        int seconds = Integer.getInteger("fuzz.seconds", 60);
        Assumptions.assumeTrue(seconds > 0, "fuzzing turned off with -Dfuzz.seconds=0");
        Path project = generate("all-types");
        Result r = make("fuzz", "PROJECT=" + project, "EXAMPLE=all-types", "OUT=" + project.resolve("host-build"),
                "FUZZ_SECONDS=" + seconds);
        Matcher done = Pattern.compile("Done (\\d+) runs in (\\d+) second").matcher(r.output());
        assertEquals(0, r.exitCode(), "the fuzzer found a problem:\n" + tail(r.output()));
        assertTrue(done.find(), tail(r.output()));
        System.out.printf("fuzz shadow parser (all-types): %s runs in %s s, no crash%n", done.group(1), done.group(2));
    }

    private static String tail(String s) {
        return s.length() > 6000 ? s.substring(s.length() - 6000) : s;
    }
}
