package dev.espfleet.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code espfleet nvs}: NVS partition images, with the argument habits of Espressif's tools.
 * Its subcommands are listed in {@link EspfleetCommand#SUBCOMMANDS}, which builds only the one a run names.
 */
@Command(name = "nvs",
        description = "NVS partition images (compatible with ESP-IDF's nvs_partition_gen.py and mfg_gen.py).",
        synopsisSubcommandLabel = "COMMAND")
public final class NvsCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Option(names = {"-h", "--help"}, usageHelp = true, description = "Show this help.")
    boolean help;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "a command is required: generate, encrypt, dump, decrypt,"
                + " keygen, mfg or bench");
    }
}
