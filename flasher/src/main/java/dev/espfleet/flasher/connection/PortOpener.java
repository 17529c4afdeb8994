package dev.espfleet.flasher.connection;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.flasher.sim.LinkTiming;
import dev.espfleet.flasher.sim.SimConfig;
import dev.espfleet.flasher.sim.SimLink;
import dev.espfleet.flasher.sim.SimulatedEsp32;
import dev.espfleet.model.Chip;
import java.util.List;

/**
 * Turns what the user wrote after {@code --port} into a transport: {@code sim} or {@code sim:CHIP} (the
 * in-process simulated chip), {@code socket://HOST:PORT} (raw TCP), {@code rfc2217://HOST:PORT[?OPTIONS]} (a
 * networked serial server), or a serial port path.
 */
public final class PortOpener {
    /** The in-process simulator answers at once, so its timeouts can be much shorter than a real chip's. */
    public static final double SIM_TIMEOUT_SCALE = 0.05;

    private PortOpener() {
    }

    public static boolean isSim(String port) {
        return port.equals("sim") || port.startsWith("sim:");
    }

    /** The simulated chip a {@code sim[:CHIP]} port names. */
    public static SimConfig simConfig(String port) {
        SimConfig config = SimConfig.esp32();
        if (port.startsWith("sim:")) {
            String name = port.substring(4);
            Chip chip = Chip.parse(name).orElseThrow(() -> EspfleetException.badInput("unknown chip '" + name
                    + "' in --port " + port + " (expected one of " + Chip.choices(c -> true) + ")"));
            config = config.withChip(chip);
        }
        return config;
    }

    public static Transport open(String port, int baud) {
        if (isSim(port)) {
            return new SimLink(new SimulatedEsp32(simConfig(port)), List.of(), LinkTiming.UNTIMED);
        }
        if (port.startsWith("socket://")) {
            return SocketTransport.open(port);
        }
        if (port.startsWith("rfc2217://")) {
            return Rfc2217Transport.open(port, baud);
        }
        if (port.contains("://")) {
            throw EspfleetException.badInput("unsupported port URL " + port
                    + " (expected socket://HOST:PORT or rfc2217://HOST:PORT[?OPTIONS])");
        }
        return SerialTransport.open(port, baud);
    }

    public static double timeoutScale(String port) {
        return isSim(port) ? SIM_TIMEOUT_SCALE : 1.0;
    }
}
