package dev.espfleet.cli;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.flasher.command.Opcode;
import dev.espfleet.flasher.sim.Fault;
import dev.espfleet.flasher.sim.SimConfig;
import dev.espfleet.flasher.sim.SimServer;
import dev.espfleet.flasher.sim.SimulatedEsp32;
import dev.espfleet.model.Chip;
import dev.espfleet.model.MacAddress;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code espfleet sim --listen 127.0.0.1:PORT}: a simulated chip for socket:// clients (espfleet, esptool). */
@Command(name = "sim", mixinStandardHelpOptions = true,
        description = "Serve a simulated ESP32 ROM loader over TCP until interrupted (connect with --port socket://HOST:PORT).")
public final class SimCommand implements Callable<Integer> {
    private static final Pattern FAULT = Pattern.compile("([a-z_-]+)@([a-z_0-9]+)#(\\d+)(?:\\+(\\d+)ms)?");

    @Spec
    CommandSpec spec;

    @Option(names = "--listen", required = true, paramLabel = "HOST:PORT",
            description = "Address to listen on, e.g. 127.0.0.1:5555 (port 0 picks a free one).")
    String listen;

    @Option(names = "--chip", defaultValue = "esp32", paramLabel = "CHIP",
            description = "esp32, esp32s2, esp32s3, esp32c3, esp32c6 or esp32h2. Default: ${DEFAULT-VALUE}.")
    String chip;

    @Option(names = "--mac", paramLabel = "MAC", description = "MAC address aa:bb:cc:dd:ee:ff (default 24:0a:c4:00:00:01).")
    String mac;

    @Option(names = "--flash-size", defaultValue = "4MB", paramLabel = "SIZE",
            description = "Flash size: 1MB, 2MB, 4MB, 8MB or 16MB. Default: ${DEFAULT-VALUE}.")
    String flashSize;

    @Option(names = "--app-mode", description = "Start running the application: a client must reset it into the loader.")
    boolean appMode;

    @Option(names = "--flash-file", paramLabel = "FILE",
            description = "Keep the simulated flash in FILE (created erased at the flash size if missing; kept "
                    + "afterwards, so the next sim boots from it), as Espressif's QEMU keeps its -drive file.")
    java.nio.file.Path flashFile;

    @Option(names = "--fault", paramLabel = "KIND@OPCODE#N[+MSms]",
            description = "Inject a fault, e.g. drop-reply@flash_data#3 or delay-reply@spi_flash_md5#1+50ms. Repeatable.")
    List<String> faults = new ArrayList<>();

    @Override
    public Integer call() throws Exception {
        int colon = listen.lastIndexOf(':');
        if (colon <= 0) {
            throw EspfleetException.badInput("--listen " + listen + ": expected HOST:PORT, e.g. 127.0.0.1:5555");
        }
        String host = listen.substring(0, colon);
        int port;
        try {
            port = Integer.parseInt(listen.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw EspfleetException.badInput("--listen " + listen + ": port is not a number");
        }
        if (port < 0 || port > 65535) {
            throw EspfleetException.badInput("--listen " + listen + ": port must be 0 to 65535, got " + port);
        }
        SimConfig config = SimConfig.esp32()
                .withChip(Chip.of(chip, "--chip"))
                .withFlashSize(parseSize(flashSize))
                .withStartInDownloadMode(!appMode);
        if (flashFile != null) {
            config = config.withFlashFile(flashFile);
        }
        if (mac != null) {
            MacAddress.problem(mac).ifPresent(p -> {
                throw EspfleetException.badInput("--mac: " + p);
            });
            config = config.withMac(MacAddress.parse(mac));
        }
        List<Fault> plan = new ArrayList<>();
        for (String f : faults) {
            plan.add(parseFault(f));
        }
        PrintWriter err = spec.commandLine().getErr();
        SimServer server;
        try {
            server = new SimServer(new SimulatedEsp32(config), plan, host, port, line -> {
                err.println("sim: " + line);
                err.flush();
            });
        } catch (IOException e) {
            throw new EspfleetException(ExitStatus.UNAVAILABLE, "cannot listen on " + listen + ": " + e.getMessage(),
                    "pick another port, or stop whatever uses this one");
        }
        server.start();
        err.printf("sim: simulated %s (MAC %s, %s flash%s) listening on socket://%s:%d%n",
                config.chip().displayName(), config.mac(), flashSize.toUpperCase(Locale.ROOT),
                flashFile == null ? "" : " in " + flashFile, host, server.port());
        err.flush();
        Runtime.getRuntime().addShutdownHook(new Thread(server::close));
        server.join();
        return 0;
    }

    static int parseSize(String text) {
        String t = text.strip().toUpperCase(Locale.ROOT);
        return switch (t) {
            case "1MB" -> 1 << 20;
            case "2MB" -> 2 << 20;
            case "4MB" -> 4 << 20;
            case "8MB" -> 8 << 20;
            case "16MB" -> 16 << 20;
            default -> throw EspfleetException.badInput("--flash-size " + text + ": expected 1MB, 2MB, 4MB, 8MB or 16MB");
        };
    }

    static Fault parseFault(String text) {
        Matcher m = FAULT.matcher(text.strip().toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw EspfleetException.badInput("--fault " + text + ": expected KIND@OPCODE#N[+MSms], e.g. drop-reply@flash_data#3");
        }
        Fault.Kind kind;
        Opcode opcode;
        try {
            kind = Fault.Kind.valueOf(m.group(1).toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw EspfleetException.badInput("--fault " + text + ": unknown kind '" + m.group(1) + "'");
        }
        try {
            opcode = Opcode.valueOf(m.group(2).toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw EspfleetException.badInput("--fault " + text + ": unknown opcode '" + m.group(2) + "'");
        }
        int millis = m.group(4) == null ? 0 : Integer.parseInt(m.group(4));
        return new Fault(kind, opcode, Integer.parseInt(m.group(3)), millis);
    }
}
