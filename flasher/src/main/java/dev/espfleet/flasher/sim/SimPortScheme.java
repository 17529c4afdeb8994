package dev.espfleet.flasher.sim;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.flasher.connection.PortScheme;
import dev.espfleet.flasher.connection.Transport;
import dev.espfleet.model.Chip;

/**
 * {@code --port sim} or {@code sim:CHIP} ({@code sim:esp32c3}): a simulated chip in this process, fresh for
 * each open, on an untimed link. Registered in {@code META-INF/services} for {@code PortOpener} to find.
 */
public final class SimPortScheme implements PortScheme {

    @Override
    public String syntax() {
        return "sim[:CHIP]";
    }

    @Override
    public boolean names(String port) {
        return port.equals("sim") || port.startsWith("sim:");
    }

    @Override
    public Transport open(String port, int baud) {
        return new SimLink(new SimulatedEsp32(config(port))).owningChip();
    }

    /** The simulated chip a {@code sim[:CHIP]} port names: the traced ESP32 unless another chip is given. */
    public static SimConfig config(String port) {
        SimConfig config = SimConfig.esp32();
        if (port.startsWith("sim:")) {
            String name = port.substring(4);
            Chip chip = Chip.parse(name).orElseThrow(() -> EspfleetException.badInput("unknown chip '" + name
                    + "' in --port " + port + " (expected one of " + Chip.choices(c -> true) + ")"));
            config = config.withChip(chip);
        }
        return config;
    }
}
