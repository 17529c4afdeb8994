package dev.espfleet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.espfleet.bench.IdentityLedger;
import dev.espfleet.bench.UnitRecord;
import dev.espfleet.bench.eol.EndOfLineOutcome;
import dev.espfleet.provisioning.CertificateAuthority;
import dev.espfleet.services.DemoBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The end-of-line test as a user runs it, with nothing standing in for the device: {@code bench --ports sim:2} builds
 * the example's generated firmware for Linux, the simulated ESP32s boot it from what the bench wrote to their flash,
 * and each unit's own console report and its MQTT connection to a real mosquitto (mutual TLS) decide whether it is
 * done.
 */
class EndOfLineInTheLoopTest {
    @TempDir
    Path tmp;

    private CliRun bench(Path ca, DemoBroker broker) {
        return CliRun.of("bench", "--config", "../examples/env-sensor.yaml", "--ca", ca.toString(), "--ports", "sim:2",
                "--units", tmp.resolve("units").toString(), "--endpoint", broker.endpoint().toString(),
                "--server-ca", ca.resolve("ca.pem").toString(), "--eol", "connected", "--eol-timeout", "60",
                "--wifi-ssid", "line-ap", "--wifi-password", "line-password");
    }

    private List<UnitRecord> ledger() {
        try (IdentityLedger l = IdentityLedger.openExisting("jdbc:sqlite:" + tmp.resolve("units/ledger.db"))) {
            return l.list();
        }
    }

    @Test
    void bothSimulatedUnitsBootTheirFirmwareReportTheirIdentityAndReachTheBrokerAsTheirThings() throws Exception {
        assumeTrue(DemoBroker.find().isPresent(), "mosquitto is not installed (.ci/run installs it)");
        Path ca = tmp.resolve("ca");
        Cli.run("ca", "init", "--out", ca.toString()).ok();
        CertificateAuthority issuer = CertificateAuthority.load(ca, Instant.now());
        try (DemoBroker broker = DemoBroker.start(DemoBroker.find().orElseThrow(), tmp.resolve("broker"), issuer,
                ca.resolve("ca.pem"))) {
            CliRun run = bench(ca, broker);
            assertEquals(0, run.exitCode(), run.toString());
            assertTrue(run.out().contains("2 of 2 units done"), run.out());
            for (String thing : List.of("env-sensor-240ac4e50001", "env-sensor-240ac4e50002")) {
                assertTrue(broker.clients().contains(new DemoBroker.Client(thing, thing)),
                        thing + " connected with its own certificate: " + broker.clients());
                assertTrue(run.out().contains("connected to " + broker.endpoint() + " as " + thing), run.out());
            }
            for (UnitRecord u : ledger()) {
                assertEquals(UnitRecord.State.DONE, u.state(), u.toString());
                assertEquals(EndOfLineOutcome.CONNECTED, u.endOfLine().orElseThrow().outcome(), u.toString());
            }
        }
    }

    @Test
    void aBrokerTheUnitsDoNotTrustFailsThemAndNothingIsRecordedDone() throws Exception {
        assumeTrue(DemoBroker.find().isPresent(), "mosquitto is not installed (.ci/run installs it)");
        Path ca = tmp.resolve("ca");
        Cli.run("ca", "init", "--out", ca.toString()).ok();
        Path other = tmp.resolve("other-ca");
        Cli.run("ca", "init", "--out", other.toString()).ok();
        // the broker's certificate comes from a CA the units were not given (--server-ca is the bench CA)
        CertificateAuthority stranger = CertificateAuthority.load(other, Instant.now());
        try (DemoBroker broker = DemoBroker.start(DemoBroker.find().orElseThrow(), tmp.resolve("broker"), stranger,
                ca.resolve("ca.pem"))) {
            CliRun run = bench(ca, broker);
            assertEquals(1, run.exitCode(), run.toString());
            assertTrue(run.err().contains("2 of 2 units failed"), run.err());
            assertTrue(run.out().contains("did not reach its broker at " + broker.endpoint()), run.out());
            assertEquals(List.of(), broker.clients());
            for (UnitRecord u : ledger()) {
                assertEquals(UnitRecord.State.ALLOCATED, u.state(), u.toString());
                assertEquals(EndOfLineOutcome.FAILED, u.endOfLine().orElseThrow().outcome(), u.toString());
            }
            assertTrue(Files.readString(tmp.resolve("units/env-sensor-240ac4e50001/bench.log")).contains("FAILED"));
        }
    }
}
