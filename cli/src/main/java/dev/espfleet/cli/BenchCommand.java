package dev.espfleet.cli;

import dev.espfleet.bench.ThingNamePattern;
import dev.espfleet.bench.eol.EndOfLineMode;
import dev.espfleet.board.BoardAddress;
import dev.espfleet.board.BoardServer;
import dev.espfleet.flasher.sim.LinkTiming;
import dev.espfleet.model.AwsEndpoint;
import dev.espfleet.services.AwsService;
import dev.espfleet.services.BenchEvents;
import dev.espfleet.services.BenchRequest;
import dev.espfleet.services.DeviceProfile;
import dev.espfleet.services.BenchService;
import dev.espfleet.services.BenchSession;
import dev.espfleet.services.PortSpec;
import dev.espfleet.services.WifiSettings;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Provision and flash boards on many ports at once.",
            "Identity from the ledger (a known MAC gets its identity back), key and certificate from the",
            "local CA, identity NVS image and firmware written and MD5-verified, the unit reset into its",
            "application and its console report checked (end-of-line test), then the unit recorded as done."})
final class BenchCommand extends BaseCommand {
    @Option(names = "--config", required = true, paramLabel = "FILE", description = "Device config (YAML).")
    Path config;

    @Option(names = "--ca", required = true, paramLabel = "DIR", description = "Local CA made by 'espfleet ca init'.")
    Path ca;

    @Option(names = "--ports", required = true, paramLabel = "PORTS",
            description = "Comma-separated serial ports, 'auto' (USB ports of ESP32 boards), or sim:N simulated ESP32s.")
    String ports;

    @Option(names = "--build", paramLabel = "DIR",
            description = "ESP-IDF project or build dir: its flasher_args.json images are flashed too.")
    Path build;

    @Option(names = "--units", defaultValue = "units", paramLabel = "DIR",
            description = "Where unit folders, the audit log and the default ledger go (default: ${DEFAULT-VALUE}).")
    Path units;

    @Option(names = "--ledger", paramLabel = "URL",
            description = "jdbc:sqlite:FILE (default: <units>/ledger.db) or jdbc:postgresql://HOST/DB to share one "
                    + "ledger between stations.")
    String ledger;

    @Option(names = "--name-pattern", defaultValue = "{product}-{mac}", paramLabel = "PATTERN",
            description = "Thing name of a new board: {product}, {mac}, {seq}, {seq:04} (default: ${DEFAULT-VALUE}).")
    String namePattern;

    @Option(names = "--server-ca", paramLabel = "FILE",
            description = "CA of the MQTT broker (default: Amazon Root CA 1 from the system trust store).")
    Path serverCa;

    @Option(names = "--endpoint", paramLabel = "HOST[:PORT]",
            description = "The identity's endpoint, overriding aws.endpoint: a test broker (with --server-ca).")
    String endpoint;

    @Option(names = "--eol", paramLabel = "MODE",
            description = "End-of-line test after the write: none; report (the unit's console report must match the "
                    + "ledger); connected (and it must reach its broker as its thing). Default: report when firmware "
                    + "is written (--build, or simulated ports), else none.")
    String eol;

    @Option(names = "--eol-timeout", paramLabel = "SECONDS",
            description = "Deadline of the end-of-line test from the unit's reset (default: 20 for report, 60 for "
                    + "connected; the report is due within 20 either way).")
    Integer eolTimeout;

    @Option(names = "--wifi-ssid", paramLabel = "SSID", description = "Wi-Fi network written where the firmware reads it: into "
            + "the identity image, or with wifi.partition: nvs into the board's nvs partition.")
    String wifiSsid;

    @Option(names = "--wifi-password", paramLabel = "PASSWORD", defaultValue = "${env:ESPFLEET_WIFI_PASSWORD}",
            description = "Wi-Fi password (default: $ESPFLEET_WIFI_PASSWORD).")
    String wifiPassword;

    @Option(names = {"-b", "--baud"}, defaultValue = "460800", paramLabel = "BAUD",
            description = "Baud rate after sync (default: ${DEFAULT-VALUE}).")
    int baud;

    @Option(names = "--boards-per-port", defaultValue = "0", paramLabel = "N",
            description = "Boards a serial port serves before the bench ends; 0 (default): until Ctrl-C, waiting "
                    + "for the next board after each. A simulated port serves one.")
    int boardsPerPort;

    @Option(names = "--sim-first", hidden = true, defaultValue = "1", paramLabel = "N",
            description = "Number of the first simulated board (so two benches simulate different boards).")
    int simFirst;

    @Option(names = "--sim-flash-dir", hidden = true, paramLabel = "DIR",
            description = "Keep simulated board N's flash in DIR/sim-N.bin (as sim --flash-file) instead of memory.")
    Path simFlashDir;

    @Option(names = "--sim-link-ms", hidden = true, defaultValue = "0", paramLabel = "MS",
            description = "Simulate a real serial link: bytes take their time at the baud rate, replies MS ms.")
    int simLinkMs;

    @Option(names = "--station", paramLabel = "NAME", description = "Name of this station in the ledger (default: host name).")
    String station;

    @Option(names = "--ui", paramLabel = "[HOST:]PORT",
            description = {"Serve the operator's board: a live page per port (state, progress, PASS/FAIL), totals, "
                    + "failures, audit events, pause/resume/retry/stop, labels with QR codes. On loopback unless HOST "
                    + "is given; beyond it the URL printed at start carries a token every request needs.",
                "With --ui a failed board waits for a retry, and the board stays up after the last board until "
                    + "Ctrl-C."})
    String ui;

    @Option(names = "--sim-fault", hidden = true, paramLabel = "N:KIND@OPCODE#K",
            description = "Simulated board N gets this fault at its first connection (a bad contact: it fails, a "
                    + "retry passes), e.g. 2:DISCONNECT@FLASH_DATA#3.")
    List<String> simFaults = List.of();

    @Option(names = "--register", paramLabel = "aws",
            description = "Register each unit with AWS IoT once it is flashed and verified (certificate, thing, policy, "
                    + "attachment); a unit AWS could not take stays 'registration pending' for 'espfleet aws sync'.")
    String register;

    @Option(names = "--certificate-from", paramLabel = "ISSUER", defaultValue = "ca",
            description = "Who signs the certificate of a unit that has none for its key: ca (default: the local CA "
                    + "of --ca), or aws (AWS IoT's CreateCertificateFromCsr, with --register aws; a unit AWS does not "
                    + "sign for fails).")
    String certificateFrom;

    @picocli.CommandLine.Mixin
    AwsOptionsMixin aws;

    @Override
    int doCall() throws InterruptedException {
        boolean awsSigns = switch (certificateFrom.strip()) {
            case "ca" -> false;
            case "aws" -> true;
            default -> throw dev.espfleet.common.EspfleetException.badInput("--certificate-from '" + certificateFrom
                    + "': expected ca or aws");
        };
        if (register != null && !register.equals("aws")) {
            throw dev.espfleet.common.EspfleetException.badInput("--register '" + register + "': expected aws");
        }
        if (awsSigns && register == null) {
            throw dev.espfleet.common.EspfleetException.badInput("--certificate-from aws: AWS IoT signs the units' "
                    + "certificates as it registers them: pass --register aws too");
        }
        Optional<BoardAddress> board = Optional.ofNullable(ui).map(BoardAddress::parse);
        PortSpec portSpec = new PortSpec(ports, simFirst, simLinkMs > 0
                ? LinkTiming.timed(Duration.ofMillis(simLinkMs)) : LinkTiming.UNTIMED, SimFaults.parse(simFaults),
                Optional.ofNullable(simFlashDir));
        BenchSession session = new BenchService().prepare(new BenchRequest(config, ca, Optional.ofNullable(serverCa),
                Optional.ofNullable(build), units, Optional.ofNullable(ledger), new ThingNamePattern(namePattern),
                Optional.ofNullable(endpoint).map(e -> AwsEndpoint.withOptionalPort(e.strip())),
                Optional.ofNullable(wifiSsid).map(s -> new WifiSettings(s, wifiPassword)), portSpec, baud,
                boardsPerPort, Optional.ofNullable(station),
                Optional.ofNullable(eol).map(m -> EndOfLineMode.parse(m.strip(), "--eol")),
                Optional.ofNullable(eolTimeout).map(Duration::ofSeconds)));
        if (register != null) {
            session.registerWith(new AwsService().registration(DeviceProfile.load(config),
                    session.job().ca().certificate(), aws.options(), awsSigns));
        }
        BenchDisplay display = new BenchDisplay(out(), BenchDisplay.terminal());
        if (board.isEmpty()) {
            SignalStop.run(session, display).requireAllDone();
            return 0;
        }
        try (BoardServer server = BoardServer.start(session, board.get(), Clock.systemUTC())) {
            out().printf("board: %s%s%n", server.url(), server.tokenRequired()
                    ? "  (open this URL; its token is shown only here)" : "");
            out().flush();
            SignalStop.run(session, BenchEvents.fanOut(display, server.events()));
            if (SignalStop.signalled()) {
                return 0; // the JVM is ending (130 or 143)
            }
            out().printf("board: the bench has ended; the board stays up at %s until Ctrl-C%n",
                    server.url().replaceFirst("\\?token=.*$", ""));
            out().flush();
            SignalStop.awaitCtrlC();
            return 0;
        }
    }
}
