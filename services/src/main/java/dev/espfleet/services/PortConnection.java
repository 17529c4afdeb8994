package dev.espfleet.services;

import dev.espfleet.flasher.connection.ConnectOptions;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Optional;

/**
 * How to reach one chip: the port ({@code /dev/ttyUSB0}, {@code socket://}, {@code rfc2217://}, {@code sim[:CHIP]}),
 * how to reset and connect, a flasher stub to run, and where to trace every frame.
 *
 * @param stub  esptool's JSON stub for the chip; empty to talk to the ROM
 * @param trace where every frame is printed ({@code --trace}); secret regions show length and checksum only
 */
public record PortConnection(String port, ConnectOptions options, Optional<Path> stub, Optional<PrintStream> trace) {
}
