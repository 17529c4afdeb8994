package dev.espfleet.flasher.connection;

/**
 * A kind of port that {@code --port} names by its prefix, besides a serial device path: {@code socket://} and
 * {@code rfc2217://} are built in; others are found with {@link java.util.ServiceLoader} (the simulator's
 * {@code sim[:CHIP]} registers itself in {@code META-INF/services}), so the flasher knows none of them by name.
 */
public interface PortScheme {

    /** How {@code --port} writes it, for help and error messages, e.g. {@code socket://HOST:PORT}. */
    String syntax();

    /** Whether {@code port} is of this scheme. */
    boolean names(String port);

    /** Opens {@code port}; where the link has a baud rate, the host starts at {@code baud}. */
    Transport open(String port, int baud);
}
