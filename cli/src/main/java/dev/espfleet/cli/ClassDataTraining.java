package dev.espfleet.cli;

import dev.espfleet.nvs.NvsEntry;
import dev.espfleet.nvs.NvsPartitionWriter;
import dev.espfleet.nvs.NvsVersion;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import picocli.CommandLine;

/**
 * The training run of the class-data sharing archive that {@code ./espfleet} makes beside the jar after
 * each build ({@code java -XX:ArchiveClassesAtExit=espfleet.jsa -cp espfleet.jar ...ClassDataTraining CONFIG}):
 * it runs the commands a developer repeats all day in-process, their output discarded, so that the archive
 * holds the classes they load, already parsed and verified. Not a user command; it writes only in a
 * temporary folder, which it removes.
 */
public final class ClassDataTraining {
    private ClassDataTraining() {
    }

    /** {@code args[0]}, if given: a device config for {@code validate}. */
    public static void main(String[] args) throws IOException {
        Path dir = Files.createTempDirectory("espfleet-cds");
        try {
            Path image = dir.resolve("small.bin");
            Files.write(image, NvsPartitionWriter.write(List.of(NvsEntry.namespace("aws"),
                    NvsEntry.string("aws", "thing_name", "thing-1")), 0x3000, NvsVersion.V2));
            Files.writeString(dir.resolve("config.csv"), "aws,namespace,\nthing_name,data,string\ncert,file,string\n");
            Files.writeString(dir.resolve("cert.pem"), "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
            Files.writeString(dir.resolve("values.csv"), "thing_name,cert\nthing-1,cert.pem\nthing-2,cert.pem\n");
            run("--version");
            run("--help");
            run("nvs", "dump", image.toString());
            run("nvs", "mfg", dir.resolve("config.csv").toString(), dir.resolve("values.csv").toString(), "dev", "0x3000",
                    "--fileid", "thing_name", "--outdir", dir.resolve("out").toString());
            run("partitions", "--help");
            if (args.length > 0) {
                run("validate", args[0]);
            }
        } finally {
            try (Stream<Path> files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static void run(String... args) {
        CommandLine cli = Main.newCommandLine(args);
        cli.setOut(new PrintWriter(Writer.nullWriter()));
        cli.setErr(new PrintWriter(Writer.nullWriter()));
        cli.execute(args);
    }
}
