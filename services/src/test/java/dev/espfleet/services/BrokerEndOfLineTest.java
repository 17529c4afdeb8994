package dev.espfleet.services;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.espfleet.bench.IdentityLedger;
import dev.espfleet.bench.ThingNamePattern;
import dev.espfleet.bench.UnitRecord;
import dev.espfleet.bench.UnitResult;
import dev.espfleet.bench.eol.EndOfLineMode;
import dev.espfleet.bench.eol.EndOfLineOutcome;
import dev.espfleet.bench.standin.ScriptedConsoleBoard.Network;
import dev.espfleet.bench.standin.ScriptedConsoleBoard.Script;
import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.provisioning.CertificateAuthority;
import dev.espfleet.provisioning.KeyType;
import dev.espfleet.provisioning.ValidityPeriod;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bench --ports sim:2 --endpoint 127.0.0.1:PORT --server-ca CA --eol connected} against mosquitto with
 * mutual TLS: the units (scripted boards that connect with the key, certificate, server CA and endpoint the bench
 * wrote to their NVS) are done when the broker took them as their things, and fail when it does not trust their CA.
 * Needs Debian's mosquitto; skipped only when it is missing.
 */
class BrokerEndOfLineTest {
    @TempDir
    Path tmp;
    Path caDir;
    CertificateAuthority ca;
    Path config = Path.of("..", "examples", "env-sensor.yaml");

    @BeforeEach
    void makeCa() {
        assumeTrue(DemoBroker.find().isPresent(), "mosquitto is not installed (apt-get install mosquitto)");
        caDir = tmp.resolve("ca");
        ca = CertificateAuthority.createRoot("bench CA", Optional.empty(), KeyType.EC_P256,
                ValidityPeriod.days(Instant.now(), 30), new SecureRandom());
        ca.saveNew(caDir);
    }

    private BenchOutcome bench(DemoBroker broker) {
        BenchSession session = new BenchService(Optional.of(new StandInSimulatedFirmware())).prepare(new BenchRequest(
                config, caDir, Optional.of(caDir.resolve("ca.pem")), Optional.empty(), tmp.resolve("units"),
                Optional.empty(), ThingNamePattern.defaultPattern(), Optional.of(broker.endpoint()), Optional.empty(),
                PortSpec.simulated(2), 460800, 1, Optional.of("test"), Optional.of(EndOfLineMode.CONNECTED),
                Optional.empty()));
        int identity = DeviceProfile.load(config).identityPartition().offset();
        return session.withPorts(SimulatedEndOfLineTest.scriptedBoards(2,
                Script.reporting(identity).withNetwork(Network.BROKER), new ArrayList<>())).run(new BenchEvents() {
                });
    }

    private List<UnitRecord> ledger() {
        try (IdentityLedger l = IdentityLedger.openExisting("jdbc:sqlite:" + tmp.resolve("units/ledger.db"))) {
            return l.list();
        }
    }

    @Test
    void withABrokerThatTrustsTheBenchCaBothUnitsConnectAsTheirThingsAndAreDone() {
        try (DemoBroker broker = DemoBroker.start(DemoBroker.find().orElseThrow(), tmp.resolve("broker"), ca,
                caDir.resolve("ca.pem"))) {
            BenchOutcome outcome = bench(broker);
            outcome.requireAllDone();
            for (UnitResult r : outcome.results()) {
                assertEquals(EndOfLineOutcome.CONNECTED, r.endOfLine().orElseThrow().outcome(), r.detail());
                assertTrue(r.detail().endsWith("end-of-line: connected to " + broker.endpoint() + " as "
                        + r.thingName().orElseThrow()), r.detail());
            }
            List<String> things = List.of("env-sensor-240ac4e50001", "env-sensor-240ac4e50002");
            for (String thing : things) {
                assertTrue(broker.clients().contains(new DemoBroker.Client(thing, thing)),
                        "the broker took " + thing + " as the user its certificate names: " + broker.clients());
            }
            assertTrue(ledger().stream().allMatch(u -> u.state() == UnitRecord.State.DONE
                    && u.endOfLine().orElseThrow().outcome() == EndOfLineOutcome.CONNECTED), ledger().toString());
        }
    }

    @Test
    void withABrokerThatDoesNotTrustTheBenchCaTheUnitsFailAndAreNotDone() {
        Path otherCa = tmp.resolve("other-ca");
        CertificateAuthority.createRoot("another CA", Optional.empty(), KeyType.EC_P256,
                ValidityPeriod.days(Instant.now(), 30), new SecureRandom()).saveNew(otherCa);
        try (DemoBroker broker = DemoBroker.start(DemoBroker.find().orElseThrow(), tmp.resolve("broker"), ca,
                otherCa.resolve("ca.pem"))) {
            BenchOutcome outcome = bench(broker);
            assertEquals(2, outcome.failed());
            for (UnitResult r : outcome.results()) {
                assertTrue(r.detail().startsWith("end-of-line: the unit did not reach its broker at " + broker.endpoint()
                        + ": mqtt failed: ESP_ERR_MBEDTLS_SSL_HANDSHAKE_FAILED (0x801a)"), r.detail());
            }
            EspfleetException e = assertThrows(EspfleetException.class, outcome::requireAllDone);
            assertEquals(ExitStatus.JOB_FAILED, e.status());
            assertEquals(List.of(), broker.clients());
            for (UnitRecord u : ledger()) {
                assertEquals(UnitRecord.State.ALLOCATED, u.state());
                assertEquals(EndOfLineOutcome.FAILED, u.endOfLine().orElseThrow().outcome());
            }
        }
    }

    @Test
    void theBrokerStopsWhenClosed() {
        DemoBroker broker = DemoBroker.start(DemoBroker.find().orElseThrow(), tmp.resolve("broker"), ca,
                caDir.resolve("ca.pem"));
        assertTrue(broker.running());
        broker.close();
        assertFalse(broker.running());
    }
}
