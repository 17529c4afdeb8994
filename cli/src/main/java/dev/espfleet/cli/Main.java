package dev.espfleet.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code espfleet} fat jar. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns its exit code; tests call this instead of {@link #main}. */
    public static int run(String... args) {
        return newCommandLine(args).execute(args);
    }

    /** The whole command tree. */
    public static CommandLine newCommandLine() {
        return newCommandLine(new String[0]);
    }

    /**
     * The command tree {@code args} need: the top-level command with only the subcommand the first
     * non-option argument names, none for a bare {@code --version}, and every subcommand otherwise (usage
     * help, a missing or mistyped command, which the error suggests a name for).
     */
    static CommandLine newCommandLine(String[] args) {
        CommandLine cli = new CommandLine(new EspfleetCommand());
        String word = null;
        boolean versionOnly = args.length > 0;
        for (String a : args) {
            if (!a.startsWith("-")) {
                word = a;
                break;
            }
            versionOnly &= a.equals("-V") || a.equals("--version") || a.equals("--debug");
        }
        for (Class<?> c : EspfleetCommand.SUBCOMMANDS) {
            if (word == null ? !versionOnly : c.getAnnotation(Command.class).name().equals(word)) {
                cli.addSubcommand(c);
            }
        }
        if (word != null && cli.getSubcommands().isEmpty()) {
            EspfleetCommand.SUBCOMMANDS.forEach(cli::addSubcommand);
        }
        return configure(cli);
    }

    /** The error handling every run gets: one {@code error:} line, the exit code of {@code ExitStatus}. */
    static CommandLine configure(CommandLine cli) {
        ErrorReporter reporter = new ErrorReporter();
        cli.setExecutionExceptionHandler(reporter);
        cli.setParameterExceptionHandler(reporter);
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        CommandLine.IExecutionStrategy runLast = new CommandLine.RunLast();
        cli.setExecutionStrategy(parseResult -> {
            try {
                return runLast.execute(parseResult);
            } catch (StackOverflowError | OutOfMemoryError e) {
                CommandLine last = parseResult.asCommandLineList().get(parseResult.asCommandLineList().size() - 1);
                return reporter.handleJvmError(e, last);
            }
        });
        return cli;
    }
}
