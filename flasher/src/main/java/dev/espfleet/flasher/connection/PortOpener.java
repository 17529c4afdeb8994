package dev.espfleet.flasher.connection;

import dev.espfleet.common.EspfleetException;
import java.util.ArrayList;
import java.util.List;
import java.util.ServiceLoader;
import java.util.function.BiFunction;

/**
 * Turns what the user wrote after {@code --port} into a transport: {@code socket://HOST:PORT} (raw TCP),
 * {@code rfc2217://HOST:PORT[?OPTIONS]} (a networked serial server), a scheme a {@link PortScheme} provider
 * adds, or else a serial port path.
 */
public final class PortOpener {
    private static final List<PortScheme> BUILT_IN = List.of(
            new PrefixScheme("socket://HOST:PORT", "socket://", (port, baud) -> SocketTransport.open(port)),
            new PrefixScheme("rfc2217://HOST:PORT[?OPTIONS]", "rfc2217://", Rfc2217Transport::open));

    private PortOpener() {
    }

    /** The built-in schemes, then those of the {@link PortScheme} providers on the class path. */
    public static List<PortScheme> schemes() {
        return Providers.ALL;
    }

    public static Transport open(String port, int baud) {
        for (PortScheme scheme : schemes()) {
            if (scheme.names(port)) {
                return scheme.open(port, baud);
            }
        }
        if (port.contains("://")) {
            List<String> urls = schemes().stream().map(PortScheme::syntax).filter(s -> s.contains("://")).toList();
            throw EspfleetException.badInput("unsupported port URL " + port + " (expected " + String.join(" or ", urls)
                    + ")");
        }
        return SerialTransport.open(port, baud);
    }

    /** Loaded once, on first use: the providers are fixed for the life of the process. */
    private static final class Providers {
        static final List<PortScheme> ALL = load();

        private static List<PortScheme> load() {
            List<PortScheme> all = new ArrayList<>(BUILT_IN);
            ServiceLoader.load(PortScheme.class, PortScheme.class.getClassLoader()).forEach(all::add);
            return List.copyOf(all);
        }
    }

    private record PrefixScheme(String syntax, String prefix, BiFunction<String, Integer, Transport> opener)
            implements PortScheme {
        @Override
        public boolean names(String port) {
            return port.startsWith(prefix);
        }

        @Override
        public Transport open(String port, int baud) {
            return opener.apply(port, baud);
        }
    }
}
