package dev.espfleet.common;

import java.util.List;
import java.util.Optional;

/**
 * The one exception that deep code throws for a failure the user can act on. The CLI prints
 * {@code error: <message>} (and {@code hint: <hint>}) and exits with {@link #status()}; a stack trace is
 * shown only with {@code --debug}. Messages are one line and name the file, field and expected value.
 */
public class EspfleetException extends RuntimeException {
    private final ExitStatus status;
    private final String hint;

    public EspfleetException(ExitStatus status, String message) {
        this(status, message, null, null);
    }

    public EspfleetException(ExitStatus status, String message, String hint) {
        this(status, message, hint, null);
    }

    public EspfleetException(ExitStatus status, String message, String hint, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.hint = hint;
    }

    public static EspfleetException badInput(String message) {
        return new EspfleetException(ExitStatus.BAD_INPUT, message);
    }

    /**
     * Lines printed as they are before the {@code error:} line, for reports of several located problems
     * ({@code file:line:col: path: message}, as compilers print them). Empty for most errors.
     */
    public List<String> details() {
        return List.of();
    }

    public ExitStatus status() {
        return status;
    }

    public Optional<String> hint() {
        return Optional.ofNullable(hint);
    }
}
