package dev.espfleet.services;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.flasher.connection.ConnectOptions;
import dev.espfleet.flasher.flash.FlashOptions;
import dev.espfleet.flasher.image.FlashRegion;
import dev.espfleet.flasher.flash.FlashPlan;
import dev.espfleet.flasher.sim.SimConfig;
import dev.espfleet.flasher.sim.SimServer;
import dev.espfleet.flasher.sim.SimulatedEsp32;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

class FlashServiceTest {
    private final FlashService flash = new FlashService();
    private final List<String> lines = new ArrayList<>();
    private final List<WriteReport> reports = new ArrayList<>();
    private final FlashListener listener = new FlashListener() {
        @Override
        public void line(String text) {
            lines.add(text);
        }

        @Override
        public void written(WriteReport report) {
            reports.add(report);
        }
    };

    private static PortConnection port(SimServer server) {
        return new PortConnection("socket://127.0.0.1:" + server.port(), ConnectOptions.defaults()
                .withAfter(ConnectOptions.After.NO_RESET), Optional.empty(), Optional.empty());
    }

    private static byte[] random(int size, int seed) {
        byte[] b = new byte[size];
        new Random(seed).nextBytes(b);
        return b;
    }

    @Test
    void writtenRegionsAreVerifiedAndTheReportHeardBeforeTheReset() throws Exception {
        byte[] app = random(20_000, 1);
        try (SimServer server = new SimServer(new SimulatedEsp32(SimConfig.esp32()), List.of(), "127.0.0.1", 0,
                l -> { }).start()) {
            WriteReport report = flash.write(port(server), FlashPlan.of(List.of(new FlashRegion("app.bin", 0x10000, app))),
                    FlashOptions.defaults(), listener);
            assertEquals(List.of(report), reports);
            assertEquals(20_000, report.bytesWritten());
            assertArrayEquals(app, server.chip().flash().read(0x10000, app.length));

            flash.verify(port(server), List.of(new FlashRegion("app.bin", 0x10000, app)), listener);
            EspfleetException mismatch = assertThrows(EspfleetException.class, () -> flash.verify(port(server),
                    List.of(new FlashRegion("other.bin", 0x10000, random(20_000, 2))), listener));
            assertEquals(1, mismatch.status().code());
            assertTrue(mismatch.getMessage().startsWith("verify failed: other.bin at 0x00010000"), mismatch.getMessage());
        }
    }

    @Test
    void aBuildForAnotherChipWritesNothing() throws Exception {
        try (SimServer server = new SimServer(new SimulatedEsp32(SimConfig.esp32()), List.of(), "127.0.0.1", 0,
                l -> { }).start()) {
            FlashPlan plan = new FlashPlan(List.of(new FlashRegion("app.bin", 0x10000, random(4096, 3))),
                    Optional.of(dev.espfleet.model.Chip.ESP32C3), FlashPlan.HeaderSettings.KEEP);
            EspfleetException e = assertThrows(EspfleetException.class,
                    () -> flash.write(port(server), plan, FlashOptions.defaults(), listener));
            assertEquals("the build is for esp32c3, but the connected chip is ESP32", e.getMessage());
            assertEquals(0, server.chip().flash().sectorsErased(), "nothing was written");
            assertEquals(List.of(), reports);
        }
    }

    @Test
    void verifyingAnEmptyFileIsRefusedBeforeAnyPortIsOpened() {
        PortConnection nowhere = new PortConnection("/dev/ttyESPFLEET404", ConnectOptions.defaults(), Optional.empty(),
                Optional.empty());
        EspfleetException e = assertThrows(EspfleetException.class,
                () -> flash.verify(nowhere, List.of(new FlashRegion("empty.bin", 0x10000, new byte[0])), listener));
        assertEquals("empty.bin is empty: there is nothing to compare with flash", e.getMessage());
    }
}
