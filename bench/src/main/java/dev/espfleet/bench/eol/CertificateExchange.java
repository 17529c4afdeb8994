package dev.espfleet.bench.eol;

import dev.espfleet.bench.console.ConsoleFrame;
import dev.espfleet.bench.console.ConsoleFrameReader;
import dev.espfleet.bench.console.ConsoleProtocol;
import dev.espfleet.bench.console.CsrReport;
import dev.espfleet.bench.console.DeviceReport;
import dev.espfleet.bench.console.FailReport;
import dev.espfleet.bench.console.Milestone;
import dev.espfleet.bench.console.StateReport;
import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.flasher.connection.Transport;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * identity.key_source device (docs/console-protocol.md, "Keys born on the device"): the unit is reset into its
 * application, which makes its key on the first boot and offers a certificate request ({@code csr}); the bench
 * reads it (asking with {@code query} every 2 s), has it certified ({@code certify}: the request checked and signed,
 * or the unit's recorded certificate when it is for the same key), sends the certificate and its chain
 * ({@code cert}), and waits until the unit says it stored it ({@code state certificate_stored}) or refused it
 * ({@code fail} identity). Every wait has its deadline; any failure is an {@link EspfleetException} (job failed).
 */
public final class CertificateExchange {
    private static final Duration READ_SLICE = Duration.ofMillis(100);

    /** The unit has no identity to make a request for (its identity partition is empty or erased). */
    public static final class NoIdentity extends EspfleetException {
        NoIdentity(String message) {
            super(ExitStatus.JOB_FAILED, message, null);
        }
    }

    /** The certificate and its chain (PEM) for a request, or why not. */
    public record Certificate(String certificatePem, String chainPem) {
    }

    private final Duration deadline;
    private final Consumer<String> log;
    private final Consumer<String> state;
    private final ConsoleTail tail = new ConsoleTail();
    private final ConsoleFrameReader reader = new ConsoleFrameReader(tail::add);

    public CertificateExchange(Duration deadline, Consumer<String> log, Consumer<String> state) {
        this.deadline = deadline;
        this.log = log;
        this.state = state;
    }

    /** Returns the request the unit offered (PEM) once it has stored the certificate {@code certify} gave for it. */
    public String run(Transport console, BooleanSupplier resetIntoApp, String thing,
                      Function<String, Certificate> certify) {
        long start = System.nanoTime();
        long end = start + deadline.toNanos();
        long nextQuery = start + ConsoleProtocol.QUERY_INTERVAL.toNanos();
        String csr = null;
        FailReport lastFail = null;
        try {
            console.setBaudRate(ConsoleProtocol.CONSOLE_BAUD);
            boolean reset = resetIntoApp.getAsBoolean();
            state.accept(reset ? "certificate: waiting for the unit's request"
                    : "certificate: press EN (reset) on the board: " + console.description() + " cannot reset it");
            byte[] buffer = new byte[4096];
            while (true) {
                long now = System.nanoTime();
                if (now - end >= 0) {
                    throw failed((csr == null ? "the unit offered no certificate request" : "the unit did not say it"
                            + " stored its certificate") + " within " + deadline.toSeconds() + " s of the reset"
                            + (lastFail != null ? "; it reported " + lastFail.describe() : "")
                            + tail.last().map(l -> "; last console line: " + l).orElse(""));
                }
                if (now - nextQuery >= 0) {
                    console.write(ConsoleFrame.query().encode());
                    nextQuery = now + ConsoleProtocol.QUERY_INTERVAL.toNanos();
                }
                int n = console.read(buffer, Duration.ofNanos(Math.max(1_000_000L,
                        Math.min(READ_SLICE.toNanos(), Math.min(end, nextQuery) - now))));
                for (ConsoleFrame frame : reader.feed(buffer, 0, n)) {
                    Optional<DeviceReport> report;
                    try {
                        report = DeviceReport.decode(frame);
                    } catch (DeviceReport.Invalid e) {
                        throw failed("the unit's report does not follow the console protocol: " + e.getMessage());
                    }
                    if (report.isEmpty()) {
                        continue;
                    }
                    if (report.get() instanceof CsrReport r && csr == null) {
                        log.accept("console: csr for " + r.thing() + ", key " + r.key());
                        if (!r.thing().equals(thing)) {
                            throw failed("the unit asks a certificate for '" + r.thing() + "', expected '" + thing
                                    + "': its identity partition holds another thing's name");
                        }
                        if (!r.key().equals("ec_p256")) {
                            throw failed("the unit's key is " + r.key() + "; this bench certifies ec_p256 keys");
                        }
                        csr = r.csrPem();
                        Certificate certificate = certify.apply(csr);
                        state.accept("certificate: sending it to the unit");
                        console.write(ConsoleFrame.cert(certificate.certificatePem(), certificate.chainPem()).encode());
                    } else if (report.get() instanceof StateReport s && csr != null
                            && s.is(Milestone.CERTIFICATE_STORED)) {
                        log.accept("console: state certificate_stored");
                        return csr;
                    } else if (report.get() instanceof FailReport f) {
                        log.accept("console: fail " + f.describe());
                        lastFail = f;
                        if (csr != null && f.stage().equals("identity")) {
                            throw failed("the unit refused its certificate: " + f.describe());
                        }
                        if (csr == null && f.stage().equals("identity")) {
                            failed("the unit has no identity: " + f.describe());
                            throw new NoIdentity("certificate: the unit read no identity from its NVS partition ("
                                    + f.describe() + ")");
                        }
                    }
                }
            }
        } catch (IOException e) {
            throw failed("the port went away during the certificate exchange (" + e.getMessage() + ")");
        }
    }

    private EspfleetException failed(String why) {
        log.accept("certificate: FAILED: " + why);
        if (!tail.lines().isEmpty()) {
            log.accept("console, last " + tail.lines().size() + " of " + reader.lines() + " line(s):");
            tail.lines().forEach(l -> log.accept("  | " + l));
        }
        return new EspfleetException(ExitStatus.JOB_FAILED, "certificate: " + why, null);
    }
}
