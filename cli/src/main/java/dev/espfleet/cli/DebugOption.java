package dev.espfleet.cli;

import picocli.CommandLine;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * {@code --debug}: show stack traces for errors. A mixin of the top-level command, inherited by every
 * subcommand; {@link ErrorReporter} reads it from the command line that ran.
 */
public final class DebugOption {
    @Option(names = "--debug", scope = ScopeType.INHERIT,
            description = "Show the stack trace of an error (for bug reports).")
    boolean enabled;

    /** Whether {@code --debug} was given to the run {@code cmd} belongs to (the top-level command or any below). */
    static boolean enabled(CommandLine cmd) {
        CommandLine root = cmd;
        while (root.getParent() != null) {
            root = root.getParent();
        }
        return root.getCommand() instanceof EspfleetCommand top && top.debug != null && top.debug.enabled;
    }
}
