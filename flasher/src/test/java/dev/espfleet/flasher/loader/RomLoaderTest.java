package dev.espfleet.flasher.loader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.common.ExitStatus;
import dev.espfleet.flasher.FlasherErrors;
import dev.espfleet.flasher.SimHarness;
import dev.espfleet.flasher.command.Opcode;
import dev.espfleet.flasher.connection.ConnectOptions;
import dev.espfleet.flasher.sim.Fault;
import dev.espfleet.flasher.sim.SimConfig;
import dev.espfleet.model.Chip;
import dev.espfleet.model.MacAddress;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class RomLoaderTest {

    @ParameterizedTest
    @EnumSource(Chip.class)
    void detectsEachChipAndReadsItsMac(Chip chip) {
        byte[] mac = {(byte) 0xaa, (byte) 0xbb, (byte) 0xcc, 0x01, 0x02, (byte) chip.ordinal()};
        SimHarness h = new SimHarness(SimConfig.esp32().withChip(chip).withMac(MacAddress.of(mac)).withFlashSize(8 << 20), List.of());
        try (RomLoader loader = h.connect()) {
            ChipInfo info = loader.chipInfo();
            assertEquals(chip, info.chip());
            assertEquals(String.format("aa:bb:cc:01:02:%02x", chip.ordinal()), info.mac().toString());
            assertEquals(8 << 20, info.flashSize());
        }
    }

    @Test
    void readsTheTracedEsp32AsEsptoolDid() {
        SimHarness h = new SimHarness();
        try (RomLoader loader = h.connect()) {
            ChipInfo info = loader.chipInfo();
            assertEquals("24:0a:c4:00:00:01", info.mac().toString());
            assertEquals("v3.0", info.revision());
            assertEquals("c8 40 16", info.jedecText());
            assertEquals(4 << 20, info.flashSize());
        }
    }

    /** The ROM answers GET_SECURITY_INFO 8 times (unsupported-reply-repeats.log); the copies are not answers to READ_REG. */
    @Test
    void detectsTheEsp32ThoughItsRomRepeatsTheAnswerToAnUnsupportedCommand() {
        SimHarness h = new SimHarness();
        try (RomLoader loader = h.connect()) {
            assertEquals(Chip.ESP32, loader.chip());
            assertEquals("24:0a:c4:00:00:01", loader.chipInfo().mac().toString());
        }
    }

    /**
     * A bit flipped on the wire in the status of SPI_ATTACH's reply: "garbled", not "refused ... error 0x00".
     * SPI_ATTACH may be sent again, and is, until the third garbled reply.
     */
    @Test
    void aCorruptedReplyIsReportedAsGarbledNotAsARefusal() {
        SimHarness h = new SimHarness(SimConfig.esp32(), List.of(Fault.at(Fault.Kind.CORRUPT_REPLY, Opcode.SPI_ATTACH, 1),
                Fault.at(Fault.Kind.CORRUPT_REPLY, Opcode.SPI_ATTACH, 2), Fault.at(Fault.Kind.CORRUPT_REPLY, Opcode.SPI_ATTACH, 3)));
        FlasherErrors.Garbled e = assertThrows(FlasherErrors.Garbled.class, h::connect);
        assertEquals(2, h.log.stream().filter(l -> l.startsWith("retrying SPI_ATTACH: garbled reply")).count(),
                h.log.toString());
        assertTrue(e.getMessage().startsWith("garbled reply from the chip to SPI_ATTACH (status bytes 01000000"),
                e.getMessage());
        assertEquals(ExitStatus.UNAVAILABLE, e.status());
    }

    @Test
    void switchesBaudRateAfterSync() {
        SimHarness h = new SimHarness();
        try (RomLoader loader = h.connect(SimHarness.options().withBaud(921600))) {
            assertEquals(921600, h.chip.baud());
            assertEquals("24:0a:c4:00:00:01", loader.chipInfo().mac().toString());
        }
    }

    @Test
    void resetsIntoTheLoaderWithDtrAndRts() {
        SimHarness h = new SimHarness(SimConfig.esp32().withStartInDownloadMode(false), List.of());
        try (RomLoader loader = h.connect(SimHarness.options().withBefore(ConnectOptions.Before.DEFAULT_RESET))) {
            assertEquals(Chip.ESP32, loader.chip());
        }
    }

    @Test
    void saysNoReplyWhenTheChipRunsItsApplication() {
        SimHarness h = new SimHarness(SimConfig.esp32().withStartInDownloadMode(false), List.of());
        FlasherErrors.NoReply e = assertThrows(FlasherErrors.NoReply.class,
                () -> h.connect(SimHarness.options().withConnectAttempts(2)));
        assertEquals(ExitStatus.UNAVAILABLE, e.status());
        assertTrue(e.hint().orElseThrow().contains("hold BOOT"), e.hint().orElseThrow());
    }
}
