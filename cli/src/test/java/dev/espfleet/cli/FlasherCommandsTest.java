package dev.espfleet.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.flasher.command.Opcode;
import dev.espfleet.flasher.sim.Fault;
import dev.espfleet.flasher.sim.SimConfig;
import dev.espfleet.flasher.sim.SimServer;
import dev.espfleet.flasher.sim.SimulatedEsp32;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FlasherCommandsTest {
    @TempDir
    Path dir;

    private Path file(String name, int size, int seed) throws Exception {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        Path p = dir.resolve(name);
        Files.write(p, b);
        return p;
    }

    @Test
    void chipInfoOnTheSimulatorPrintsChipAndMac() {
        CliRun r = CliRun.of("chip-info", "--port", "sim");
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().contains("Chip:     ESP32 (revision v3.0)"), r.toString());
        assertTrue(r.out().contains("MAC:      24:0a:c4:00:00:01"), r.toString());
        assertTrue(r.out().contains("4 MB (JEDEC id c8 40 16)"), r.toString());
    }

    @Test
    void chipInfoKnowsTheLaterChips() {
        CliRun r = CliRun.of("chip-info", "--port", "sim:esp32c3", "--before", "no-reset");
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().contains("Chip:     ESP32-C3"), r.toString());
    }

    /** The generated firmware needs Wi-Fi, the flasher does not: it talks to the ESP32-H2 as to any chip. */
    @Test
    void chipInfoKnowsTheEsp32H2() {
        CliRun r = CliRun.of("chip-info", "--port", "sim:ESP32-H2", "--before", "no-reset");
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().contains("Chip:     ESP32-H2"), r.toString());
    }

    @Test
    void writeFlashOnTheSimulatorVerifiesTheImage() throws Exception {
        Path app = file("app.bin", 40_000, 1);
        CliRun r = CliRun.of("write-flash", "--port", "sim", "--baud", "921600", "0x10000", app.toString());
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.err().contains("app.bin: verified, MD5 "), r.toString());
        assertTrue(r.err().contains("changed baud rate to 921600"), r.toString());
    }

    @Test
    void misalignedOffsetIsBadInput() throws Exception {
        Path app = file("app.bin", 100, 2);
        CliRun r = CliRun.of("write-flash", "--port", "sim", "0x10001", app.toString());
        assertEquals(2, r.exitCode(), r.toString());
        assertTrue(r.err().contains("error: " + app + ": offset 0x10001 is not a multiple of 0x1000"), r.toString());
    }

    @Test
    void missingSerialPortIsUnavailableWithAHint() throws Exception {
        Path app = file("app.bin", 100, 3);
        CliRun r = CliRun.of("write-flash", "--port", "/dev/ttyESPFLEET404", "0x10000", app.toString());
        assertEquals(3, r.exitCode(), r.toString());
        assertTrue(r.err().contains("error: serial port /dev/ttyESPFLEET404 does not exist"), r.toString());
        assertTrue(r.err().contains("hint: "), r.toString());
    }

    @Test
    void badBeforeModeIsBadInput() {
        CliRun r = CliRun.of("chip-info", "--port", "sim", "--before", "sometimes");
        assertEquals(2, r.exitCode(), r.toString());
        assertTrue(r.err().contains("expected one of default-reset, usb-reset, no-reset, no-reset-no-sync"), r.toString());
    }

    @Test
    void writeThenVerifyOverSocketToTheSimServer() throws Exception {
        Path app = file("app.bin", 70_000, 4);
        Path other = file("other.bin", 70_000, 5);
        try (SimServer server = new SimServer(new SimulatedEsp32(SimConfig.esp32()), List.of(), "127.0.0.1", 0, l -> {
        }).start()) {
            String url = "socket://127.0.0.1:" + server.port();
            CliRun w = CliRun.of("write-flash", "--port", url, "--baud", "460800", "0x10000", app.toString());
            assertEquals(0, w.exitCode(), w.toString());
            assertTrue(w.err().contains("has no DTR/RTS lines"), w.toString());
            assertArrayEquals(Files.readAllBytes(app), server.chip().flash().read(0x10000, 70_000));

            CliRun ok = CliRun.of("verify", "--port", url, "0x10000", app.toString());
            assertEquals(0, ok.exitCode(), ok.toString());
            CliRun bad = CliRun.of("verify", "--port", url, "0x10000", other.toString());
            assertEquals(1, bad.exitCode(), bad.toString());
            assertTrue(bad.err().contains("error: verify failed"), bad.toString());
        }
    }

    @Test
    void cablePulledMidWriteFailsLoudly() throws Exception {
        Path app = file("app.bin", 20_000, 6);
        try (SimServer server = new SimServer(new SimulatedEsp32(SimConfig.esp32()),
                List.of(Fault.at(Fault.Kind.DISCONNECT, Opcode.FLASH_DATA, 5)), "127.0.0.1", 0, l -> {
                }).start()) {
            CliRun r = CliRun.of("write-flash", "--port", "socket://127.0.0.1:" + server.port(), "0x10000", app.toString());
            assertEquals(3, r.exitCode(), r.toString());
            assertTrue(r.err().contains("error: "), r.toString());
        }
    }

    @Test
    void eraseRegionThenReadFlashBack() throws Exception {
        try (SimServer server = new SimServer(new SimulatedEsp32(SimConfig.esp32()), List.of(), "127.0.0.1", 0, l -> {
        }).start()) {
            server.chip().flash().load(0x9000, new byte[0x2000]);
            String url = "socket://127.0.0.1:" + server.port();
            CliRun e = CliRun.of("erase-region", "--port", url, "0x9000", "0x1000");
            assertEquals(0, e.exitCode(), e.toString());
            Path out = dir.resolve("read.bin");
            CliRun r = CliRun.of("read-flash", "--port", url, "0x9000", "0x2000", out.toString());
            assertEquals(0, r.exitCode(), r.toString());
            byte[] read = Files.readAllBytes(out);
            for (int i = 0; i < 0x1000; i++) {
                assertEquals((byte) 0xFF, read[i], "erased byte " + i);
                assertEquals((byte) 0x00, read[0x1000 + i], "kept byte " + i);
            }
        }
    }

    @Test
    void flashBuildWritesEveryFileOfFlasherArgs() throws Exception {
        Path build = Files.createDirectories(dir.resolve("build"));
        Files.createDirectories(build.resolve("bootloader"));
        Files.createDirectories(build.resolve("partition_table"));
        Files.write(build.resolve("bootloader/bootloader.bin"), Files.readAllBytes(file("b", 0x5000, 7)));
        Files.write(build.resolve("partition_table/partition-table.bin"), Files.readAllBytes(file("p", 0xC00, 8)));
        Files.write(build.resolve("app.bin"), Files.readAllBytes(file("a", 0x20000, 9)));
        Files.writeString(build.resolve("flasher_args.json"), """
                {
                    "write_flash_args" : [ "--flash_mode", "dio", "--flash_size", "4MB", "--flash_freq", "40m" ],
                    "flash_settings" : { "flash_mode": "dio", "flash_size": "4MB", "flash_freq": "40m" },
                    "flash_files" : {
                        "0x1000" : "bootloader/bootloader.bin",
                        "0x10000" : "app.bin",
                        "0x8000" : "partition_table/partition-table.bin"
                    },
                    "extra_esptool_args" : { "after" : "hard_reset", "before" : "default_reset", "stub" : true, "chip" : "esp32" }
                }
                """);
        CliRun r = CliRun.of("flash", "--port", "sim", "--build", build.toString());
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.err().contains("bootloader/bootloader.bin: verified"), r.toString());
        assertTrue(r.err().contains("app.bin: verified"), r.toString());
        assertTrue(r.err().contains("partition_table/partition-table.bin: verified"), r.toString());

        CliRun wrong = CliRun.of("flash", "--port", "sim:esp32s3", "--before", "no-reset", "--build", build.toString());
        assertEquals(2, wrong.exitCode(), wrong.toString());
        assertTrue(wrong.err().contains("the build is for esp32, but the connected chip is ESP32-S3"), wrong.toString());
    }

    /** An ESP-IDF binary partition table with nvs, certs and factory entries, then the erased rest. */
    static byte[] partitionTable() {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(0xC00).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        Object[][] parts = {{"nvs", 1, 2, 0x9000, 0x6000}, {"certs", 1, 2, 0xF000, 0x1000}, {"factory", 0, 0, 0x10000, 0x100000}};
        for (Object[] p : parts) {
            b.put((byte) 0xAA).put((byte) 0x50).put((byte) (int) p[1]).put((byte) (int) p[2]).putInt((int) p[3]).putInt((int) p[4]);
            byte[] label = java.util.Arrays.copyOf(((String) p[0]).getBytes(java.nio.charset.StandardCharsets.US_ASCII), 16);
            b.put(label).putInt(0);
        }
        while (b.hasRemaining()) {
            b.put((byte) 0xFF);
        }
        return b.array();
    }

    @Test
    void flashBuildPutsAnNvsImageIntoTheNamedPartition() throws Exception {
        Path build = Files.createDirectories(dir.resolve("build2"));
        Files.write(build.resolve("pt.bin"), partitionTable());
        Files.write(build.resolve("app.bin"), Files.readAllBytes(file("a2", 0x8000, 10)));
        Files.writeString(build.resolve("flasher_args.json"), """
                {"flash_files": {"0x8000": "pt.bin", "0x10000": "app.bin"},
                 "partition-table": {"offset": "0x8000", "file": "pt.bin"}}
                """);
        Path certs = file("certs.bin", 0x1000, 11);
        try (SimServer server = new SimServer(new SimulatedEsp32(SimConfig.esp32()), List.of(), "127.0.0.1", 0, l -> {
        }).start()) {
            String url = "socket://127.0.0.1:" + server.port();
            CliRun r = CliRun.of("flash", "--port", url, "--build", build.toString(), "--nvs", certs.toString(),
                    "--partition", "certs");
            assertEquals(0, r.exitCode(), r.toString());
            assertArrayEquals(Files.readAllBytes(certs), server.chip().flash().read(0xF000, 0x1000));

            Path big = file("big.bin", 0x2000, 12);
            CliRun tooBig = CliRun.of("flash", "--port", url, "--build", build.toString(), "--nvs", big.toString(),
                    "--partition", "certs");
            assertEquals(2, tooBig.exitCode(), tooBig.toString());
            assertTrue(tooBig.err().contains("larger than partition 'certs' (4096 bytes at 0xf000)"), tooBig.toString());

            CliRun unknown = CliRun.of("flash", "--port", url, "--build", build.toString(), "--nvs", certs.toString(),
                    "--partition", "keys");
            assertEquals(2, unknown.exitCode(), unknown.toString());
            assertTrue(unknown.err().contains("no partition named 'keys' in the partition table (it has: nvs, certs, factory)"),
                    unknown.toString());
        }
    }

    @Test
    void monitorShowsWhatAChipWithErasedFlashPrints() {
        // the simulated chip boots its flash: erased, the ROM finds no bootloader image and says so
        CliRun r = CliRun.of("monitor", "--port", "sim", "--seconds", "1");
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().contains("rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\ninvalid header: 0xffffffff"),
                r.toString());
    }

    @Test
    void simRefusesAFlashFileOfAnotherSize() throws Exception {
        Path small = dir.resolve("small-flash.bin");
        Files.write(small, new byte[4096]);
        CliRun r = CliRun.of("sim", "--listen", "127.0.0.1:0", "--flash-file", small.toString());
        assertEquals(2, r.exitCode(), r.toString());
        assertTrue(r.err().contains("small-flash.bin is 4096 bytes; the simulated flash is 4194304 (4 MB)"), r.toString());
    }

    @Test
    void writeFlashWithAUserSuppliedStub() throws Exception {
        Path stub = dir.resolve("stub.json");
        Files.writeString(stub, "{\"entry\": 1074331648, \"text\": \""
                + java.util.Base64.getEncoder().encodeToString(new byte[4000]) + "\", \"text_start\": 1074331648}");
        Path app = file("app.bin", 50_000, 13);
        CliRun r = CliRun.of("write-flash", "--port", "sim", "--stub", stub.toString(), "0x10000", app.toString());
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.err().contains("stub running"), r.toString());

        Files.writeString(stub, "{\"entry\": 1, \"text\": 5}");
        CliRun bad = CliRun.of("chip-info", "--port", "sim", "--stub", stub.toString());
        assertEquals(2, bad.exitCode(), bad.toString());
        assertTrue(bad.err().contains("\"text\" must be base64 text (esptool stub format)"), bad.toString());
    }

    @Test
    void flashBenchPrintsATable() {
        CliRun r = CliRun.of("flash-bench", "--clock", "virtual", "--baud", "921600", "--size", "16384");
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.out().contains("| virtual | 921600 | incompressible | plain, 16384 B |"), r.toString());
    }

    @Test
    void simFaultSpecsAreParsedOrExplained() {
        assertEquals(new Fault(Fault.Kind.DELAY_REPLY, Opcode.SPI_FLASH_MD5, 1, 50),
                SimCommand.parseFault("delay-reply@spi_flash_md5#1+50ms"));
        assertEquals(new Fault(Fault.Kind.DROP_REPLY, Opcode.FLASH_DATA, 3, 0), SimCommand.parseFault("drop-reply@flash_data#3"));
        dev.espfleet.common.EspfleetException e = org.junit.jupiter.api.Assertions.assertThrows(
                dev.espfleet.common.EspfleetException.class, () -> SimCommand.parseFault("explode@flash_data#3"));
        assertTrue(e.getMessage().contains("unknown kind 'explode'"), e.getMessage());
        CliRun bad = CliRun.of("sim", "--listen", "127.0.0.1:0", "--mac", "24:0a:c4");
        assertEquals(2, bad.exitCode(), bad.toString());
        assertTrue(bad.err().contains("expected six hex bytes"), bad.toString());
    }

    @Test
    void traceShowsEveryFrame() {
        CliRun r = CliRun.of("chip-info", "--port", "sim", "--before", "no-reset", "--trace");
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.err().contains("host> SYNC"), r.toString());
        assertTrue(r.err().contains("chip< READ_REG"), r.toString());
    }
}
