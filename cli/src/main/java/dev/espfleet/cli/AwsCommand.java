package dev.espfleet.cli;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.services.AwsService;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code espfleet aws}: the fleet on AWS IoT Core.
 * Its subcommands are listed in {@link EspfleetCommand#SUBCOMMANDS}, which builds only the one a run names.
 */
@Command(name = "aws", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
        description = "The fleet on AWS IoT Core: set it up, register what the bench left pending.",
        synopsisSubcommandLabel = "COMMAND")
final class AwsCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "a subcommand is required: setup or sync");
    }

    @Command(name = "setup", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
            description = {"Create or converge the fleet's IoT policy, status rule and its IAM role, and with --ca",
                "register the local CA (with --jitp: just-in-time provisioning). Changes only what differs."})
    static final class Setup extends BaseCommand {
        @Option(names = "--config", required = true, paramLabel = "FILE", description = "Device config (YAML).")
        Path config;

        @Option(names = "--ca", paramLabel = "DIR", description = "Register this local CA (RegisterCACertificate); "
                + "its key signs the verification certificate.")
        Path ca;

        @Option(names = "--jitp", description = "With --ca: turn on just-in-time provisioning with the fleet's template "
                + "and a role AWS IoT assumes to provision.")
        boolean jitp;

        @Mixin
        AwsOptionsMixin aws;

        @Override
        int doCall() {
            List<String> lines = new AwsService().setup(config, aws.options(), Optional.ofNullable(ca), jitp);
            out().println(lines.get(0));
            lines.subList(1, lines.size()).forEach(l -> out().println("  " + l));
            return 0;
        }
    }

    @Command(name = "sync", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
            description = {"Register every unit the ledger holds as flashed but registration pending",
                "(the line was offline); exit 1 while any stays pending."})
    static final class Sync extends BaseCommand {
        @Option(names = "--config", required = true, paramLabel = "FILE", description = "Device config (YAML).")
        Path config;

        @Option(names = "--ca", required = true, paramLabel = "DIR",
                description = "The CA that issued the units' certificates (only its ca.pem is read).")
        Path ca;

        @Option(names = "--units", defaultValue = "units", paramLabel = "DIR",
                description = "Folder of the unit folders (default: ${DEFAULT-VALUE}).")
        Path units;

        @Option(names = "--ledger", paramLabel = "URL",
                description = "jdbc:sqlite:FILE (default: <units>/ledger.db) or jdbc:postgresql://HOST/DB.")
        String ledger;

        @Mixin
        AwsOptionsMixin aws;

        @Override
        int doCall() {
            AwsService.SyncResult result = new AwsService().sync(config, ca, units, Optional.ofNullable(ledger),
                    aws.options(), line -> {
                        out().println(line);
                        out().flush();
                    });
            out().printf("%d registered, %d still pending%n", result.registered(), result.stillPending().size());
            if (!result.stillPending().isEmpty()) {
                throw new EspfleetException(ExitStatus.JOB_FAILED, result.stillPending().size()
                        + " unit(s) still pending: " + String.join(", ", result.stillPending()),
                        "the reasons are above (and in 'espfleet ledger list'); run 'espfleet aws sync' again later");
            }
            return 0;
        }
    }
}
