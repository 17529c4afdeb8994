package dev.espfleet.cli;

import picocli.CommandLine;

/** Entry point of the {@code espfleet} fat jar. */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the CLI and returns its exit code; tests call this instead of {@link #main}. */
    public static int run(String... args) {
        return newCommandLine().execute(args);
    }

    public static CommandLine newCommandLine() {
        return configure(new CommandLine(new EspfleetCommand()));
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
