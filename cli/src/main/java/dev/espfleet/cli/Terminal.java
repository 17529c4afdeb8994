package dev.espfleet.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Whether stderr is a terminal, where a progress bar may be redrawn in place. */
final class Terminal {
    private Terminal() {
    }

    /**
     * On Linux, what file descriptor 2 points at ({@code /dev/pts/N}, {@code /dev/ttyN}: a terminal; a pipe or a
     * file: not). Elsewhere, whether the JVM has a console (stdin and stdout are a terminal). {@code TERM=dumb}
     * (editors' shells) never counts.
     */
    static boolean stderrIsTerminal() {
        if ("dumb".equals(System.getenv("TERM"))) {
            return false;
        }
        Path fd2 = Path.of("/proc/self/fd/2");
        if (Files.isSymbolicLink(fd2)) {
            try {
                String target = Files.readSymbolicLink(fd2).toString();
                return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
            } catch (IOException | UnsupportedOperationException e) {
                return false;
            }
        }
        return System.console() != null;
    }
}
