package dev.espfleet.cli;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.common.Suggestions;
import java.io.PrintWriter;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * The one place errors reach the user: {@code error: <one line>} and optionally {@code hint: <one line>}
 * on stderr, the stack trace only with {@code --debug}, and the exit code from {@link ExitStatus}.
 */
final class ErrorReporter implements IExecutionExceptionHandler, IParameterExceptionHandler {

    @Override
    public int handleParseException(ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        PrintWriter err = cmd.getErr();
        String name = cmd.getCommandSpec().qualifiedName();
        String message = ex.getMessage();
        String hint = "see '" + name + " --help'";
        if (ex instanceof UnmatchedArgumentException u && u.getUnmatched().size() >= 1) {
            String first = u.getUnmatched().get(0);
            String parent = name.contains(" ") ? name.substring(name.indexOf(' ') + 1) + " " : "";
            if (!cmd.getSubcommands().isEmpty() && !first.startsWith("-")) {
                message = "unknown command '" + parent + first + "'";
                Optional<String> similar = Suggestions.closest(first, cmd.getSubcommands().keySet());
                if (similar.isPresent()) {
                    hint = "did you mean '" + parent + similar.get() + "'?";
                }
            } else if (u.isUnknownOption()) {
                String option = first.contains("=") ? first.substring(0, first.indexOf('=')) : first;
                message = "unknown option '" + option + "'";
                Optional<String> similar = Suggestions.closest(option, cmd.getCommandSpec().optionsMap().keySet());
                if (similar.isPresent()) {
                    hint = "did you mean '" + similar.get() + "'?";
                }
            }
        }
        err.println("error: " + oneLine(message));
        err.println("hint: " + hint);
        if (DebugOption.enabled(cmd)) {
            ex.printStackTrace(err);
        }
        err.flush();
        return ExitStatus.BAD_INPUT.code();
    }

    @Override
    public int handleExecutionException(Exception ex, CommandLine cmd, ParseResult parseResult) {
        PrintWriter err = cmd.getErr();
        int code;
        if (ex instanceof EspfleetException e) {
            e.details().forEach(err::println);
            err.println("error: " + oneLine(e.getMessage()));
            e.hint().ifPresent(h -> err.println("hint: " + oneLine(h)));
            code = e.status().code();
        } else {
            err.println("error: internal error: " + oneLine(String.valueOf(ex)));
            if (!DebugOption.enabled(cmd)) {
                err.println("hint: rerun with --debug to see where it happened, and report it");
            }
            code = ExitStatus.INTERNAL.code();
        }
        if (DebugOption.enabled(cmd)) {
            ex.printStackTrace(err);
        }
        err.flush();
        return code;
    }

    /**
     * A JVM error that escaped a command (picocli hands only exceptions to the handler above). Input
     * limits should keep these from happening; if one does, it is still one line and exit 4.
     */
    int handleJvmError(VirtualMachineError e, CommandLine cmd) {
        PrintWriter err = cmd.getErr();
        if (e instanceof StackOverflowError) {
            err.println("error: internal error: stack overflow (an input nested too deeply?)");
        } else if (e instanceof OutOfMemoryError) {
            err.println("error: internal error: out of memory (" + oneLine(String.valueOf(e.getMessage())) + ")");
        } else {
            err.println("error: internal error: " + oneLine(String.valueOf(e)));
        }
        boolean debug = DebugOption.enabled(cmd);
        err.println(debug ? "hint: report it with the stack trace below"
                : "hint: check that the input files are the ones meant; rerun with --debug to see where it happened");
        if (debug) {
            StackTraceElement[] trace = e.getStackTrace();
            err.println(e);
            for (int i = 0; i < Math.min(trace.length, 50); i++) {
                err.println("\tat " + trace[i]);
            }
        }
        err.flush();
        return ExitStatus.INTERNAL.code();
    }

    /** Error messages are one line; a stray line break (from a library's message) is folded. */
    private static String oneLine(String message) {
        return message == null ? "(no message)" : message.strip().replaceAll("\\s*\\R\\s*", " ");
    }
}
