package dev.espfleet.generator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.github.difflib.DiffUtils;
import com.github.difflib.UnifiedDiffUtils;
import dev.espfleet.generator.render.GeneratedProject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Each example's whole generated tree against its golden copy in src/test/resources/golden. On a
 * mismatch: a unified diff per file, and {@code <file>.actual} written beside the golden (git-ignored).
 * {@code mvn test -Dgolden.update=true} rewrites the goldens; review them with git diff.
 */
class GoldenTest {
    static final Path GOLDEN = Path.of("src/test/resources/golden");

    static List<String> examples() {
        return Examples.names();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void generatedTreeMatchesGolden(String example) throws IOException {
        GeneratedProject project = Examples.render(example);
        Path dir = GOLDEN.resolve(example);
        if (Boolean.getBoolean("golden.update")) {
            rewrite(dir, project);
            return;
        }
        SortedSet<String> expected = listTree(dir);
        List<String> problems = new ArrayList<>();
        for (String path : union(expected, project.files().keySet())) {
            Path golden = dir.resolve(path);
            byte[] actual = project.files().get(path);
            if (actual == null) {
                problems.add(path + ": in the golden tree but no longer generated");
            } else if (!expected.contains(path)) {
                problems.add(path + ": generated but not in the golden tree");
                Files.write(dir.resolve(path + ".actual"), actual);
            } else {
                byte[] want = Files.readAllBytes(golden);
                if (!java.util.Arrays.equals(want, actual)) {
                    problems.add(diff(path, want, actual));
                    Files.write(dir.resolve(path + ".actual"), actual);
                }
            }
        }
        if (!problems.isEmpty()) {
            fail(example + " differs from its golden files (mvn test -Dgolden.update=true accepts the change):\n"
                    + String.join("\n", problems));
        }
        assertEquals(expected, new TreeSet<>(project.files().keySet()));
    }

    private static String diff(String path, byte[] want, byte[] actual) {
        List<String> a = new String(want, StandardCharsets.UTF_8).lines().toList();
        List<String> b = new String(actual, StandardCharsets.UTF_8).lines().toList();
        List<String> lines = UnifiedDiffUtils.generateUnifiedDiff("golden/" + path, "generated/" + path, a,
                DiffUtils.diff(a, b), 3);
        return lines.isEmpty() ? path + ": differs in line endings or the final newline" : String.join("\n", lines);
    }

    private static SortedSet<String> union(SortedSet<String> a, java.util.Set<String> b) {
        SortedSet<String> all = new TreeSet<>(a);
        all.addAll(b);
        return all;
    }

    static SortedSet<String> listTree(Path dir) throws IOException {
        SortedSet<String> out = new TreeSet<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.filter(Files::isRegularFile).map(p -> dir.relativize(p).toString().replace('\\', '/'))
                    .filter(p -> !p.endsWith(".actual")).forEach(out::add);
        }
        return out;
    }

    private static void rewrite(Path dir, GeneratedProject project) throws IOException {
        if (Files.isDirectory(dir)) {
            try (Stream<Path> s = Files.walk(dir)) {
                for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        for (Map.Entry<String, byte[]> e : project.files().entrySet()) {
            Path target = dir.resolve(e.getKey());
            Files.createDirectories(target.getParent());
            Files.write(target, e.getValue());
        }
    }
}
