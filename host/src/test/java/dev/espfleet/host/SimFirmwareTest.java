package dev.espfleet.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.espfleet.flasher.connection.ConnectOptions;
import dev.espfleet.flasher.flash.FlashOptions;
import dev.espfleet.flasher.flash.FlashWriter;
import dev.espfleet.flasher.flash.ProgressListener;
import dev.espfleet.flasher.image.AppDescription;
import dev.espfleet.flasher.image.AppImage;
import dev.espfleet.flasher.image.FlashRegion;
import dev.espfleet.flasher.image.ImageCheck;
import dev.espfleet.flasher.loader.RomLoader;
import dev.espfleet.flasher.sim.SimConfig;
import dev.espfleet.flasher.sim.SimLink;
import dev.espfleet.flasher.sim.SimulatedEsp32;
import dev.espfleet.generator.config.ConfigLoader;
import dev.espfleet.generator.config.DeviceConfig;
import dev.espfleet.model.Chip;
import dev.espfleet.model.MacAddress;
import dev.espfleet.nvs.NvsCsv;
import dev.espfleet.nvs.NvsEntry;
import dev.espfleet.nvs.NvsVersion;
import dev.espfleet.nvs.PartitionEntry;
import dev.espfleet.nvs.PartitionTable;
import dev.espfleet.provisioning.Pem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The firmware a bench writes to a simulated chip (SimFirmware: the env-sensor example built with the host
 * runtime by real gcc, packed as an ESP-IDF app image), written through the flasher with a provisioned identity,
 * boots on the simulated ESP32 after a hard reset and reports on the same link: who it is (the thing name and the
 * certificate it read from its NVS, its eFuse MAC, its firmware version), how far it got, why it failed, and it
 * answers a query. The build is made once for the class.
 */
class SimFirmwareTest {
    static final Path HOST = Path.of("").toAbsolutePath();
    static final MacAddress MAC = MacAddress.parse("24:0a:c4:5e:00:07");

    @TempDir
    static Path cache;
    static DeviceConfig config;
    static SimFirmware firmware;

    @TempDir
    Path dir;
    private final List<SimulatedEsp32> chips = new ArrayList<>();

    @BeforeAll
    static void buildOnce() {
        assumeTrue(Files.isRegularFile(Path.of("/usr/include/mosquitto.h")),
                "the host build needs " + HostAppBuild.PACKAGES);
        config = ConfigLoader.load(HOST.resolve("../examples/env-sensor.yaml"));
        firmware = SimFirmware.build(config, cache);
    }

    @AfterEach
    void stopChips() {
        chips.forEach(SimulatedEsp32::close);
    }

    @Test
    void regionsAreWhatIdfFlashWritesAndTheSameConfigIsBuiltOnce() throws Exception {
        List<FlashRegion> r = firmware.regions();
        assertEquals(List.of(0x1000, 0x8000, 0xF000, 0x20000), r.stream().map(FlashRegion::offset).toList());
        assertEquals("1.2.3", firmware.version());
        byte[] app = r.get(3).data();
        AppDescription d = AppDescription.of(app).orElseThrow();
        assertEquals("env_sensor", d.projectName());
        assertEquals(HostAppBuild.IDF_VERSION, d.idfVersion());
        byte[] elf = Files.readAllBytes(firmware.directory().resolve("app.elf"));
        assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(elf)), d.elfSha256Hex());
        assertTrue(AppImage.parse(app).problem(app).isEmpty());
        for (FlashRegion region : r) {
            ImageCheck.requireChip(region, Chip.ESP32); // every image is for the config's chip
        }
        PartitionTable table = PartitionTable.fromBinary(r.get(1).data());
        assertEquals(0x2000, r.get(2).data().length);
        assertEquals(0xF000, table.find("otadata").orElseThrow().offset());

        long built = Files.getLastModifiedTime(firmware.directory().resolve("app.bin")).toMillis();
        SimFirmware again = SimFirmware.build(ConfigLoader.load(HOST.resolve("../examples/env-sensor.yaml")), cache);
        assertEquals(firmware.directory(), again.directory());
        assertEquals(built, Files.getLastModifiedTime(again.directory().resolve("app.bin")).toMillis());
        assertTrue(java.util.Arrays.equals(app, again.regions().get(3).data()));
    }

    @Test
    void theSameConfigBuiltElsewhereGivesTheSameImage() {
        SimFirmware elsewhere = SimFirmware.build(config, dir.resolve("another-cache"));
        for (int i = 0; i < firmware.regions().size(); i++) {
            assertTrue(java.util.Arrays.equals(firmware.regions().get(i).data(), elsewhere.regions().get(i).data()),
                    firmware.regions().get(i).name() + " differs between two builds of the same config");
        }
    }

    /** The unit's identity image with the endpoint it should dial (host:port) and the Wi-Fi SSID the app needs. */
    private FlashRegion identityRegion(Path unit, String endpoint) throws Exception {
        DeviceConfig.Identity id = config.identity();
        List<NvsCsv.Row> rows = new ArrayList<>();
        for (NvsCsv.Row row : NvsCsv.read(List.of(unit.resolve("identity.csv")))) {
            boolean isEndpoint = row.entry().key() != null && row.entry().key().equals(id.endpointKey().value());
            rows.add(isEndpoint ? new NvsCsv.Row(NvsEntry.string(row.entry().namespace(), row.entry().key(), endpoint),
                    row.location()) : row);
        }
        rows.add(new NvsCsv.Row(NvsEntry.string(config.wifi().namespace().value(), config.wifi().ssidKey().value(),
                HostNvsImages.HOST_SSID), "test"));
        byte[] image = NvsCsv.write(rows, id.partitionSize(), NvsVersion.V2, null);
        PartitionEntry certs = PartitionTable.fromBinary(firmware.regions().get(1).data())
                .find(id.partition().value()).orElseThrow();
        return new FlashRegion("identity.bin", (int) certs.offset(), image).asSecret();
    }

    /** A simulated chip in download mode, written through the flasher, then hard-reset into its application. */
    private SimLink flashAndBoot(FlashRegion identity) {
        SimulatedEsp32 chip = new SimulatedEsp32(SimConfig.esp32().withMac(MAC));
        chips.add(chip);
        SimLink link = new SimLink(chip);
        RomLoader loader = RomLoader.connect(link, ConnectOptions.defaults().withAfter(ConnectOptions.After.HARD_RESET),
                line -> { });
        List<FlashRegion> regions = new ArrayList<>(firmware.regions());
        regions.add(identity);
        new FlashWriter(loader, FlashOptions.defaults(), ProgressListener.NONE).write(regions);
        loader.finish();
        return link;
    }

    private static String certSha256(Path unit) throws Exception {
        byte[] der = Pem.readCertificates(unit.resolve("cert.pem")).get(0).getEncoded();
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(der));
    }

    @Test
    void bootsWhatWasWrittenReportsItsIdentityConnectsAndAnswersAQuery() throws Exception {
        Bench bench = Bench.create(dir);
        Path unit = bench.provision("sim-unit-001", config);
        try (Mosquitto broker = bench.startBroker()) {
            SimLink link = flashAndBoot(identityRegion(unit, "localhost:" + broker.port()));
            link.setBaudRate(115200);
            ConsoleFrames console = new ConsoleFrames(link);
            ConsoleFrames.Frame hello = console.await(f -> f.kind().equals("hello"), Duration.ofSeconds(20))
                    .orElseThrow(() -> new AssertionError("no hello:\n" + console.console()));
            assertEquals("sim-unit-001", hello.text("thing"), console.console());
            assertEquals(certSha256(unit), hello.text("cert_sha256"));
            assertEquals(MAC.toString(), hello.text("mac"));
            assertEquals("1.2.3", hello.text("fw"));
            assertEquals("env_sensor", hello.text("project"));
            assertEquals("esp32", hello.text("chip"));
            assertEquals("localhost:" + broker.port(), hello.text("endpoint"));
            assertEquals(1, hello.json().path("boot").asInt());
            String bootLog = console.console();
            assertTrue(bootLog.contains("rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)"), bootLog);
            assertTrue(bootLog.contains("Loaded app from partition at offset 0x20000"), bootLog);
            assertTrue(bootLog.contains("partition 'certs' from "), bootLog); // NVS read from the simulated flash

            ConsoleFrames.Frame connected = console.await(f -> f.kind().equals("state")
                    && "mqtt_connected".equals(f.text("milestone")), Duration.ofSeconds(20))
                    .orElseThrow(() -> new AssertionError("never connected:\n" + console.console()));
            assertEquals("sim-unit-001", connected.text("thing"));
            assertFalse(console.console().contains("PRIVATE KEY"), "a secret on the console");

            link.write(ConsoleFrames.encode("query", "{}"));
            ConsoleFrames.Frame answer = console.await(f -> f.kind().equals("hello"), Duration.ofSeconds(10))
                    .orElseThrow(() -> new AssertionError("query unanswered:\n" + console.console()));
            assertEquals(2, answer.json().path("boot").asInt());
            assertTrue(console.await(f -> f.kind().equals("state"), Duration.ofSeconds(5)).isPresent());

            // EN low: the chip, and its application, stop
            SimulatedEsp32 chip = link.chip();
            long pid = chip.appPid().orElseThrow();
            link.setDtr(false);
            link.setRts(true);
            assertTrue(chip.appPid().isEmpty());
            assertFalse(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
        }
    }

    @Test
    void aUnitThatCannotReachItsBrokerSaysWhy() throws Exception {
        Bench bench = Bench.create(dir);
        Path unit = bench.provision("sim-unit-002", config);
        SimLink link = flashAndBoot(identityRegion(unit, "127.0.0.1:1")); // nothing listens on port 1
        link.setBaudRate(115200);
        ConsoleFrames console = new ConsoleFrames(link);
        ConsoleFrames.Frame fail = console.await(f -> f.kind().equals("fail"), Duration.ofSeconds(20))
                .orElseThrow(() -> new AssertionError("no fail:\n" + console.console()));
        assertEquals("mqtt", fail.text("stage"));
        assertEquals("ESP_ERR_ESP_TLS_FAILED_CONNECT_TO_HOST", fail.text("err"), console.console());
        assertEquals(111, fail.json().path("errno").asInt()); // ECONNREFUSED
    }
}
