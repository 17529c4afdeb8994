package dev.espfleet.flasher.flash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.flasher.connection.ConnectOptions;
import dev.espfleet.flasher.image.FlashRegion;
import dev.espfleet.flasher.image.FlasherArgs;
import dev.espfleet.flasher.loader.RomLoader;
import dev.espfleet.flasher.sim.LinkTiming;
import dev.espfleet.flasher.sim.SimConfig;
import dev.espfleet.flasher.sim.SimLink;
import dev.espfleet.flasher.sim.SimulatedEsp32;
import dev.espfleet.flasher.targets.ChipSpec;
import dev.espfleet.model.Chip;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one check every write makes once the board answers, whichever command asked. */
class FlashPlanTest {
    @TempDir
    Path tmp;

    private static RomLoader esp32() {
        SimLink link = new SimLink(new SimulatedEsp32(SimConfig.esp32()), List.of(), LinkTiming.UNTIMED);
        return RomLoader.connect(link, ConnectOptions.defaults().withBefore(ConnectOptions.Before.NO_RESET)
                .withAfter(ConnectOptions.After.NO_RESET), line -> { });
    }

    /** An app image header (0xE9, one segment) whose extended header names {@code chip}. */
    static byte[] appImageFor(Chip chip) {
        byte[] image = new byte[0x1000];
        image[0] = (byte) 0xE9;
        image[1] = 1;
        int id = ChipSpec.of(chip).imageChipId();
        image[12] = (byte) id;
        image[13] = (byte) (id >> 8);
        return image;
    }

    @Test
    void aBuildForAnotherChipIsRefusedBeforeAnythingIsWritten() {
        FlashPlan plan = new FlashPlan(List.of(new FlashRegion("app.bin", 0x10000, new byte[0x1000])),
                Optional.of(Chip.ESP32S3), FlashPlan.HeaderSettings.KEEP);
        try (RomLoader loader = esp32()) {
            EspfleetException e = assertThrows(EspfleetException.class, () -> plan.checkedFor(loader, n -> { }));
            assertEquals("the build is for esp32s3, but the connected chip is ESP32", e.getMessage());
            assertEquals(2, e.status().code());
        }
    }

    @Test
    void anImageBuiltForAnotherChipIsRefusedEvenWithoutABuild() {
        FlashPlan plan = FlashPlan.of(List.of(new FlashRegion("app.bin", 0x10000, appImageFor(Chip.ESP32C3))));
        try (RomLoader loader = esp32()) {
            EspfleetException e = assertThrows(EspfleetException.class, () -> plan.checkedFor(loader, n -> { }));
            assertEquals("app.bin is built for ESP32-C3, but the connected chip is ESP32", e.getMessage());
        }
    }

    @Test
    void regionsThatOverlapOrPassTheEndOfFlashAreRefused() {
        FlashPlan plan = FlashPlan.of(List.of(new FlashRegion("a", 0x10000, new byte[0x2000])))
                .plus(new FlashRegion("b", 0x11000, new byte[0x1000]));
        try (RomLoader loader = esp32()) {
            EspfleetException e = assertThrows(EspfleetException.class, () -> plan.checkedFor(loader, n -> { }));
            assertEquals("a (0x10000..0x12000) overlaps b at 0x11000", e.getMessage());
        }
    }

    @Test
    void theBootloaderHeaderIsPatchedAsAskedAndTheNoteHeard() {
        byte[] bootloader = appImageFor(Chip.ESP32);
        FlashPlan plan = FlashPlan.of(List.of(new FlashRegion("bootloader.bin", 0x1000, bootloader)))
                .withHeader(new FlashPlan.HeaderSettings("dio", "keep", "keep"));
        List<String> notes = new ArrayList<>();
        try (RomLoader loader = esp32()) {
            List<FlashRegion> checked = plan.checkedFor(loader, notes::add);
            assertEquals(2, checked.get(0).data()[2]);
        }
        assertEquals(List.of("bootloader.bin: flash parameters in the image header set to 02 00"), notes);
    }

    @Test
    void aChipNameInFlasherArgsThatNoChipHasIsRefusedWhenTheBuildIsRead() throws Exception {
        Files.write(tmp.resolve("app.bin"), new byte[16]);
        Files.writeString(tmp.resolve("flasher_args.json"), """
                {"flash_files": {"0x10000": "app.bin"}, "extra_esptool_args": {"chip": "esp8266"}}
                """);
        EspfleetException e = assertThrows(EspfleetException.class, () -> FlashPlan.of(FlasherArgs.load(tmp)));
        assertEquals(tmp.resolve("flasher_args.json") + ": extra_esptool_args.chip 'esp8266' is not a chip espfleet "
                + "knows (expected esp32, esp32s2, esp32s3, esp32c3, esp32c6, esp32h2)", e.getMessage());
    }

    @Test
    void headerSettingsAreCheckedWhenMade() {
        EspfleetException e = assertThrows(EspfleetException.class,
                () -> new FlashPlan.HeaderSettings("fast", "keep", "keep"));
        assertEquals("--flash-mode fast: expected keep, qio, qout, dio or dout", e.getMessage());
    }
}
