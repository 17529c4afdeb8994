package dev.espfleet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What README's commands leave in the work tree, and what the launcher prints on its first run. */
class RepositoryHygieneTest {
    static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

    @Test
    void keysLedgersAndAuditLogsThatReadmeCommandsWriteAreIgnoredByGit() throws Exception {
        assumeTrue(Files.exists(ROOT.resolve(".git")), "not a git work tree");
        List<String> written = List.of("ca/ca.key.pem", "ca/ca.pem", "ca-2026/ca.key.pem", "units/sensor-0001/key.pem",
                "units/sensor-0001/identity.bin", "units/ledger.db", "units/ledger.db-wal", "units/audit.jsonl",
                "ledger.db", "audit.jsonl");
        for (String path : written) {
            Process git = new ProcessBuilder("git", "-C", ROOT.toString(), "check-ignore", "-q", "--no-index", path)
                    .redirectErrorStream(true).start();
            String output = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, git.waitFor(), path + " is not ignored by .gitignore " + output);
        }
    }

    /**
     * The launcher's Maven call, against a stand-in for Debian's Maven 3.8.7 as it was seen to behave:
     * with -q -B it prints nothing but jansi's reset sequence (ESC [ 0 m) on stdout and stderr at exit,
     * unless the JVM has -Djansi.noreset=true.
     */
    @Test
    void firstRunOfTheLauncherPrintsNoColourCodes(@TempDir Path tmp) throws Exception {
        Path root = tmp.resolve("espfleet");
        Files.createDirectories(root);
        Files.copy(ROOT.resolve("espfleet"), root.resolve("espfleet"), StandardCopyOption.COPY_ATTRIBUTES);
        Files.writeString(root.resolve("pom.xml"), "<project/>\n");
        Path bin = tmp.resolve("bin");
        Files.createDirectories(bin);
        executable(bin.resolve("mvn"), """
                #!/bin/sh
                case " $MAVEN_OPTS " in *" -Djansi.noreset=true "*) ;; *) printf '\\033[0m'; printf '\\033[0m' >&2 ;; esac
                mkdir -p cli/target && : > cli/target/espfleet.jar
                """);
        executable(bin.resolve("java"), "#!/bin/sh\necho \"espfleet 0.1.0\"\n");
        ProcessBuilder launcher = new ProcessBuilder(root.resolve("espfleet").toString(), "--version")
                .redirectErrorStream(true);
        launcher.environment().put("PATH", bin + ":" + System.getenv("PATH"));
        launcher.environment().remove("MAVEN_OPTS");
        Process p = launcher.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), output);
        assertFalse(output.contains("\033"), "escape codes in the launcher's output: " + output.replace("\033", "ESC"));
        assertEquals("espfleet: building " + root.resolve("cli/target/espfleet.jar") + " (mvn package)...\n"
                + "espfleet 0.1.0\n", output);
    }

    private static void executable(Path file, String text) throws Exception {
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
