package dev.espfleet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.bench.IdentityLedger;
import dev.espfleet.bench.ThingNamePattern;
import dev.espfleet.bench.UnitResult;
import dev.espfleet.bench.eol.EndOfLineMode;
import dev.espfleet.bench.eol.EndOfLineOutcome;
import dev.espfleet.bench.eol.EndOfLinePlan;
import dev.espfleet.bench.eol.EndOfLineRecord;
import dev.espfleet.bench.eol.EndOfLineResult;
import dev.espfleet.model.MacAddress;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the operator sees of the end-of-line test: the plan, the summary's EOL column, and the ledger's. */
class EndOfLineDisplayTest {
    @TempDir
    Path tmp;

    private static EndOfLineResult eol(EndOfLineOutcome outcome, String detail) {
        return new EndOfLineResult(outcome, detail, Duration.ofMillis(900), Optional.empty(), 0);
    }

    @Test
    void theSummaryShowsEachUnitsEndOfLineResult() {
        StringWriter text = new StringWriter();
        BenchDisplay display = new BenchDisplay(new PrintWriter(text), false);
        display.endOfLine(EndOfLinePlan.of(EndOfLineMode.CONNECTED, "1.2.3", Optional.empty()), "127.0.0.1:18883");
        display.benchFinished(List.of(
                new UnitResult("sim-1", Optional.of("24:0a:c4:e5:00:01"), Optional.of("env-sensor-240ac4e50001"), true,
                        "verified 3 region(s); end-of-line: connected to 127.0.0.1:18883 as env-sensor-240ac4e50001",
                        Duration.ofMillis(2400), 0, Optional.of(eol(EndOfLineOutcome.CONNECTED, "connected"))),
                new UnitResult("sim-2", Optional.of("24:0a:c4:e5:00:02"), Optional.of("env-sensor-240ac4e50002"), false,
                        "end-of-line: no report within 20 s of the reset", Duration.ofMillis(21500), 0,
                        Optional.of(eol(EndOfLineOutcome.FAILED, "no report within 20 s of the reset"))),
                new UnitResult("sim-3", Optional.of("24:0a:c4:e5:00:03"), Optional.empty(), false,
                        "no reply from the chip", Duration.ofMillis(3000), 0, Optional.empty())));
        assertEquals("""
                end-of-line: connected: each unit is reset into its application; its report (due within 20 s) must \
                match the ledger (thing, certificate, MAC, endpoint, firmware 1.2.3), and it must reach \
                127.0.0.1:18883 as its thing within 60 s

                PORT       MAC               THING                            RESULT  EOL           TIME  DETAIL
                sim-1      24:0a:c4:e5:00:01 env-sensor-240ac4e50001          done    connected     2.4s  verified 3 \
                region(s); end-of-line: connected to 127.0.0.1:18883 as env-sensor-240ac4e50001
                sim-2      24:0a:c4:e5:00:02 env-sensor-240ac4e50002          FAILED  FAILED       21.5s  end-of-line: \
                no report within 20 s of the reset
                sim-3      24:0a:c4:e5:00:03 -                                FAILED  -             3.0s  no reply from \
                the chip
                1 of 3 units done
                """, text.toString());
    }

    @Test
    void ledgerListAndExportShowTheLastEndOfLineTest() {
        String url = "jdbc:sqlite:" + tmp.resolve("ledger.db");
        Instant at = Instant.parse("2026-01-05T10:00:09Z");
        try (IdentityLedger ledger = IdentityLedger.open(url)) {
            ThingNamePattern pattern = new ThingNamePattern("dev-{seq:04}");
            ledger.allocate(MacAddress.parse("24:0a:c4:00:00:01"), "dev", pattern, "st");
            ledger.allocate(MacAddress.parse("24:0a:c4:00:00:02"), "dev", pattern, "st");
            ledger.allocate(MacAddress.parse("24:0a:c4:00:00:03"), "dev", pattern, "st");
            ledger.markDone("24:0a:c4:00:00:01", "ab", "cd", new EndOfLineRecord(EndOfLineOutcome.REPORTED,
                    "report matches", at));
            ledger.recordEndOfLine("24:0a:c4:00:00:02", new EndOfLineRecord(EndOfLineOutcome.FAILED,
                    "certificate SHA-256: expected ab, got ef", at));
        }
        CliRun list = CliRun.of("ledger", "list", "--ledger", url);
        assertEquals(0, list.exitCode(), list.toString());
        List<String> lines = list.out().lines().map(String::stripTrailing).toList();
        assertEquals("SEQ    MAC               THING                            STATE     DONE AT                        "
                + "REGISTRATION END-OF-LINE", lines.get(0));
        assertEquals("1      24:0a:c4:00:00:01 dev-0001                         done      2026-01-05T10:00:09Z           "
                + "-            reported (2026-01-05T10:00:09Z)", lines.get(1));
        assertEquals("2      24:0a:c4:00:00:02 dev-0002                         allocated -                              "
                + "-            failed: certificate SHA-256: expected ab, got ef (2026-01-05T10:00:09Z)", lines.get(2));
        assertEquals("3      24:0a:c4:00:00:03 dev-0003                         allocated -                              "
                + "-            -", lines.get(3));

        CliRun csv = CliRun.of("ledger", "export", "--csv", "--ledger", url);
        List<String> rows = csv.out().lines().toList();
        assertEquals("sequence,mac,thing_name,state,certificate_sha256,station,allocated_at,done_at,identity_sha256,"
                + "eol_result,eol_detail,eol_at,registration,thing_arn,certificate_arn", rows.get(0));
        assertTrue(rows.get(2).endsWith(",,,failed,\"certificate SHA-256: expected ab, got ef\",2026-01-05T10:00:09Z,,,"),
                rows.get(2));
        assertTrue(rows.get(3).endsWith("Z,,,,,,,,"), "no test, no done: " + rows.get(3));
    }
}
