package dev.espfleet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoAndLedgerCommandTest {
    @TempDir
    Path tmp;

    @Test
    void demoProvisionsTwoSimulatedBoardsAndReworksThemOnTheSecondRun() throws Exception {
        Path dir = tmp.resolve("demo");
        CliRun first = CliRun.of("demo", "--dir", dir.toString(), "--config", "../examples/env-sensor.yaml");
        assertEquals(0, first.exitCode(), first.toString());
        assertTrue(first.out().contains("2 of 2 units done"), first.out());
        assertTrue(Files.isRegularFile(dir.resolve("firmware/main/aws_mqtt.c")));
        Path unit = dir.resolve("units/env-sensor-240ac4e50001");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(unit.resolve("key.pem"))));
        assertEquals("rw-------",
                PosixFilePermissions.toString(Files.getPosixFilePermissions(unit.resolve("identity.bin"))));
        String cert = Files.readString(unit.resolve("cert.pem"));

        CliRun second = CliRun.of("demo", "--dir", dir.toString(), "--config", "../examples/env-sensor.yaml");
        assertEquals(0, second.exitCode(), second.toString());
        assertTrue(second.out().contains("2. local CA: reusing"), second.out());
        assertEquals(cert, Files.readString(unit.resolve("cert.pem")), "rework keeps the certificate");

        String url = "jdbc:sqlite:" + dir.resolve("units/ledger.db");
        CliRun list = CliRun.of("ledger", "list", "--ledger", url);
        assertEquals(0, list.exitCode(), list.toString());
        assertEquals(3, list.out().lines().count(), list.out());
        assertTrue(list.out().contains("env-sensor-240ac4e50001"), list.out());
        CliRun csv = CliRun.of("ledger", "export", "--csv", "--ledger", url);
        assertTrue(csv.out().startsWith("sequence,mac,thing_name,state,certificate_sha256,station,"), csv.out());
        assertEquals(2, csv.out().lines().filter(l -> l.contains(",done,")).count(), csv.out());
        assertEquals(4, Files.readAllLines(dir.resolve("units/audit.jsonl")).stream()
                .filter(l -> l.contains("\"event\":\"unit-done\"")).count());
    }

    @Test
    void demoRefusesADirThatIsAFile() throws Exception {
        Path file = tmp.resolve("demo");
        Files.writeString(file, "x");
        CliRun run = CliRun.of("demo", "--dir", file.toString(), "--config", "../examples/env-sensor.yaml");
        assertEquals(2, run.exitCode(), run.toString());
        assertEquals("error: --dir " + file + " is a file, but the demo writes a folder there\n", run.err());
        assertEquals("", run.out());
    }

    @Test
    void benchRefusesABadPortListBeforeTouchingAnything() {
        CliRun run = CliRun.of("bench", "--config", "../examples/env-sensor.yaml", "--ca", tmp.resolve("ca").toString(),
                "--ports", "sim:0", "--units", tmp.resolve("units").toString());
        assertEquals(2, run.exitCode(), run.toString());
        assertEquals("error: --ports sim:0: expected sim:N with N from 1 to 64\n", run.err());
        assertTrue(Files.notExists(tmp.resolve("units")));
    }

    @Test
    void benchRefusesAConfigThatPinsOneThingNameForEveryBoard() {
        CliRun run = CliRun.of("bench", "--config", "../examples/all-types.yaml", "--ca", tmp.resolve("ca").toString(),
                "--ports", "sim:2", "--units", tmp.resolve("units").toString());
        assertEquals(2, run.exitCode(), run.toString());
        // the config named as the user gave it, as validate names it
        assertTrue(run.err().startsWith("error: ../examples/all-types.yaml: aws.thing_name pins one thing name into "
                + "the firmware"),
                run.err());
    }

    @Test
    void ledgerListNeedsALedger() {
        CliRun run = CliRun.of("ledger", "list", "--ledger", "jdbc:sqlite:" + tmp.resolve("nope/ledger.db"));
        assertEquals(2, run.exitCode(), run.toString());
        assertTrue(run.err().startsWith("error: no ledger at " + tmp.resolve("nope/ledger.db")), run.err());
    }

    @Test
    void readingALedgerWithATypoInItsNameCreatesNoLedger() throws Exception {
        Path typo = tmp.resolve("typo.db");
        for (String command : new String[] {"list", "export"}) {
            CliRun run = CliRun.of("ledger", command, "--ledger", "jdbc:sqlite:" + typo);
            assertEquals(2, run.exitCode(), run.toString());
            assertEquals("error: no ledger at " + typo + " (--ledger jdbc:sqlite:" + typo + ")\n"
                    + "hint: a bench makes the ledger (default: units/ledger.db); name an existing one with --ledger\n",
                    run.err());
        }
        try (var files = Files.list(tmp)) {
            assertEquals(0, files.count(), "reading made a file");
        }
    }
}
