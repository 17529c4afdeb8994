package dev.espfleet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.nvs.NvsEntry;
import dev.espfleet.nvs.NvsPartitionWriter;
import dev.espfleet.nvs.NvsVersion;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The commands a developer runs many times a day start without the libraries they do not use: each is run
 * in a JVM of its own (class loading is per process) with the JVM's class-loading log, which must name no
 * class of FreeMarker, Bouncy Castle, the AWS SDK or a JDBC driver. The start-up figures are in
 * docs/PERFORMANCE.md; this test only names what is loaded, it times nothing.
 */
class StartupClassLoadingTest {
    /**
     * JDBC here means the drivers: picocli itself looks up the JDK's {@code java.sql} types by name for its
     * built-in converters, a few classes from the JDK's archive.
     */
    private static final List<String> HEAVY = List.of("freemarker.", "org.bouncycastle.", "software.amazon.", "org.sqlite.",
            "org.postgresql.");

    @TempDir
    Path tmp;

    @Test
    void quickCommandsLoadNoTemplateCryptoOrDatabaseClasses() throws Exception {
        Path image = tmp.resolve("small.bin");
        Files.write(image, NvsPartitionWriter.write(List.of(NvsEntry.namespace("app"), NvsEntry.string("app", "k", "v")),
                0x3000, NvsVersion.V2));
        Path config = Path.of("..", "examples", "env-sensor.yaml");
        assertTrue(Files.isRegularFile(config), config.toAbsolutePath().toString());
        for (List<String> command : List.of(List.of("--version"), List.of("validate", config.toString()),
                List.of("nvs", "dump", image.toString()))) {
            List<String> loaded = loadedClasses(command);
            assertTrue(loaded.contains("dev.espfleet.cli.Main"), command + " ran: " + loaded.size() + " classes");
            List<String> heavy = loaded.stream().filter(c -> HEAVY.stream().anyMatch(c::startsWith)).toList();
            assertEquals(List.of(), heavy.subList(0, Math.min(5, heavy.size())), command + " loaded " + heavy.size()
                    + " classes of libraries it does not need");
        }
    }

    @Test
    void aRunBuildsOnlyTheCommandItNames() {
        picocli.CommandLine dump = Main.newCommandLine(new String[] {"--debug", "nvs", "dump", "x.bin"});
        assertEquals(Set.of("nvs"), dump.getSubcommands().keySet());
        assertEquals(Set.of("dump"), dump.getSubcommands().get("nvs").getSubcommands().keySet());
        assertEquals(7, Main.newCommandLine(new String[] {"nvs", "--help"}).getSubcommands().get("nvs")
                .getSubcommands().size(), "a group's usage help lists all its commands");
        assertEquals(7, Main.newCommandLine(new String[] {"nvs", "dumb"}).getSubcommands().get("nvs")
                .getSubcommands().size(), "a mistyped command gets suggestions from all");
        assertEquals(7, Main.newCommandLine(new String[] {"nvs", "-h", "mfg"}).getSubcommands().get("nvs")
                .getSubcommands().size(), "a help option before the name lists all");
        assertEquals(EspfleetCommand.SUBCOMMANDS.size(), Main.newCommandLine(new String[] {"--help", "nvs"})
                .getSubcommands().size());
        picocli.CommandLine completion = Main.newCommandLine(new String[] {"generate-completion"});
        assertEquals(EspfleetCommand.SUBCOMMANDS.size(), completion.getSubcommands().size(),
                "the completion script lists every command");
        assertEquals(7, completion.getSubcommands().get("nvs").getSubcommands().size());
        assertEquals(Set.of(), Main.newCommandLine(new String[] {"--version"}).getSubcommands().keySet());
        assertEquals(EspfleetCommand.SUBCOMMANDS.size(), Main.newCommandLine(new String[] {"--help"})
                .getSubcommands().size());
        assertEquals(EspfleetCommand.SUBCOMMANDS.size(), Main.newCommandLine(new String[] {"nvz"})
                .getSubcommands().size());
    }

    private List<String> loadedClasses(List<String> args) throws IOException, InterruptedException {
        Path log = tmp.resolve("classes.log");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xshare:off", "-Xlog:class+load=info:file=" + log, "-cp", System.getProperty("java.class.path"),
                Main.class.getName()));
        command.addAll(args);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(tmp.resolve("out.txt").toFile())
                .start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), args + " did not finish within 60 s");
        assertEquals(0, p.exitValue(), args + ": " + Files.readString(tmp.resolve("out.txt")));
        List<String> classes = new ArrayList<>();
        for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
            // "[0.010s][info][class,load] java.lang.Object source: shared objects file"
            int at = line.indexOf("] ", line.indexOf("[class,load]"));
            if (at > 0) {
                String rest = line.substring(at + 2);
                classes.add(rest.substring(0, rest.indexOf(' ') < 0 ? rest.length() : rest.indexOf(' ')));
            }
        }
        return classes;
    }
}
