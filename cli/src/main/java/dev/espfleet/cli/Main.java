package dev.espfleet.cli;

import java.util.ArrayList;
import java.util.List;
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
        return newCommandLine(args).execute(args);
    }

    /** The whole command tree. */
    public static CommandLine newCommandLine() {
        return newCommandLine(new String[0]);
    }

    /**
     * The command tree {@code args} need: the top-level command with only the subcommand the first
     * non-option argument names (and of a group such as {@code nvs}, only the subcommand the next one
     * names), none for a bare {@code --version}, and every subcommand at a level where none is named, the
     * name is unknown or a help option comes before it (usage help, a missing or mistyped command, which the
     * error suggests a name for); the whole tree for {@code generate-completion}, whose script lists it.
     */
    static CommandLine newCommandLine(String[] args) {
        CommandLine cli = new CommandLine(new EspfleetCommand());
        List<String> words = new ArrayList<>(2);
        boolean versionOnly = args.length > 0;
        for (String a : args) {
            if (!a.startsWith("-")) {
                words.add(a);
                if (words.size() == 2) {
                    break;
                }
            } else if (a.equals("-h") || a.equals("--help")) {
                versionOnly = false;
                break; // the help of this level lists all of its commands
            } else if (words.isEmpty()) {
                versionOnly &= a.equals("-V") || a.equals("--version") || a.equals("--debug");
            }
        }
        versionOnly &= words.isEmpty();
        if (!words.isEmpty() && words.get(0).equals("generate-completion")) {
            words.clear();
        }
        if (!versionOnly) {
            addSubcommands(cli, EspfleetCommand.SUBCOMMANDS, words, 0);
        }
        return configure(cli);
    }

    /** Adds the subcommand {@code words[level]} names, with its own named one; all if it names none. */
    private static void addSubcommands(CommandLine parent, List<EspfleetCommand.Sub> subs, List<String> words, int level) {
        String word = level < words.size() ? words.get(level) : null;
        EspfleetCommand.Sub named = null;
        for (EspfleetCommand.Sub sub : subs) {
            if (sub.name().equals(word)) {
                named = sub;
            }
        }
        for (EspfleetCommand.Sub sub : named == null ? subs : List.of(named)) {
            CommandLine child = new CommandLine(sub.type());
            if (!sub.subcommands().isEmpty()) {
                addSubcommands(child, sub.subcommands(), named == null ? List.of() : words, level + 1);
            }
            parent.addSubcommand(sub.name(), child);
        }
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
