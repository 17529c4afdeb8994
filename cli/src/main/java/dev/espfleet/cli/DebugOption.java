package dev.espfleet.cli;

import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** {@code --debug}: show stack traces for errors. Inherited by every subcommand. */
public final class DebugOption {
    private static volatile boolean enabled;

    @Option(names = "--debug", scope = ScopeType.INHERIT,
            description = "Show the stack trace of an error (for bug reports).")
    void setDebug(boolean value) {
        enabled = value;
    }

    public static boolean enabled() {
        return enabled;
    }

    static void reset() {
        enabled = false;
    }
}
