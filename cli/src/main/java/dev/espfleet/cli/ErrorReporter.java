package dev.espfleet.cli;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/**
 * The one place errors reach the user: {@code error: <one line>} and optionally {@code hint: <one line>}
 * on stderr, the stack trace only with {@code --debug}, and the exit code from {@link ExitStatus}.
 */
final class ErrorReporter implements IExecutionExceptionHandler, IParameterExceptionHandler {

    @Override
    public int handleParseException(ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        PrintWriter err = cmd.getErr();
        err.println("error: " + oneLine(ex.getMessage()));
        String name = cmd.getCommandSpec().qualifiedName();
        err.println("hint: see '" + name + " --help'");
        if (DebugOption.enabled()) {
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
            if (!DebugOption.enabled()) {
                err.println("hint: rerun with --debug to see where it happened, and report it");
            }
            code = ExitStatus.INTERNAL.code();
        }
        if (DebugOption.enabled()) {
            ex.printStackTrace(err);
        }
        err.flush();
        return code;
    }

    /** Error messages are one line; a stray line break (from a library's message) is folded. */
    private static String oneLine(String message) {
        return message == null ? "(no message)" : message.strip().replaceAll("\\s*\\R\\s*", " ");
    }
}
