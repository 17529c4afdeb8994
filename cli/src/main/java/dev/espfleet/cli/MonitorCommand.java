package dev.espfleet.cli;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.flasher.connection.ConnectOptions;
import dev.espfleet.flasher.connection.PortOpener;
import dev.espfleet.flasher.connection.Transport;
import dev.espfleet.flasher.monitor.Monitor;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code espfleet monitor --port P}: show device output; Ctrl-] exits. */
@Command(name = "monitor", mixinStandardHelpOptions = true,
        description = "Show what the device prints (and send it what you type). Ctrl-] exits.")
public final class MonitorCommand implements Callable<Integer> {
    /** stty answers at once; a wait for it still has an end. */
    private static final long STTY_TIMEOUT_SECONDS = 5;

    @Spec
    CommandSpec spec;

    @Option(names = {"-p", "--port"}, required = true, paramLabel = "PORT",
            description = "Serial port, socket://HOST:PORT, rfc2217://HOST:PORT[?OPTIONS] or sim[:CHIP].")
    String port;

    @Option(names = {"-b", "--baud"}, defaultValue = "115200", paramLabel = "BAUD",
            description = "The application's console baud rate. Default: ${DEFAULT-VALUE}.")
    int baud;

    @Option(names = "--no-reset", description = "Do not restart the application (DTR/RTS) when starting.")
    boolean noReset;

    @Option(names = "--seconds", defaultValue = "0", paramLabel = "N",
            description = "Stop after N seconds (0: until Ctrl-]). Default: ${DEFAULT-VALUE}.")
    int seconds;

    @Override
    public Integer call() throws IOException {
        ConnectOptions.requireBaud(baud, "--baud");
        if (seconds < 0) {
            throw EspfleetException.badInput("--seconds " + seconds + ": expected 0 (until Ctrl-]) or more");
        }
        PrintWriter err = spec.commandLine().getErr();
        try (Transport t = PortOpener.open(port, baud)) {
            t.setBaudRate(baud);
            if (!noReset && t.hasModemLines()) {
                // EN low with IO0 high, then release: the application starts and prints its boot log
                t.setDtr(false);
                t.setRts(true);
                sleep(100);
                t.setRts(false);
            }
            err.printf("--- monitor on %s at %d baud; Ctrl-] exits ---%n", t.description(), baud);
            err.flush();
            boolean raw = System.console() != null && stty("raw", "-echo");
            try {
                Monitor.run(t, System.in, System.out, Duration.ofSeconds(seconds));
            } finally {
                if (raw) {
                    stty("sane");
                }
            }
            err.printf("%n--- monitor ended ---%n");
            err.flush();
        } catch (IOException e) {
            throw new EspfleetException(ExitStatus.UNAVAILABLE, "lost " + port + ": " + e.getMessage(), "check the cable");
        }
        return 0;
    }

    /** Puts the terminal in raw mode so Ctrl-] arrives as a byte; false where there is no stty. */
    private static boolean stty(String... args) {
        String[] cmd = new String[args.length + 1];
        cmd[0] = "stty";
        System.arraycopy(args, 0, cmd, 1, args.length);
        try {
            Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.INHERIT).start();
            if (!p.waitFor(STTY_TIMEOUT_SECONDS, java.util.concurrent.TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return false;
            }
            return p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
