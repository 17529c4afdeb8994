package dev.espfleet.cli;

import java.util.List;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** The top-level {@code espfleet} command; does nothing itself but list its subcommands. */
@Command(name = "espfleet",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "From a device config to provisioned ESP32s on AWS IoT Core.",
        synopsisSubcommandLabel = "COMMAND",
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:ok",
            "1:the job failed (build failed, verify mismatch, device not flashed)",
            "2:bad input or usage (config, CSV, arguments); nothing was written",
            "3:a device, tool or database is unavailable (serial port, idf.py, the ledger)",
            "4:internal error in espfleet (rerun with --debug and report it)"})
public final class EspfleetCommand implements Runnable {
    /**
     * The subcommands, in the order the usage help lists them. {@link Main} builds only the one a run names
     * (picocli reflects over every option of every command it is given, which costs more than most commands'
     * own work), and all of them for the usage help and for suggestions after a mistyped name.
     */
    static final List<Class<?>> SUBCOMMANDS = List.of(
            DemoCommand.class,
            ValidateCommand.class,
            GenerateCommand.class,
            BuildCommand.class,
            RunHostCommand.class,
            JobsCommand.class,
            CaCommand.class,
            ProvisionCommand.class,
            NvsCommand.class,
            PartitionsCommand.class,
            ChipInfoCommand.class,
            WriteFlashCommand.class,
            FlashCommand.class,
            ReadFlashCommand.class,
            EraseRegionCommand.class,
            VerifyCommand.class,
            MonitorCommand.class,
            SimCommand.class,
            BenchCommand.class,
            LedgerCommand.class,
            AwsCommand.class,
            ProvisionBenchCommand.class,
            FlashBenchCommand.class,
            BenchPerfCommand.class,
            AutoComplete.GenerateCompletion.class);

    @Spec
    CommandSpec spec;

    @picocli.CommandLine.Mixin
    DebugOption debug;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "a command is required");
    }
}
