package dev.espfleet.cli;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.flasher.connection.ConnectOptions;
import dev.espfleet.flasher.connection.PortOpener;
import dev.espfleet.flasher.connection.TracingTransport;
import dev.espfleet.flasher.connection.Transport;
import dev.espfleet.flasher.image.FlashRegion;
import dev.espfleet.flasher.loader.RomLoader;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
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
    java.nio.file.Path stub;

    @Option(names = "--connect-attempts", defaultValue = "7", paramLabel = "N",
            description = "Reset-and-sync attempts before giving up. Default: ${DEFAULT-VALUE}.")
    int connectAttempts;

    ConnectOptions connectOptions() {
        ConnectOptions.requireBaud(baud, "--baud");
        if (connectAttempts < 1) {
            throw EspfleetException.badInput("--connect-attempts must be at least 1, got " + connectAttempts);
        }
        return new ConnectOptions(parse(ConnectOptions.Before.class, "--before", before),
                parse(ConnectOptions.After.class, "--after", after), baud, connectAttempts);
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

    /** The {@code --trace} decorator of the open port, if tracing. */
    private TracingTransport tracing;

    Transport openTransport() {
        Transport t = PortOpener.open(port, ConnectOptions.ROM_BAUD);
        if (trace) {
            tracing = new TracingTransport(t, System.err);
            return tracing;
        }
        return t;
    }

    /** Where the command tells the user what happens: a progress bar on a terminal, unless frames are traced. */
    ProgressPrinter console(PrintWriter err) {
        return trace ? new ProgressPrinter(err, false) : new ProgressPrinter(err);
    }

    /** {@code --trace} shows length and checksum, not the bytes, of what is written to secret regions. */
    void redactInTrace(List<FlashRegion> regions) {
        if (tracing != null) {
            for (FlashRegion r : regions) {
                if (r.secret()) {
                    tracing.redactFlashRange(r.offset(), r.data().length);
                }
            }
        }
    }

    /** Opens the port and connects; the loader's messages go to {@code console}. */
    RomLoader connect(ProgressPrinter console) {
        ConnectOptions options = connectOptions();
        dev.espfleet.flasher.image.StubImage stubImage = stub == null ? null : dev.espfleet.flasher.image.StubImage.load(stub);
        Transport t = openTransport();
        return RomLoader.connect(t, options, stubImage, console::line);
    }
}
