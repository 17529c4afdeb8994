package dev.espfleet.services;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.bench.ThingNamePattern;
import dev.espfleet.bench.UnitResult;
import dev.espfleet.bench.eol.EndOfLineMode;
import dev.espfleet.common.EspfleetException;
import dev.espfleet.flasher.image.FlashRegion;
import dev.espfleet.generator.render.ProjectRenderer;
import dev.espfleet.nvs.PartitionTable;
import dev.espfleet.provisioning.CertificateAuthority;
import dev.espfleet.provisioning.KeyType;
import dev.espfleet.provisioning.ValidityPeriod;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchServiceTest {
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

    private BenchRequest request(Optional<Path> build, Optional<WifiSettings> wifi) {
        return new BenchRequest(config, ca, Optional.of(ca.resolve("ca.pem")), build, tmp.resolve("units"),
                Optional.empty(), ThingNamePattern.defaultPattern(), Optional.empty(), wifi, PortSpec.simulated(1), 460800,
                1, Optional.of("test"), Optional.empty(), Optional.empty());
    }

    /**
     * An ESP-IDF build folder as idf.py leaves it: flasher_args.json naming the chip, the partition table the
     * generated partitions.csv makes (or {@code csv}), and an app.
     */
    private Path build(String chip, Optional<String> csv) throws Exception {
        Path build = Files.createDirectories(tmp.resolve("build-" + chip));
        String partitions = csv.orElseGet(() -> new ProjectRenderer().render(DeviceProfile.load(config).config())
                .text("partitions.csv"));
        Files.write(build.resolve("partition-table.bin"),
                PartitionTable.fromCsv(partitions, "partitions.csv", PartitionTable.DEFAULT_OFFSET).toBinary());
        Files.write(build.resolve("app.bin"), new byte[0x2000]);
        Files.writeString(build.resolve("flasher_args.json"), """
                {"flash_files": {"0x8000": "partition-table.bin", "0x20000": "app.bin"},
                 "partition-table": {"offset": "0x8000", "file": "partition-table.bin"},
                 "extra_esptool_args": {"chip": "%s"}}
                """.formatted(chip));
        return build;
    }

    @Test
    void aBuildForAnotherChipFailsTheBoardWithWriteFlashsMessageAndRecordsNothing() throws Exception {
        BenchSession session = new BenchService().prepare(request(Optional.of(build("esp32s3", Optional.empty())),
                Optional.empty()));
        BenchOutcome outcome = session.run(new BenchEvents() {
        });
        UnitResult board = outcome.results().get(0);
        assertFalse(board.done());
        assertEquals("the build is for esp32s3, but the connected chip is ESP32", board.detail());
        EspfleetException failed = assertThrows(EspfleetException.class, outcome::requireAllDone);
        assertEquals(1, failed.status().code());
    }

    @Test
    void aBuildForThisChipIsWrittenWithTheIdentity() throws Exception {
        // --eol none: the simulated chip cannot run an ESP-IDF build (here a stand-in app of zeros)
        BenchSession session = new BenchService().prepare(request(Optional.of(build("esp32", Optional.empty())),
                Optional.empty()).withEndOfLine(EndOfLineMode.NONE));
        List<String> events = new ArrayList<>();
        BenchOutcome outcome = session.run(new BenchEvents() {
            @Override
            public void noWifiCredentials() {
                events.add("no Wi-Fi");
            }

            @Override
            public void started(int ports, String ledger, Path units, boolean firmware) {
                events.add("started " + ports + " " + firmware);
            }

            @Override
            public void benchFinished(List<UnitResult> results) {
                events.add("finished " + results.size());
            }
        });
        outcome.requireAllDone();
        assertEquals("verified 3 region(s)", outcome.results().get(0).detail());
        assertEquals(List.of("no Wi-Fi", "started 1 true", "finished 1"), events);
    }

    @Test
    void withABuildTheUnitsPassTheEndOfLineTestByDefaultReportingTheVersionOfItsApp() throws Exception {
        Path build = build("esp32", Optional.empty());
        Files.write(build.resolve("app.bin"), dev.espfleet.bench.standin.StandInFirmware.appImage("0.9.9", "lab"));
        dev.espfleet.bench.eol.EndOfLinePlan eol = new BenchService().prepare(request(Optional.of(build),
                Optional.empty())).job().endOfLine();
        assertEquals(EndOfLineMode.REPORT, eol.mode());
        assertEquals("0.9.9", eol.firmwareVersion(), "the build's, not the config's 1.0.0");
        assertEquals(java.time.Duration.ofSeconds(20), eol.reportTimeout());
    }

    @Test
    void aBuildWhosePartitionTableMovesTheIdentityPartitionIsRefusedBeforeAnyPort() throws Exception {
        String moved = """
                nvs,data,nvs,0x9000,0x6000,
                otadata,data,ota,0xf000,0x2000,
                phy_init,data,phy,0x11000,0x1000,
                certs,data,nvs,0x13000,0x6000,
                ota_0,app,ota_0,0x20000,0x1f0000,
                ota_1,app,ota_1,0x210000,0x1f0000,
                """;
        Path build = build("esp32", Optional.of(moved));
        EspfleetException e = assertThrows(EspfleetException.class,
                () -> new BenchService().prepare(request(Optional.of(build), Optional.empty())));
        assertEquals(build + " puts partition 'certs' at 0x13000 (0x6000 bytes), the config at 0x12000 (0x6000 bytes): "
                + "the build is not from this config (run espfleet build again)", e.getMessage());
        assertFalse(Files.exists(tmp.resolve("units")), "nothing written");
    }

    @Test
    void withWifiInTheNvsPartitionTheJobWritesItsImageThereAndTheIdentityImageHoldsNone() throws Exception {
        Files.writeString(config, DeviceProfileTest.BASE + "wifi:\n  partition: nvs\n");
        BenchSession session = new BenchService().prepare(request(Optional.empty(),
                Optional.of(new WifiSettings("lab-ap", "secret123"))));
        assertTrue(session.job().wifi().isEmpty(), "no Wi-Fi in the identity image");
        FlashRegion wifi = session.job().firmware().regions().get(0);
        assertEquals(0x9000, wifi.offset());
        assertEquals("Wi-Fi (nvs)", wifi.name());
    }

    @Test
    void optionsAreCheckedBeforeTheConfigIsRead() throws Exception {
        Files.writeString(config, "not: a config\n");
        BenchRequest r = request(Optional.empty(), Optional.empty());
        BenchRequest slow = new BenchRequest(r.config(), r.ca(), r.serverCa(), r.build(), r.units(), r.ledger(),
                r.namePattern(), r.endpoint(), r.wifi(), r.ports(), 12, r.boardsPerPort(), r.station(), r.eol(),
                r.eolTimeout());
        EspfleetException e = assertThrows(EspfleetException.class, () -> new BenchService().prepare(slow));
        assertEquals("--baud 12 is not a baud rate espfleet uses: expected 9600..5000000 (e.g. 115200, 460800, 921600)",
                e.getMessage());
    }
}
