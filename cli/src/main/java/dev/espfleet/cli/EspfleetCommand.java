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
     * A subcommand: its name (the one its {@code @Command} gives, which CommandTreeTest checks), its class,
     * and, for a group such as {@code nvs}, its own subcommands. The names are here so that {@link Main}
     * can pick a command without loading and reflecting over the others.
     */
    record Sub(String name, Class<?> type, List<Sub> subcommands) {
        static Sub of(String name, Class<?> type, Sub... subcommands) {
            return new Sub(name, type, List.of(subcommands));
        }
    }

    /**
     * The subcommands, in the order the usage help lists them. {@link Main} builds only the one a run names,
     * down to the group's subcommand (picocli reflects over every option of every command it is given, which
     * costs more than most commands' own work), and all of them for the usage help and for suggestions
     * after a mistyped name.
     */
    static final List<Sub> SUBCOMMANDS = List.of(
            Sub.of("demo", DemoCommand.class),
            Sub.of("validate", ValidateCommand.class),
            Sub.of("generate", GenerateCommand.class),
            Sub.of("build", BuildCommand.class),
            Sub.of("run-host", RunHostCommand.class),
            Sub.of("jobs", JobsCommand.class,
                    Sub.of("ota", JobsCommand.Ota.class),
                    Sub.of("rotate", JobsCommand.Rotate.class)),
            Sub.of("ca", CaCommand.class,
                    Sub.of("init", CaCommand.Init.class)),
            Sub.of("provision", ProvisionCommand.class),
            Sub.of("nvs", NvsCommand.class,
                    Sub.of("generate", NvsGenerateCommand.class),
                    Sub.of("encrypt", NvsEncryptCommand.class),
                    Sub.of("dump", NvsDumpCommand.class),
                    Sub.of("decrypt", NvsDecryptCommand.class),
                    Sub.of("keygen", NvsKeygenCommand.class),
                    Sub.of("mfg", NvsMfgCommand.class),
                    Sub.of("bench", NvsBenchCommand.class)),
            Sub.of("partitions", PartitionsCommand.class),
            Sub.of("chip-info", ChipInfoCommand.class),
            Sub.of("write-flash", WriteFlashCommand.class),
            Sub.of("flash", FlashCommand.class),
            Sub.of("read-flash", ReadFlashCommand.class),
            Sub.of("erase-region", EraseRegionCommand.class),
            Sub.of("verify", VerifyCommand.class),
            Sub.of("monitor", MonitorCommand.class),
            Sub.of("sim", SimCommand.class),
            Sub.of("bench", BenchCommand.class),
            Sub.of("ledger", LedgerCommand.class,
                    Sub.of("list", LedgerCommand.ListCommand.class),
                    Sub.of("export", LedgerCommand.ExportCommand.class)),
            Sub.of("aws", AwsCommand.class,
                    Sub.of("setup", AwsCommand.Setup.class),
                    Sub.of("sync", AwsCommand.Sync.class)),
            Sub.of("provision-bench", ProvisionBenchCommand.class),
            Sub.of("flash-bench", FlashBenchCommand.class),
            Sub.of("bench-perf", BenchPerfCommand.class),
            Sub.of("generate-completion", AutoComplete.GenerateCompletion.class));

    @Spec
    CommandSpec spec;

    @picocli.CommandLine.Mixin
    DebugOption debug;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "a command is required");
    }
}
