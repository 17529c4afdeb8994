package dev.espfleet.cli;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * What every command is (jbang's BaseCommand as model): it parses its options, calls a service and prints what
 * comes back. Errors are not handled here: a service throws {@code EspfleetException} with its exit status and
 * {@link ErrorReporter} prints it; whatever was printed is flushed either way.
 */
@Command
abstract class BaseCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    PrintWriter out() {
        return spec.commandLine().getOut();
    }

    PrintWriter err() {
        return spec.commandLine().getErr();
    }

    @Override
    public final Integer call() throws Exception {
        try {
            return doCall();
        } finally {
            out().flush();
            err().flush();
        }
    }

    /** The command's work; returns the exit status (0), or throws. */
    abstract int doCall() throws Exception;
}
