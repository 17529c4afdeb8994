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
        DebugOption.reset();
        CommandLine cli = new CommandLine(new EspfleetCommand());
        ErrorReporter reporter = new ErrorReporter();
        cli.setExecutionExceptionHandler(reporter);
        cli.setParameterExceptionHandler(reporter);
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        return cli;
    }
}
