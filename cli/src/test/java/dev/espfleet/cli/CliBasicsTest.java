package dev.espfleet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliBasicsTest {
    @Test
    void helpListsCommandsAndExitCodes() {
        CliRun run = CliRun.of("--help");
        assertEquals(0, run.exitCode());
        for (String word : new String[] {"validate", "generate", "build", "generate-completion", "Exit codes"}) {
            assertTrue(run.out().contains(word), word + " missing from --help:\n" + run.out());
        }
    }

    @Test
    void versionNamesTheTool() {
        CliRun run = CliRun.of("--version");
        assertEquals(0, run.exitCode());
        assertTrue(run.out().startsWith("espfleet "), run.out());
    }

    @Test
    void unknownOptionIsUsageErrorWithHint() {
        CliRun run = CliRun.of("generate", "--frobnicate");
        assertEquals(2, run.exitCode());
        assertTrue(run.err().startsWith("error: "), run.err());
        assertTrue(run.err().contains("hint: see 'espfleet generate --help'"), run.err());
    }

    @Test
    void misspeltCommandGetsADidYouMean() {
        CliRun run = CliRun.of("benhc");
        assertEquals(2, run.exitCode());
        assertEquals("error: unknown command 'benhc'\nhint: did you mean 'bench'?\n", run.err());
    }

    @Test
    void misspeltSubcommandGetsADidYouMean() {
        CliRun run = CliRun.of("nvs", "dupm", "x.bin");
        assertEquals(2, run.exitCode());
        assertEquals("error: unknown command 'nvs dupm'\nhint: did you mean 'nvs dump'?\n", run.err());
    }

    @Test
    void misspeltOptionGetsADidYouMean() {
        CliRun run = CliRun.of("nvs", "dump", "--jsno", "x.bin");
        assertEquals(2, run.exitCode());
        assertEquals("error: unknown option '--jsno'\nhint: did you mean '--json'?\n", run.err());
    }

    @Test
    void unknownCommandWithNothingLikeItPointsAtHelp() {
        CliRun run = CliRun.of("zzzzzzzz");
        assertEquals(2, run.exitCode());
        assertEquals("error: unknown command 'zzzzzzzz'\nhint: see 'espfleet --help'\n", run.err());
    }

    @Test
    void missingConfigFileIsOneLineBadInput(@TempDir Path tmp) {
        CliRun run = CliRun.of("validate", tmp.resolve("nope.yaml").toString());
        assertEquals(2, run.exitCode());
        assertEquals("error: " + tmp.resolve("nope.yaml") + ": no such device config file\n",
                run.err());
    }

    @Test
    void debugAddsTheStackTrace(@TempDir Path tmp) {
        CliRun run = CliRun.of("--debug", "validate", tmp.resolve("nope.yaml").toString());
        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("at dev.espfleet."), "stack trace expected with --debug:\n" + run.err());
        assertFalse(CliRun.of("validate", tmp.resolve("nope.yaml").toString()).err().contains("at dev.espfleet."));
    }

    @Test
    void debugAfterTheCommandAddsTheStackTraceToo(@TempDir Path tmp) {
        CliRun run = CliRun.of("validate", "--debug", tmp.resolve("nope.yaml").toString());
        assertEquals(2, run.exitCode());
        assertTrue(run.err().contains("at dev.espfleet."), "stack trace expected with --debug:\n" + run.err());
    }

    /** --debug belongs to the run it was given to (an instance option, not a static one two runs would share). */
    @Test
    void debugOfOneRunIsNotAnotherRunsDebug(@TempDir Path tmp) {
        picocli.CommandLine withDebug = Main.newCommandLine();
        picocli.CommandLine without = Main.newCommandLine();
        java.io.StringWriter first = new java.io.StringWriter();
        java.io.StringWriter second = new java.io.StringWriter();
        withDebug.setErr(new java.io.PrintWriter(first));
        without.setErr(new java.io.PrintWriter(second));
        assertEquals(2, withDebug.execute("--debug", "validate", tmp.resolve("nope.yaml").toString()));
        assertEquals(2, without.execute("validate", tmp.resolve("nope.yaml").toString()));
        assertTrue(first.toString().contains("at dev.espfleet."), first.toString());
        assertEquals("error: " + tmp.resolve("nope.yaml") + ": no such device config file\n", second.toString());
    }

    @Test
    void completionScriptIsGenerated() {
        CliRun run = CliRun.of("generate-completion");
        assertEquals(0, run.exitCode());
        assertTrue(run.out().contains("complete -F"), "a bash completion script");
        // every command and a group's own commands, as a user types them
        assertTrue(run.out().contains("nvs") && run.out().contains("mfg") && run.out().contains("write-flash"),
                "the script completes every command");
    }

    @Test
    void validateAcceptsEveryExample() throws IOException {
        try (var s = Files.list(Path.of("..", "examples"))) {
            for (Path example : s.filter(p -> p.toString().endsWith(".yaml")).toList()) {
                CliRun run = CliRun.of("validate", example.toString());
                assertEquals(0, run.exitCode(), run.err());
                assertTrue(run.out().contains(": ok"), run.out());
            }
        }
    }

    @Test
    void generateWritesTheProjectAndRefusesAForeignDirectory(@TempDir Path tmp) throws IOException {
        Path out = tmp.resolve("env-sensor");
        CliRun run = CliRun.of("generate", "../examples/env-sensor.yaml", "-o", out.toString());
        assertEquals(0, run.exitCode(), run.err());
        assertTrue(Files.isRegularFile(out.resolve("main/aws_mqtt.c")));
        assertTrue(Files.isRegularFile(out.resolve("aws/policy.json")));
        assertTrue(run.out().startsWith("Generated env-sensor 1.2.3 for esp32 in "), run.out());

        Path foreign = tmp.resolve("foreign");
        Files.createDirectories(foreign);
        Files.writeString(foreign.resolve("notes.txt"), "mine");
        CliRun refused = CliRun.of("generate", "../examples/env-sensor.yaml", "-o", foreign.toString());
        assertEquals(2, refused.exitCode());
        assertTrue(refused.err().startsWith("error: " + foreign + " is not empty and was not generated by espfleet"),
                refused.err());
        assertEquals(1, Files.list(foreign).count());
    }
}
