package dev.espfleet.services;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.bench.BenchPort;
import dev.espfleet.bench.ThingNamePattern;
import dev.espfleet.bench.UnitResult;
import dev.espfleet.bench.eol.EndOfLineMode;
import dev.espfleet.bench.eol.EndOfLineOutcome;
import dev.espfleet.bench.eol.EndOfLinePlan;
import dev.espfleet.bench.standin.ScriptedConsoleBoard;
import dev.espfleet.bench.standin.ScriptedConsoleBoard.Script;
import dev.espfleet.bench.standin.StandInFirmware;
import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.flasher.sim.SimulatedEsp32;
import dev.espfleet.nvs.PartitionTable;
import dev.espfleet.provisioning.CertificateAuthority;
import dev.espfleet.provisioning.KeyType;
import dev.espfleet.provisioning.ValidityPeriod;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Simulated ports and the end-of-line test: the bench writes the simulated firmware (here a stand-in for the host
 * module's SimFirmware) with the identity, and the boards (scripted console boards reading their simulated flash)
 * boot it and report.
 */
class SimulatedEndOfLineTest {
    @TempDir
    Path tmp;
    Path ca;
    Path config;

    @BeforeEach
    void makeCaAndConfig() throws Exception {
        ca = tmp.resolve("ca");
        CertificateAuthority.createRoot("test CA", Optional.empty(), KeyType.EC_P256,
                ValidityPeriod.days(Instant.now(), 30), new SecureRandom()).saveNew(ca);
        config = tmp.resolve("device.yaml");
        Files.writeString(config, DeviceProfileTest.BASE);
    }

    private BenchRequest request(int boards, Optional<EndOfLineMode> eol, Optional<Duration> timeout) {
        return new BenchRequest(config, ca, Optional.of(ca.resolve("ca.pem")), Optional.empty(), tmp.resolve("units"),
                Optional.empty(), ThingNamePattern.defaultPattern(), Optional.empty(), Optional.empty(),
                PortSpec.simulated(boards), 460800, 1, Optional.of("test"), eol, timeout);
    }

    /** What {@code sim:N} gives, each board running the scripted firmware on its simulated flash. */
    static List<BenchPort> scriptedBoards(int count, Script script, List<SimulatedEsp32> chips) {
        List<BenchPort> ports = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            SimulatedEsp32 chip = StandInFirmware.chip(i);
            chips.add(chip);
            ports.add(StandInFirmware.port("sim-" + i, chip, script, new CopyOnWriteArrayList<>()));
        }
        return ports;
    }

    static final class Events implements BenchEvents {
        final List<String> seen = new CopyOnWriteArrayList<>();

        @Override
        public void buildingSimulatedFirmware(Path cache) {
            seen.add("building " + cache);
        }

        @Override
        public void endOfLine(EndOfLinePlan plan, String endpoint) {
            seen.add("eol " + plan.mode().cliName() + " fw " + plan.firmwareVersion());
        }
    }

    @Test
    void simulatedPortsBootTheSimulatedFirmwareAndAreDoneWhenTheirReportMatches() throws Exception {
        StandInSimulatedFirmware firmware = new StandInSimulatedFirmware();
        BenchSession session = new BenchService(Optional.of(firmware)).prepare(request(2, Optional.empty(),
                Optional.empty()));
        assertEquals(EndOfLineMode.REPORT, session.job().endOfLine().mode(), "the default with firmware written");
        assertTrue(session.buildsSimulatedFirmware());
        assertEquals(List.of(), firmware.caches, "prepare builds nothing");

        List<SimulatedEsp32> chips = new ArrayList<>();
        int identity = DeviceProfile.load(config).identityPartition().offset();
        Events events = new Events();
        BenchOutcome outcome = session.withPorts(scriptedBoards(2, Script.reporting(identity), chips)).run(events);

        outcome.requireAllDone();
        for (UnitResult r : outcome.results()) {
            assertEquals(EndOfLineOutcome.REPORTED, r.endOfLine().orElseThrow().outcome(), r.detail());
            assertTrue(r.detail().startsWith("verified 3 region(s); end-of-line: report matches"), r.detail());
        }
        Path cache = tmp.resolve("units").resolve(BenchService.SIMULATED_FIRMWARE_CACHE);
        assertEquals(List.of(cache), firmware.caches, "built once for the run");
        assertEquals(List.of("building " + cache, "eol report fw 1.0.0"), events.seen);
        assertArrayEquals(StandInFirmware.appImage("1.0.0", "lab-sensor"),
                chips.get(0).flash().read(ScriptedConsoleBoard.APP_OFFSET, 0x400), "the firmware was written");
    }

    @Test
    void eolNoneOnSimulatedPortsWritesTheIdentityAloneAsBefore() {
        StandInSimulatedFirmware firmware = new StandInSimulatedFirmware();
        BenchSession session = new BenchService(Optional.of(firmware)).prepare(request(1,
                Optional.of(EndOfLineMode.NONE), Optional.empty()));
        assertFalse(session.buildsSimulatedFirmware());
        BenchOutcome outcome = session.run(new BenchEvents() {
        });
        outcome.requireAllDone();
        assertEquals("verified 1 region(s)", outcome.results().get(0).detail());
        assertEquals(List.of(), firmware.caches);
    }

    @Test
    void withoutSimulatedFirmwareSimulatedPortsGetTheIdentityAloneAndNoTestByDefault() {
        BenchSession session = new BenchService(Optional.empty()).prepare(request(1, Optional.empty(), Optional.empty()));
        assertEquals(EndOfLineMode.NONE, session.job().endOfLine().mode());
        assertFalse(session.buildsSimulatedFirmware());
    }

    @Test
    void anEndOfLineTestOnSimulatedPortsWithNothingToBootIsRefusedBeforeAnythingIsWritten() {
        EspfleetException e = assertThrows(EspfleetException.class, () -> new BenchService(Optional.empty())
                .prepare(request(1, Optional.of(EndOfLineMode.REPORT), Optional.empty())));
        assertEquals(ExitStatus.UNAVAILABLE, e.status());
        assertEquals("--eol report on simulated ports needs the simulated application firmware, which this espfleet "
                + "does not have", e.getMessage());
        assertFalse(Files.exists(tmp.resolve("units")));
    }

    @Test
    void anEolTimeoutOutsideOneSecondToHalfAnHourIsBadInput() {
        EspfleetException e = assertThrows(EspfleetException.class, () -> new BenchService(Optional.empty())
                .prepare(request(1, Optional.of(EndOfLineMode.NONE), Optional.of(Duration.ZERO))));
        assertEquals(ExitStatus.BAD_INPUT, e.status());
        assertEquals("--eol-timeout 0: expected 1 to 1800 seconds", e.getMessage());
    }

    @Test
    void theTimeoutIsTheWholeTestsDeadlineAndTheReportStaysDueWithinTwentySeconds() {
        BenchService service = new BenchService(Optional.of(new StandInSimulatedFirmware()));
        EndOfLinePlan connected = service.prepare(request(1, Optional.of(EndOfLineMode.CONNECTED),
                Optional.of(Duration.ofSeconds(90)))).job().endOfLine();
        assertEquals(Duration.ofSeconds(90), connected.connectTimeout());
        assertEquals(Duration.ofSeconds(20), connected.reportTimeout());
        EndOfLinePlan report = service.prepare(request(1, Optional.of(EndOfLineMode.REPORT),
                Optional.of(Duration.ofSeconds(45)))).job().endOfLine();
        assertEquals(Duration.ofSeconds(45), report.reportTimeout());
        EndOfLinePlan defaults = service.prepare(request(1, Optional.of(EndOfLineMode.CONNECTED), Optional.empty()))
                .job().endOfLine();
        assertEquals(Duration.ofSeconds(60), defaults.connectTimeout());
    }

    @Test
    void aSimulatedFirmwareWhosePartitionTableMovesTheIdentityIsRefused() {
        String moved = """
                nvs,data,nvs,0x9000,0x6000,
                otadata,data,ota,0xf000,0x2000,
                phy_init,data,phy,0x11000,0x1000,
                certs,data,nvs,0x13000,0x6000,
                ota_0,app,ota_0,0x20000,0x1f0000,
                ota_1,app,ota_1,0x210000,0x1f0000,
                """;
        BenchSession session = new BenchService(Optional.of(new StandInSimulatedFirmware(Optional.of(moved))))
                .prepare(request(1, Optional.empty(), Optional.empty()));
        EspfleetException e = assertThrows(EspfleetException.class, () -> session.run(new BenchEvents() {
        }));
        assertEquals("the simulated firmware (" + tmp.resolve("units").resolve(BenchService.SIMULATED_FIRMWARE_CACHE)
                + ") puts partition 'certs' at 0x13000 (0x6000 bytes), the config at 0x12000 (0x6000 bytes): the build "
                + "is not from this config (run espfleet build again)", e.getMessage());
        assertFalse(Files.exists(tmp.resolve("units/ledger.db")), "refused before the ledger was opened");
        assertTrue(PartitionTable.DEFAULT_OFFSET == 0x8000);
    }
}
