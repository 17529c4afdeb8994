package dev.espfleet.flasher.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.flasher.SimHarness;
import dev.espfleet.flasher.connection.ConnectOptions;
import dev.espfleet.flasher.connection.ResetSequence;
import dev.espfleet.flasher.connection.Transport;
import dev.espfleet.flasher.flash.FlashOptions;
import dev.espfleet.flasher.flash.FlashWriter;
import dev.espfleet.flasher.flash.ProgressListener;
import dev.espfleet.flasher.image.AppDescription;
import dev.espfleet.flasher.image.AppImage;
import dev.espfleet.flasher.image.BootloaderDescription;
import dev.espfleet.flasher.image.FlashRegion;
import dev.espfleet.flasher.image.HostPayload;
import dev.espfleet.flasher.image.ImageCheck;
import dev.espfleet.flasher.image.OtaData;
import dev.espfleet.flasher.loader.RomLoader;
import dev.espfleet.model.Chip;
import dev.espfleet.model.MacAddress;
import dev.espfleet.nvs.PartitionEntry;
import dev.espfleet.nvs.PartitionTable;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The simulated chip boots what is in its flash: the ROM's check of the bootloader image, the partition table,
 * otadata's slot, the app image's checks, and the host payload run as a process whose output is the chip's UART.
 * The application is a small C program ({@code sim-app/tiny_app.c}) built with gcc once for the class.
 */
class SimBootTest {
    static final int FLASH = 4 << 20;
    static final int OTADATA = 0xF000;
    static final int OTA_0 = 0x20000;
    static final int OTA_1 = 0x120000;
    static final int FACTORY = 0x220000;
    static byte[] elf;

    @TempDir
    static Path buildDir;
    @TempDir
    Path dir;
    private final List<SimulatedEsp32> chips = new ArrayList<>();

    @BeforeAll
    static void buildTinyApp() throws Exception {
        Path source = buildDir.resolve("tiny_app.c");
        try (InputStream in = SimBootTest.class.getResourceAsStream("/sim-app/tiny_app.c")) {
            Files.write(source, in.readAllBytes());
        }
        Path out = buildDir.resolve("tiny_app");
        Process gcc = new ProcessBuilder("gcc", "-std=gnu17", "-Wall", "-Wextra", "-Werror", "-O1", "-o", out.toString(),
                source.toString()).redirectErrorStream(true).start();
        String log = new String(gcc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, gcc.waitFor(), log);
        elf = Files.readAllBytes(out);
    }

    @AfterEach
    void stopChips() {
        chips.forEach(SimulatedEsp32::close);
    }

    static AppDescription description(String version) {
        return new AppDescription(0, version, "tiny_app", "", "", "v5.5", new byte[32], 0, 0xFFFF, 16);
    }

    static byte[] bootloader() {
        return HostPayload.bootloaderImage(Chip.ESP32, FLASH, new BootloaderDescription(0, 1, "v5.5", "Dec  6 2026 00:00:00"));
    }

    static byte[] app(String version) {
        return HostPayload.appImage(Chip.ESP32, FLASH, description(version), elf);
    }

    static byte[] table(boolean factory) {
        List<PartitionEntry> entries = new ArrayList<>(List.of(
                new PartitionEntry("nvs", 1, 2, 0x9000, 0x6000, false, false, 0),
                new PartitionEntry("otadata", 1, 0, OTADATA, 0x2000, false, false, 0),
                new PartitionEntry("ota_0", 0, 0x10, OTA_0, 0x100000, false, false, 0),
                new PartitionEntry("ota_1", 0, 0x11, OTA_1, 0x100000, false, false, 0)));
        if (factory) {
            entries.add(new PartitionEntry("factory", 0, 0x00, FACTORY, 0x100000, false, false, 0));
        }
        return new PartitionTable(entries).toBinary();
    }

    /** A chip powered up in download mode, its flash holding what {@code regions} put there. */
    SimulatedEsp32 chip(SimConfig config, FlashRegion... regions) {
        SimulatedEsp32 chip = new SimulatedEsp32(config);
        chips.add(chip);
        for (FlashRegion r : regions) {
            chip.flash().load(r.offset(), r.data());
        }
        return chip;
    }

    static FlashRegion region(String name, int offset, byte[] data) {
        return new FlashRegion(name, offset, data);
    }

    /** Everything a build flashes, with each slot holding an app of its own version and otadata as given. */
    static FlashRegion[] standard(byte[] otadata, boolean factory) {
        List<FlashRegion> r = new ArrayList<>(List.of(region("bootloader", 0x1000, bootloader()),
                region("partition-table", PartitionTable.DEFAULT_OFFSET, table(factory)),
                region("otadata", OTADATA, otadata), region("ota_0", OTA_0, app("slot-0")),
                region("ota_1", OTA_1, app("slot-1"))));
        if (factory) {
            r.add(region("factory", FACTORY, app("factory")));
        }
        return r.toArray(FlashRegion[]::new);
    }

    /** Reads the link until {@code done} holds for what came, or the deadline passes; returns what came. */
    static String readUntil(Transport link, Predicate<String> done, Duration deadline) throws IOException {
        ByteArrayOutputStream seen = new ByteArrayOutputStream();
        long end = System.nanoTime() + deadline.toNanos();
        byte[] buf = new byte[4096];
        while (System.nanoTime() < end) {
            int n = link.read(buf, Duration.ofMillis(50));
            seen.write(buf, 0, n);
            if (done.test(seen.toString(StandardCharsets.UTF_8))) {
                break;
            }
        }
        return seen.toString(StandardCharsets.UTF_8);
    }

    static String boot(SimulatedEsp32 chip, Predicate<String> done) throws IOException {
        SimLink link = new SimLink(chip);
        ResetSequence.hardReset(link);
        return readUntil(link, done, Duration.ofSeconds(10));
    }

    @Test
    void imagesAreValidForTheirChipAndDescribeThemselves() {
        byte[] image = app("1.2.3");
        AppImage parsed = AppImage.parse(image);
        assertEquals(2, parsed.segments().size());
        assertEquals(0x3F400020, parsed.segments().get(0).loadAddress());
        assertEquals(0x20, parsed.segments().get(0).fileOffset());
        assertTrue(parsed.problem(image).isEmpty());
        assertEquals(0, image.length % 16);
        assertEquals("1.2.3", AppDescription.of(image).orElseThrow().version());
        assertEquals("tiny_app", AppDescription.of(image).orElseThrow().projectName());
        ImageCheck.requireChip(new FlashRegion("app", OTA_0, image), Chip.ESP32);
        byte[] payload = HostPayload.in(parsed).orElseThrow().data();
        assertArrayEquals(elf, java.util.Arrays.copyOf(payload, elf.length));
        byte[] flipped = image.clone();
        flipped[200] ^= 1;
        assertTrue(AppImage.parse(flipped).problem(flipped).orElseThrow().contains("checksum"));
    }

    @Test
    void bootsTheAppWrittenThroughTheFlasherAndItsOutputComesOnTheSameLink() throws Exception {
        SimHarness h = new SimHarness(SimConfig.esp32().withMac(MacAddress.parse("24:0a:c4:12:34:56")), List.of());
        chips.add(h.chip);
        RomLoader loader = h.connect(SimHarness.options().withAfter(ConnectOptions.After.HARD_RESET));
        new FlashWriter(loader, FlashOptions.defaults(), ProgressListener.NONE).write(List.of(standard(
                OtaData.initial(OtaData.PARTITION_SIZE), false)));
        loader.finish();
        h.link.setBaudRate(115200);
        String console = readUntil(h.link, s -> s.contains("boot 2"), Duration.ofSeconds(10));
        assertTrue(console.contains("I (27) boot: ESP-IDF v5.5 2nd stage bootloader"), console);
        assertTrue(console.contains(" 2 ota_0            OTA app          00 10 00020000 00100000"), console);
        assertTrue(console.contains("No factory image, trying OTA 0"), console);
        assertTrue(console.contains("Loaded app from partition at offset 0x20000"), console);
        assertTrue(console.contains("Set actual ota_seq=1 in otadata[0]"), console);
        assertTrue(console.contains("tiny_app: boot 1 mac 24:0a:c4:12:34:56"), console);
        // exit 100 is esp_restart(): the chip resets (SW_CPU_RESET) and boots the same slot again
        assertTrue(console.contains("rst:0xc (SW_CPU_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)"), console);
        assertTrue(console.contains("tiny_app: boot 2"), console);
        assertEquals(OtaData.Entry.of(1, OtaData.STATE_VALID), OtaData.Entry.decode(h.chip.flash().read(OTADATA, 32), 0));
        // bytes the host sends go to the application
        h.link.write("hello app\r\n".getBytes(StandardCharsets.US_ASCII));
        assertTrue(readUntil(h.link, s -> s.contains("echo hello app"), Duration.ofSeconds(5)).contains("echo hello app"));
    }

    @Test
    void erasedFlashLoopsOnInvalidHeaderAndRunsNothing() throws Exception {
        SimulatedEsp32 chip = chip(SimConfig.esp32());
        String console = boot(chip, s -> s.contains("RTCWDT_RTC_RESET"));
        assertTrue(console.startsWith("ets Jul 29 2019 12:21:46\r\n\r\nrst:0x1 (POWERON_RESET),boot:0x13 "
                + "(SPI_FAST_FLASH_BOOT)\r\ninvalid header: 0xffffffff\r\ninvalid header: 0xffffffff\r\n"), console);
        assertTrue(console.contains("rst:0x10 (RTCWDT_RTC_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\ninvalid header"),
                console);
        assertTrue(chip.appPid().isEmpty());
    }

    @Test
    void aBootloaderWithABadChecksumStops() throws Exception {
        byte[] bad = bootloader();
        bad[40] ^= 1;
        SimulatedEsp32 chip = chip(SimConfig.esp32(), region("bootloader", 0x1000, bad));
        String console = boot(chip, s -> s.contains("ets_main.c"));
        assertTrue(console.contains("csum err:0x"), console);
        assertTrue(chip.appPid().isEmpty());
    }

    @Test
    void otadataPicksTheSlot() throws Exception {
        record Case(String name, byte[] otadata, boolean factory, String expected) {
        }
        OtaData.Entry seq1 = OtaData.Entry.of(1, OtaData.STATE_VALID);
        OtaData.Entry seq2 = OtaData.Entry.of(2, OtaData.STATE_VALID);
        OtaData.Entry seq4 = OtaData.Entry.of(4, OtaData.STATE_UNDEFINED);
        OtaData.Entry badCrc = new OtaData.Entry(2, OtaData.STATE_VALID, 0x12345678);
        List<Case> cases = List.of(
                new Case("empty, factory", OtaData.initial(0x2000), true, "version factory"),
                new Case("empty, no factory", OtaData.initial(0x2000), false, "version slot-0"),
                new Case("seq 1 in copy 0", OtaData.of(seq1, null), true, "version slot-0"),
                new Case("seq 2 in copy 1", OtaData.of(null, seq2), true, "version slot-1"),
                new Case("both valid: the higher seq wins", OtaData.of(seq2, seq1), true, "version slot-1"),
                new Case("seq 4 wraps to slot 1", OtaData.of(seq1, seq4), false, "version slot-1"),
                new Case("bad CRC on the higher seq", OtaData.of(seq1, badCrc), true, "version slot-0"),
                new Case("only a bad CRC, factory", OtaData.of(badCrc, null), true, "version factory"),
                new Case("aborted entry ignored", OtaData.of(seq1, OtaData.Entry.of(2, OtaData.STATE_ABORTED)), true,
                        "version slot-0"),
                new Case("invalid entry ignored", OtaData.of(OtaData.Entry.of(2, OtaData.STATE_INVALID), seq1), true,
                        "version slot-0"));
        for (Case c : cases) {
            SimulatedEsp32 chip = chip(SimConfig.esp32());
            for (FlashRegion r : standard(c.otadata(), c.factory())) {
                chip.flash().load(r.offset(), r.data());
            }
            SimBootloader loader = new SimBootloader(chip.flash(), dev.espfleet.flasher.targets.ChipSpec.of(Chip.ESP32),
                    false);
            SimBootloader.Outcome outcome = loader.boot();
            assertTrue(outcome instanceof SimBootloader.Outcome.RunApp, c.name() + ": " + loader.console());
            String version = "version " + ((SimBootloader.Outcome.RunApp) outcome).description().version();
            assertEquals(c.expected(), version, c.name() + ": " + loader.console());
            chip.close();
        }
    }

    @Test
    void withRollbackAPendingImageIsAbortedAtBoot() {
        SimulatedEsp32 chip = chip(SimConfig.esp32(), standard(OtaData.of(OtaData.Entry.of(1, OtaData.STATE_VALID),
                OtaData.Entry.of(2, OtaData.STATE_PENDING_VERIFY)), true));
        SimBootloader.Outcome outcome = new SimBootloader(chip.flash(),
                dev.espfleet.flasher.targets.ChipSpec.of(Chip.ESP32), true).boot();
        assertEquals("slot-0", ((SimBootloader.Outcome.RunApp) outcome).description().version());
        assertEquals(OtaData.STATE_ABORTED, OtaData.Entry.decode(chip.flash().read(OTADATA + 0x1000, 32), 0).state());
    }

    @Test
    void aCorruptAppIsNotBootableAndTheNextSlotIsTried() throws Exception {
        FlashRegion[] regions = standard(OtaData.of(null, OtaData.Entry.of(2, OtaData.STATE_VALID)), false);
        SimulatedEsp32 chip = chip(SimConfig.esp32(), regions);
        byte[] corrupt = app("slot-1");
        corrupt[100] ^= 1;
        chip.flash().load(OTA_1, corrupt);
        SimBootloader loader = new SimBootloader(chip.flash(), dev.espfleet.flasher.targets.ChipSpec.of(Chip.ESP32), false);
        SimBootloader.Outcome outcome = loader.boot();
        assertTrue(loader.console().contains("E (") && loader.console().contains("esp_image: Checksum failed"),
                loader.console());
        assertTrue(loader.console().contains("OTA app partition slot 1 is not bootable"), loader.console());
        assertEquals("slot-0", ((SimBootloader.Outcome.RunApp) outcome).description().version());
    }

    @Test
    void refusesAPayloadThatIsNotALinuxExecutableForThisHost() throws Exception {
        byte[] notElf = HostPayload.appImage(Chip.ESP32, FLASH, description("x"), "#!/bin/sh\necho hi\n".getBytes());
        SimulatedEsp32 chip = chip(SimConfig.esp32(), region("bootloader", 0x1000, bootloader()),
                region("pt", PartitionTable.DEFAULT_OFFSET, table(false)), region("ota_0", OTA_0, notElf));
        String console = boot(chip, s -> s.contains("not run"));
        assertTrue(console.contains("espfleet-sim: the host payload is not an ELF file (it starts 23 21 2f 62); "
                + "it is not run"), console);
        assertTrue(chip.appPid().isEmpty());
        byte[] riscv = elf.clone();
        riscv[18] = (byte) 243;
        riscv[19] = 0;
        assertTrue(SimApp.unsuitable(riscv).orElseThrow().contains("RISC-V"), SimApp.unsuitable(riscv).orElseThrow());
    }

    @Test
    void aResetKillsTheAppAndACrashShowsAPanicAndReboots() throws Exception {
        SimulatedEsp32 chip = chip(SimConfig.esp32(), standard(OtaData.initial(0x2000), false));
        SimLink link = new SimLink(chip);
        ResetSequence.hardReset(link);
        readUntil(link, s -> s.contains("boot 2"), Duration.ofSeconds(10));
        long pid = chip.appPid().orElseThrow();
        ProcessHandle process = ProcessHandle.of(pid).orElseThrow();
        link.write("crash\n".getBytes(StandardCharsets.US_ASCII));
        String crash = readUntil(link, s -> s.contains("boot 4"), Duration.ofSeconds(10));
        assertTrue(crash.contains("Guru Meditation Error: Core  0 panic'ed (the host process of the application ended "
                + "by signal 11)"), crash);
        assertTrue(crash.contains("Rebooting..."), crash);
        assertTrue(crash.contains("tiny_app: boot 3"), crash);
        assertFalse(process.isAlive());
        long second = chip.appPid().orElseThrow();
        // EN low (RTS asserted, DTR not): the chip stops, and so does its application
        link.setDtr(false);
        link.setRts(true);
        assertTrue(chip.appPid().isEmpty());
        assertFalse(ProcessHandle.of(second).map(ProcessHandle::isAlive).orElse(false));
        link.setRts(false);
    }

    @Test
    void aSimServerInAppModeBootsItsFlashFileForTheFirstClient() throws Exception {
        Path file = dir.resolve("served.bin");
        SimulatedEsp32 writer = chip(SimConfig.esp32().withFlashFile(file));
        for (FlashRegion r : standard(OtaData.initial(0x2000), false)) {
            writer.flash().load(r.offset(), r.data());
        }
        writer.close();
        SimulatedEsp32 served = chip(SimConfig.esp32().withFlashFile(file).withStartInDownloadMode(false));
        try (SimServer server = new SimServer(served, List.of(), "127.0.0.1", 0, line -> { }).start();
                java.net.Socket client = new java.net.Socket("127.0.0.1", server.port())) {
            client.setSoTimeout(10_000);
            InputStream in = client.getInputStream();
            ByteArrayOutputStream got = new ByteArrayOutputStream();
            byte[] buf = new byte[4096];
            long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!got.toString(StandardCharsets.UTF_8).contains("tiny_app: boot 2") && System.nanoTime() < end) {
                int n = in.read(buf);
                if (n < 0) {
                    break;
                }
                got.write(buf, 0, n);
            }
            String console = got.toString(StandardCharsets.UTF_8);
            assertTrue(console.startsWith("ets Jul 29 2019 12:21:46\r\n"), console); // nothing lost before the client
            assertTrue(console.contains("tiny_app: boot 2"), console);
        }
        assertTrue(served.appPid().isEmpty()); // closing the server ends the chip's application
    }

    @Test
    void aFlashFileIsKeptAndASecondSimulatorBootsFromIt() throws Exception {
        Path file = dir.resolve("flash.bin");
        SimulatedEsp32 first = chip(SimConfig.esp32().withFlashFile(file));
        assertEquals(FLASH, Files.size(file));
        for (FlashRegion r : standard(OtaData.initial(0x2000), false)) {
            first.flash().load(r.offset(), r.data());
        }
        assertTrue(boot(first, s -> s.contains("boot 2")).contains("tiny_app: boot 2"));
        first.close();
        byte[] onDisk = Files.readAllBytes(file);
        assertArrayEquals(app("slot-0"), java.util.Arrays.copyOfRange(onDisk, OTA_0, OTA_0 + app("slot-0").length));

        // a second simulator on the same file, started in application mode, boots what the first one left
        SimulatedEsp32 second = chip(SimConfig.esp32().withFlashFile(file).withStartInDownloadMode(false));
        SimLink link = new SimLink(second);
        String console = readUntil(link, s -> s.contains("tiny_app: boot 3"), Duration.ofSeconds(10));
        assertTrue(console.contains("tiny_app: boot 3"), console);
        assertTrue(console.startsWith("ets Jul 29 2019 12:21:46\r\n\r\nrst:0x1 (POWERON_RESET)"), console);
    }
}
