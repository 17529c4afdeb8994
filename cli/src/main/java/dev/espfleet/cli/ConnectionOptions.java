package dev.espfleet.cli;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.flasher.connection.ConnectOptions;
import dev.espfleet.services.PortConnection;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import picocli.CommandLine.Option;

/** {@code --port --baud --before --after --trace}: shared by every command that talks to a chip. */
public final class ConnectionOptions {
    @Option(names = {"-p", "--port"}, required = true, paramLabel = "PORT",
            description = "Serial port (/dev/ttyUSB0, a pseudo-terminal), socket://HOST:PORT (raw TCP), "
                    + "rfc2217://HOST:PORT[?OPTIONS] (a networked serial server such as ser2net), or sim[:CHIP] for the "
                    + "built-in simulated chip (esp32 unless e.g. sim:esp32c3).")
    String port;

    @Option(names = {"-b", "--baud"}, defaultValue = "115200", paramLabel = "BAUD",
            description = "Baud rate to switch to after connecting (the ROM starts at 115200). Default: ${DEFAULT-VALUE}.")
    int baud;

    @Option(names = "--before", defaultValue = "default-reset", paramLabel = "MODE",
            description = "Reset before connecting: default-reset, usb-reset, no-reset, no-reset-no-sync. Default: ${DEFAULT-VALUE}.")
    String before;

    @Option(names = "--after", defaultValue = "hard-reset", paramLabel = "MODE",
            description = "After the job: hard-reset (run the application) or no-reset. Default: ${DEFAULT-VALUE}.")
    String after;

    @Option(names = "--trace", description = "Print every frame sent and received (time delta, opcode, length, hex).")
    boolean trace;

    @Option(names = "--stub", paramLabel = "FILE",
            description = "Run this flasher stub (esptool's JSON format for the chip) for 16 KB blocks and fast reads. "
                    + "espfleet ships none; without it espfleet talks to the ROM.")
    Path stub;

    @Option(names = "--connect-attempts", defaultValue = "7", paramLabel = "N",
            description = "Reset-and-sync attempts before giving up. Default: ${DEFAULT-VALUE}.")
    int connectAttempts;

    /** The options as the flash service takes them, checked: a wrong one is bad input before a port is opened. */
    PortConnection port() {
        ConnectOptions.requireBaud(baud, "--baud");
        if (connectAttempts < 1) {
            throw EspfleetException.badInput("--connect-attempts must be at least 1, got " + connectAttempts);
        }
        ConnectOptions options = ConnectOptions.defaults()
                .withBefore(parse(ConnectOptions.Before.class, "--before", before))
                .withAfter(parse(ConnectOptions.After.class, "--after", after))
                .withBaud(baud).withConnectAttempts(connectAttempts);
        return new PortConnection(port, options, Optional.ofNullable(stub),
                trace ? Optional.of(System.err) : Optional.empty());
    }

    private static <E extends Enum<E>> E parse(Class<E> type, String option, String value) {
        String constant = value.strip().toUpperCase(Locale.ROOT).replace('-', '_');
        for (E e : type.getEnumConstants()) {
            if (e.name().equals(constant)) {
                return e;
            }
        }
        StringBuilder expected = new StringBuilder();
        for (E e : type.getEnumConstants()) {
            expected.append(expected.length() == 0 ? "" : ", ").append(e.name().toLowerCase(Locale.ROOT).replace('_', '-'));
        }
        throw EspfleetException.badInput(option + " " + value + ": expected one of " + expected);
    }

    /** Where the command tells the user what happens: a progress bar on a terminal, unless frames are traced. */
    ProgressPrinter console(PrintWriter err) {
        return trace ? new ProgressPrinter(err, false) : new ProgressPrinter(err);
    }
}
