package dev.espfleet.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.flasher.sim.SimConfig;
import dev.espfleet.flasher.sim.SimServer;
import dev.espfleet.flasher.sim.SimulatedEsp32;
import dev.espfleet.nvs.NvsEntry;
import dev.espfleet.nvs.NvsPartitionReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One rule decides where Wi-Fi credentials go, and provision and the bench both follow it: where the firmware
 * reads them (the config's {@code wifi.partition}). With {@code wifi.partition: nvs} both write them into an
 * image of their own for the default {@code nvs} partition (provision as {@code wifi.bin} in the unit folder, the
 * bench onto the board, verified), never into identity.bin. (It was two rules: provision refused
 * {@code --wifi-ssid}, and the bench wrote the credentials into identity.bin, where the firmware never looks.)
 */
class WifiPlacementTest {
    /** The default nvs partition of every generated layout (PartitionLayout: right after the partition table). */
    static final int NVS_OFFSET = 0x9000;
    static final int NVS_SIZE = 0x6000;

    @TempDir
    Path tmp;
    Path ca;

    @BeforeEach
    void makeCa() {
        ca = tmp.resolve("ca");
        Cli.run("ca", "init", "--out", ca.toString()).ok();
    }

    private Path config(String wifi) throws Exception {
        Path config = tmp.resolve("device.yaml");
        Files.writeString(config, """
                product:
                  name: lab-sensor
                  firmware_version: 1.0.0
                aws:
                  endpoint: abc123-ats.iot.eu-west-1.amazonaws.com
                """ + wifi);
        return config;
    }

    private static List<NvsEntry> entries(byte[] image, String namespace) {
        return NvsPartitionReader.read(image).items().stream().filter(e -> namespace.equals(e.namespace())).toList();
    }

    private static final List<NvsEntry> LAB_WIFI = List.of(NvsEntry.string("wifi", "ssid", "lab-ap"),
            NvsEntry.string("wifi", "password", "secret123"));

    @Test
    void withWifiInTheNvsPartitionProvisionWritesItsOwnImageNotIdentityBin() throws Exception {
        Path config = config("wifi:\n  partition: nvs\n");
        Path unit = tmp.resolve("units/dev-001");
        Cli run = Cli.run("provision", "--config", config.toString(), "--thing", "dev-001", "--out", unit.toString(),
                "--ca", ca.toString(), "--server-ca", ca.resolve("ca.pem").toString(), "--wifi-ssid", "lab-ap",
                "--wifi-password", "secret123");
        assertEquals(0, run.exit(), run.err());

        assertEquals(List.of(), entries(Files.readAllBytes(unit.resolve("identity.bin")), "wifi"),
                "identity.bin holds no Wi-Fi: the firmware reads it from the nvs partition");
        byte[] wifi = Files.readAllBytes(unit.resolve("wifi.bin"));
        assertEquals(NVS_SIZE, wifi.length);
        assertEquals(LAB_WIFI, entries(wifi, "wifi"));
        for (String secret : List.of("wifi.bin", "wifi.csv")) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(unit.resolve(secret))),
                    secret + " holds the password");
        }
        assertTrue(run.out().contains("\nnext: register with " + unit.resolve("aws/register.sh") + ", then flash "
                + unit.resolve("identity.bin") + " into the 'certs' partition and " + unit.resolve("wifi.bin")
                + " into the 'nvs' partition\n"), run.out());
        assertFalse(run.out().contains("warning"), run.out());
    }

    @Test
    void withWifiInTheNvsPartitionTheBenchWritesItThereOnTheBoardNotIntoIdentityBin() throws Exception {
        Path config = config("wifi:\n  partition: nvs\n");
        Path units = tmp.resolve("units");
        try (SimServer board = new SimServer(new SimulatedEsp32(SimConfig.esp32()), List.of(), "127.0.0.1", 0,
                line -> { }).start()) {
            CliRun run = CliRun.of("bench", "--config", config.toString(), "--ca", ca.toString(), "--server-ca",
                    ca.resolve("ca.pem").toString(), "--units", units.toString(), "--ports",
                    "socket://127.0.0.1:" + board.port(), "--boards-per-port", "1", "--wifi-ssid", "lab-ap",
                    "--wifi-password", "secret123");
            assertEquals(0, run.exitCode(), run.toString());
            assertTrue(run.out().contains("1 of 1 units done"), run.out());

            Path unit = units.resolve("lab-sensor-240ac4000001");
            byte[] identity = Files.readAllBytes(unit.resolve("identity.bin"));
            assertEquals(List.of(), entries(identity, "wifi"), "identity.bin holds no Wi-Fi");
            byte[] onBoard = board.chip().flash().read(NVS_OFFSET, NVS_SIZE);
            assertEquals(LAB_WIFI, entries(onBoard, "wifi"), "the board's nvs partition holds the Wi-Fi");

            // the same credentials make the same image whichever command writes them
            Path provisioned = tmp.resolve("provisioned");
            Cli.run("provision", "--config", config.toString(), "--thing", "dev-002", "--out", provisioned.toString(),
                    "--ca", ca.toString(), "--server-ca", ca.resolve("ca.pem").toString(), "--wifi-ssid", "lab-ap",
                    "--wifi-password", "secret123").ok();
            assertArrayEquals(Files.readAllBytes(provisioned.resolve("wifi.bin")), onBoard);
        }
    }

    @Test
    void withWifiInTheIdentityPartitionBothPutItIntoIdentityBinAndNoWifiBin() throws Exception {
        Path config = config("");
        Path unit = tmp.resolve("units/dev-001");
        Cli.run("provision", "--config", config.toString(), "--thing", "dev-001", "--out", unit.toString(),
                "--ca", ca.toString(), "--server-ca", ca.resolve("ca.pem").toString(), "--wifi-ssid", "lab-ap",
                "--wifi-password", "secret123").ok();
        assertEquals(LAB_WIFI, entries(Files.readAllBytes(unit.resolve("identity.bin")), "wifi"));
        assertFalse(Files.exists(unit.resolve("wifi.bin")));

        Path units = tmp.resolve("bench-units");
        CliRun bench = CliRun.of("bench", "--config", config.toString(), "--ca", ca.toString(), "--server-ca",
                ca.resolve("ca.pem").toString(), "--units", units.toString(), "--ports", "sim:1", "--wifi-ssid",
                "lab-ap", "--wifi-password", "secret123");
        assertEquals(0, bench.exitCode(), bench.toString());
        Path benchUnit = units.resolve("lab-sensor-240ac4e50001");
        assertEquals(LAB_WIFI, entries(Files.readAllBytes(benchUnit.resolve("identity.bin")), "wifi"));
        assertFalse(Files.exists(benchUnit.resolve("wifi.bin")));
    }
}
