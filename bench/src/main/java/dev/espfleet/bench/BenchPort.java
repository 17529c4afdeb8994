package dev.espfleet.bench;

import dev.espfleet.flasher.connection.ConnectOptions;
import dev.espfleet.flasher.connection.PortOpener;
import dev.espfleet.flasher.connection.Transport;
import dev.espfleet.flasher.sim.Fault;
import dev.espfleet.flasher.sim.LinkTiming;
import dev.espfleet.flasher.sim.SimConfig;
import dev.espfleet.flasher.sim.SimLink;
import dev.espfleet.flasher.sim.SimulatedEsp32;
import dev.espfleet.model.MacAddress;
import java.util.ArrayList;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * One station port: its name, how to open it, and how many boards it serves ({@code sim} ports serve
 * one board each; a serial port keeps serving boards until the bench is stopped).
 */
public record BenchPort(String name, Supplier<Transport> opener, boolean simulated) {

    /** A serial port (or {@code socket://}) path as {@code --port} takes it. */
    public static BenchPort of(String port, int baud) {
        return new BenchPort(port, () -> PortOpener.open(port, baud), false);
    }

    /**
     * {@code count} simulated ESP32s with MACs that stay the same from run to run (24:0a:c4:e5:00:01,
     * ...:02, ...), so a second run reworks the same boards.
     */
    public static List<BenchPort> simulated(int count, LinkTiming timing) {
        List<BenchPort> ports = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            ports.add(simulated(i, timing, List.of()));
        }
        return ports;
    }

    /** The simulated board number {@code index}, with faults injected into its link. */
    public static BenchPort simulated(int index, LinkTiming timing, List<Fault> faults) {
        return simulated(index, timing, faults, Integer.MAX_VALUE);
    }

    /**
     * The simulated board number {@code index} whose first {@code faultyConnections} connections get {@code faults}
     * (a bad contact: the board fails, and once reseated a retry passes).
     */
    public static BenchPort simulated(int index, LinkTiming timing, List<Fault> faults, int faultyConnections) {
        return simulated(index, timing, faults, faultyConnections, Optional.empty());
    }

    /**
     * As above, the board's flash kept in {@code flashFile} when given (as {@code sim --flash-file}: created erased,
     * kept afterwards), so what the firmware wrote there can be read after the bench.
     */
    public static BenchPort simulated(int index, LinkTiming timing, List<Fault> faults, int faultyConnections,
                                      Optional<Path> flashFile) {
        MacAddress mac = MacAddress.of(new byte[] {0x24, 0x0a, (byte) 0xc4, (byte) 0xe5, (byte) (index >> 8), (byte) index});
        SimConfig base = SimConfig.esp32().withMac(mac);
        SimConfig config = flashFile.map(base::withFlashFile).orElse(base);
        AtomicInteger connections = new AtomicInteger();
        Supplier<Transport> opener = () -> new SimLink(new SimulatedEsp32(config),
                connections.incrementAndGet() <= faultyConnections ? faults : List.of(), timing);
        return new BenchPort("sim-" + index, opener, true);
    }

    /**
     * The loader's options for a board on {@code transport}: esptool's, whose reset into the loader (and out of it)
     * takes the USB-Serial/JTAG sequence on a chip's own USB port.
     */
    ConnectOptions connectOptions(int baud, Transport transport) {
        ConnectOptions options = ConnectOptions.defaults().withBaud(baud);
        return transport.usbSerialJtag() ? options.withBefore(ConnectOptions.Before.USB_RESET) : options;
    }
}
