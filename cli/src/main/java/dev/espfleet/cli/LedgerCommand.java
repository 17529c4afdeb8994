package dev.espfleet.cli;

import dev.espfleet.bench.IdentityLedger;
import dev.espfleet.bench.UnitRecord;
import dev.espfleet.bench.eol.EndOfLineOutcome;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code espfleet ledger}: the identity ledger of a bench. Its subcommands are listed in
 * {@link EspfleetCommand#SUBCOMMANDS}, which builds only the one a run names.
 */
@Command(name = "ledger", mixinStandardHelpOptions = true, description = "Show the identity ledger of a bench.")
final class LedgerCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new picocli.CommandLine.ParameterException(spec.commandLine(), "say list or export");
    }

    static class LedgerOption {
        @Option(names = "--ledger", paramLabel = "URL", description = "jdbc:sqlite:FILE or jdbc:postgresql://... "
                + "(default: jdbc:sqlite:units/ledger.db).")
        String url;

        String url() {
            if (url != null) {
                return url;
            }
            return "jdbc:sqlite:" + Path.of("units", "ledger.db");
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "One line per unit.")
    static final class ListCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @picocli.CommandLine.Mixin
        LedgerOption ledger;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try (IdentityLedger l = IdentityLedger.openExisting(ledger.url())) {
                out.printf("%-6s %-17s %-32s %-9s %-30s %-12s %s%n", "SEQ", "MAC", "THING", "STATE", "DONE AT",
                        "REGISTRATION", "END-OF-LINE");
                for (UnitRecord r : l.list()) {
                    // the variable-length column last; why a registration is pending after it
                    out.printf("%-6d %-17s %-32s %-9s %-30s %-12s %s%s%n", r.sequence(), r.mac(), r.thingName(),
                            r.state().name().toLowerCase(java.util.Locale.ROOT),
                            r.doneAt().map(Object::toString).orElse("-"), r.registration().describe(), endOfLine(r),
                            r.registration().detail().filter(d -> r.registration().state()
                                    == UnitRecord.RegistrationState.PENDING).map(d -> "; registration pending: " + d)
                                    .orElse(""));
                }
            }
            out.flush();
            return 0;
        }
    }

    /** The unit's last end-of-line test: its result, and what failed. */
    static String endOfLine(UnitRecord r) {
        return r.endOfLine().map(e -> e.outcome().word() + (e.outcome() == EndOfLineOutcome.FAILED
                ? ": " + e.detail() : "") + " (" + e.at() + ")").orElse("-");
    }

    @Command(name = "export", mixinStandardHelpOptions = true, description = "Every unit as CSV (RFC 4180).")
    static final class ExportCommand implements Callable<Integer> {
        @Spec
        CommandSpec spec;

        @picocli.CommandLine.Mixin
        LedgerOption ledger;

        @Option(names = "--csv", description = "CSV output (the only format, accepted for clarity).")
        boolean csv;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            try (IdentityLedger l = IdentityLedger.openExisting(ledger.url())) {
                out.print("sequence,mac,thing_name,state,certificate_sha256,station,allocated_at,done_at,"
                        + "identity_sha256,eol_result,eol_detail,eol_at,registration,thing_arn,certificate_arn\r\n");
                for (UnitRecord r : l.list()) {
                    out.print(String.join(",", Long.toString(r.sequence()), r.mac(), r.thingName(),
                            r.state().name().toLowerCase(java.util.Locale.ROOT), r.certificateFingerprint().orElse(""),
                            quote(r.station()), r.allocatedAt().toString(), r.doneAt().map(Object::toString).orElse(""),
                            r.identityFingerprint().orElse(""),
                            r.endOfLine().map(e -> e.outcome().word()).orElse(""),
                            quote(r.endOfLine().map(e -> e.detail()).orElse("")),
                            r.endOfLine().map(e -> e.at().toString()).orElse(""),
                            r.registration().state() == null ? "" : r.registration().describe(),
                            r.registration().thingArn().orElse(""),
                            r.registration().certificateArn().orElse("")) + "\r\n");
                }
            }
            out.flush();
            return 0;
        }

        private static String quote(String s) {
            return s.matches("[^,\"\r\n]*") ? s : "\"" + s.replace("\"", "\"\"") + "\"";
        }
    }
}
