package dev.espfleet.board;

import dev.espfleet.common.EspfleetException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/**
 * Where the board listens ({@code --ui [HOST:]PORT}): loopback (127.0.0.1) unless a host is given. Beyond
 * loopback every request needs the board's token.
 *
 * @param host as given, or {@code 127.0.0.1}; shown in the board's URL
 */
public record BoardAddress(String host, InetSocketAddress socket) {
    static final String EXAMPLE = "expected [HOST:]PORT with PORT 0 to 65535 (0: any free port), e.g. 8080, "
            + "127.0.0.1:8080 or 0.0.0.0:8080";

    /** {@code 8080}, {@code 127.0.0.1:8080}, {@code 0.0.0.0:8080}, {@code [::1]:8080}, {@code bench-3.local:8080}. */
    public static BoardAddress parse(String text) {
        String host = "127.0.0.1";
        String port = text.strip();
        int colon = port.lastIndexOf(':');
        if (colon >= 0) {
            host = port.substring(0, colon);
            port = port.substring(colon + 1);
            if (host.startsWith("[") && host.endsWith("]")) {
                host = host.substring(1, host.length() - 1);
            } else if (host.contains(":")) {
                throw EspfleetException.badInput("--ui " + text + ": an IPv6 address goes in brackets, e.g. [::1]:8080");
            }
            if (host.isEmpty()) {
                throw EspfleetException.badInput("--ui " + text + ": no host before ':'; " + EXAMPLE);
            }
        }
        int number;
        try {
            number = Integer.parseInt(port);
        } catch (NumberFormatException e) {
            number = -1;
        }
        if (number < 0 || number > 65535 || !port.chars().allMatch(Character::isDigit)) {
            throw EspfleetException.badInput("--ui " + text + ": " + EXAMPLE);
        }
        try {
            return new BoardAddress(host, new InetSocketAddress(InetAddress.getByName(host), number));
        } catch (UnknownHostException e) {
            throw EspfleetException.badInput("--ui " + text + ": no such host '" + host
                    + "' on this machine (give an address of this machine, e.g. 0.0.0.0 for all of them)");
        }
    }

    /** Only this machine can reach the board: no token is needed. */
    public boolean loopback() {
        return socket.getAddress().isLoopbackAddress();
    }
}
