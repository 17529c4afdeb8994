package dev.espfleet.flasher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The flasher's layers as its file list shows them (docs/flasher.md, "Design"): each package uses only the
 * packages below it, and no production class outside {@code sim} knows the simulator, which plugs in as a
 * port scheme like any other.
 */
class FlasherLayersTest {
    private static final Path MAIN = Path.of("src/main/java/dev/espfleet/flasher");
    /** {@code dev.espfleet.flasher.X.} (a subpackage) or {@code dev.espfleet.flasher.Name} (the root package). */
    private static final Pattern REFERENCE = Pattern.compile("dev\\.espfleet\\.flasher\\.([a-z]\\w*\\.|[A-Z]\\w*)");
    private static final String ROOT = "(root)";

    /** What each package may use besides itself; the root package holds FlasherErrors. */
    private static final Map<String, Set<String>> MAY_USE = Map.of(
            ROOT, Set.of("command"),
            "command", Set.of(),
            "targets", Set.of(),
            "image", Set.of("targets"),
            "connection", Set.of(ROOT, "command", "image"),
            "loader", Set.of(ROOT, "command", "connection", "targets", "image"),
            "flash", Set.of(ROOT, "command", "connection", "loader", "targets", "image"),
            "monitor", Set.of("connection"),
            "sim", Set.of(ROOT, "command", "connection", "loader", "flash", "targets", "image"));

    @Test
    void eachPackageUsesOnlyTheLayersBelowIt() throws IOException {
        List<String> violations = new ArrayList<>();
        Set<String> packages = new TreeSet<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                Path dir = MAIN.relativize(file).getParent();
                String own = dir == null ? ROOT : dir.toString().replace('/', '.');
                packages.add(own);
                Set<String> allowed = MAY_USE.get(own);
                if (allowed == null) {
                    violations.add(file + ": package " + own + " is not a known layer (add it to MAY_USE and docs/flasher.md)");
                    continue;
                }
                Matcher m = REFERENCE.matcher(Files.readString(file));
                Set<String> used = new TreeSet<>();
                while (m.find()) {
                    String target = m.group(1).endsWith(".") ? m.group(1).substring(0, m.group(1).length() - 1) : ROOT;
                    if (!target.equals(own) && !allowed.contains(target)) {
                        used.add(target);
                    }
                }
                if (!used.isEmpty()) {
                    violations.add(MAIN.relativize(file) + " uses " + used + "; package " + own + " may use " + new TreeSet<>(allowed));
                }
            }
        }
        assertTrue(violations.isEmpty(), String.join("\n", violations));
        assertEquals(new TreeSet<>(MAY_USE.keySet()), packages, "every layer has classes, every package is a layer");
    }
}
