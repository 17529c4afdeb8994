package dev.espfleet.services;

import com.fazecast.jSerialComm.SerialPort;
import dev.espfleet.bench.BenchPort;
import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.flasher.sim.Fault;
import dev.espfleet.flasher.sim.LinkTiming;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The ports a bench serves: a comma-separated list of serial ports (or {@code socket://HOST:PORT}),
 * {@code auto} (the USB serial ports of ESP32 boards), or {@code sim:N} simulated ESP32s.
 *
 * @param simFirst  number of the first simulated board (boards of two benches sharing a ledger differ)
 * @param simTiming the simulated link (timed, to make a bench run take as long as a real one)
 * @param simFaults faults on the first connection of a simulated board, by its number (a bad contact: the board
 *                  fails, and a retry passes)
 * @param simFlashDir where simulated board N keeps its flash ({@code sim-N.bin}, as {@code sim --flash-file});
 *                    empty: in memory, erased at each connection
 */
public record PortSpec(String text, int simFirst, LinkTiming simTiming, Map<Integer, List<Fault>> simFaults,
                       Optional<Path> simFlashDir) {
    public PortSpec {
        simFaults = Map.copyOf(simFaults);
    }

    public PortSpec(String text, int simFirst, LinkTiming simTiming, Map<Integer, List<Fault>> simFaults) {
        this(text, simFirst, simTiming, simFaults, Optional.empty());
    }

    public PortSpec(String text, int simFirst, LinkTiming simTiming) {
        this(text, simFirst, simTiming, Map.of());
    }

    /** USB vendor ids of the USB-UART bridges on ESP32 boards: Silicon Labs, WCH, FTDI, Espressif. */
    static final Set<Integer> ESP_USB_VENDORS = Set.of(0x10C4, 0x1A86, 0x0403, 0x303A);

    public static PortSpec of(String text) {
        return new PortSpec(text, 1, LinkTiming.UNTIMED);
    }

    /** {@code count} simulated ESP32s, the same boards on every run. */
    public static PortSpec simulated(int count) {
        return of("sim:" + count);
    }

    /** Whether these are simulated ESP32s ({@code sim:N}). */
    public boolean simulated() {
        return text.startsWith("sim:");
    }

    /** The ports; {@code auto} finding none is "unavailable" (exit 3). */
    public List<BenchPort> resolve(int baud) {
        if (simulated()) {
            int n;
            try {
                n = Integer.parseInt(text.substring(4));
            } catch (NumberFormatException e) {
                n = -1;
            }
            if (n < 1 || n > 64) {
                throw EspfleetException.badInput("--ports " + text + ": expected sim:N with N from 1 to 64");
            }
            List<BenchPort> sims = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                int board = simFirst + i;
                sims.add(BenchPort.simulated(board, simTiming, simFaults.getOrDefault(board, List.of()), 1,
                        simFlashDir.map(d -> d.resolve("sim-" + board + ".bin"))));
            }
            return sims;
        }
        List<String> names = new ArrayList<>();
        if (text.equals("auto")) {
            for (SerialPort p : SerialPort.getCommPorts()) {
                if (ESP_USB_VENDORS.contains(p.getVendorID())) {
                    names.add(p.getSystemPortPath());
                }
            }
            if (names.isEmpty()) {
                throw new EspfleetException(ExitStatus.UNAVAILABLE,
                        "--ports auto found no USB serial port of an ESP32 board (CP210x, CH34x, FTDI, Espressif)",
                        "plug the boards in, check 'ls /dev/ttyUSB* /dev/ttyACM*', or list the ports with --ports");
            }
        } else {
            for (String p : text.split(",")) {
                if (!p.isBlank()) {
                    names.add(p.strip());
                }
            }
        }
        if (names.isEmpty()) {
            throw EspfleetException.badInput("--ports: no port given");
        }
        return names.stream().map(n -> BenchPort.of(n, baud)).toList();
    }
}
