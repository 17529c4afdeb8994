package dev.espfleet.flasher.flash;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.flasher.SimHarness;
import dev.espfleet.flasher.command.Opcode;
import dev.espfleet.flasher.connection.ConnectOptions;
import dev.espfleet.flasher.image.FlashRegion;
import dev.espfleet.flasher.loader.RomLoader;
import dev.espfleet.flasher.sim.Fault;
import dev.espfleet.flasher.sim.SimConfig;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Every fault kind at several points of a plain and of a compressed write. Each run must end with the flash
 * proven equal to the image, or with a loud failure (an exception with a non-zero exit status); never with
 * success and wrong flash. A single fault other than a pulled cable must be recovered from.
 */
class FaultMatrixTest {
    private static final int PLAIN_OFFSET = 0x10000;
    private static final byte[] PLAIN = SimHarness.pattern(12 * 1024, 11);
    /**
     * 62 KB: the ROM's compressed write changes flash up to offset + 64 KB (RomDeflateSpill), which is the end of
     * the image's own last sector, so it goes compressed alone.
     */
    private static final int DEFL_OFFSET = 0x20000;
    private static final byte[] DEFL = SimHarness.compressible(62 * 1024, 12);

    record Point(Opcode opcode, int occurrence) {
    }

    private static final List<Point> PLAIN_POINTS = List.of(new Point(Opcode.FLASH_BEGIN, 1),
            new Point(Opcode.FLASH_DATA, 1), new Point(Opcode.FLASH_DATA, 6), new Point(Opcode.FLASH_DATA, 12),
            new Point(Opcode.SPI_FLASH_MD5, 1), new Point(Opcode.SPI_FLASH_MD5, 2));
    private static final int DEFL_BLOCKS = (FlashWriter.zlib(DEFL).length + 1023) / 1024;
    private static final List<Point> DEFL_POINTS = List.of(new Point(Opcode.FLASH_DEFL_BEGIN, 1),
            new Point(Opcode.FLASH_DEFL_DATA, 1), new Point(Opcode.FLASH_DEFL_DATA, DEFL_BLOCKS / 2),
            new Point(Opcode.FLASH_DEFL_DATA, DEFL_BLOCKS));

    @Test
    void everyFaultEndsVerifiedOrFailsLoudly() {
        Map<String, Integer> counts = new TreeMap<>();
        List<String> failures = new ArrayList<>();
        int runs = 0;
        for (Fault.Kind kind : Fault.Kind.values()) {
            for (int delay : kind == Fault.Kind.DELAY_REPLY ? new int[] {5, 100} : new int[] {0}) {
                for (Point p : PLAIN_POINTS) {
                    runs++;
                    String outcome = run(new Fault(kind, p.opcode(), p.occurrence(), delay), PLAIN_OFFSET, PLAIN, failures);
                    counts.merge(kind + " " + outcome, 1, Integer::sum);
                }
                for (Point p : DEFL_POINTS) {
                    runs++;
                    String outcome = run(new Fault(kind, p.opcode(), p.occurrence(), delay), DEFL_OFFSET, DEFL, failures);
                    counts.merge(kind + " " + outcome, 1, Integer::sum);
                }
            }
        }
        System.out.println("fault matrix: " + runs + " runs (compressed image: " + DEFL_BLOCKS + " blocks)");
        counts.forEach((k, v) -> System.out.printf("  %-40s %d%n", k, v));
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    private static String run(Fault fault, int offset, byte[] image, List<String> failures) {
        SimHarness h = new SimHarness(SimConfig.esp32(), List.of(fault));
        h.chip.flash().load(offset, SimHarness.pattern(image.length, 99));
        String outcome;
        try (RomLoader loader = h.connect()) {
            new FlashWriter(loader, FlashOptions.defaults(), ProgressListener.NONE)
                    .write(List.of(new FlashRegion("image", offset, image)));
            if (!Arrays.equals(image, h.chip.flash().read(offset, image.length))) {
                failures.add(fault + ": reported success but the flash is wrong");
                return "WRONG-FLASH";
            }
            outcome = "verified";
        } catch (EspfleetException e) {
            assertNotEquals(ExitStatus.OK, e.status());
            outcome = "failed loudly (" + e.status() + ")";
            if (fault.kind() != Fault.Kind.DISCONNECT) {
                failures.add(fault + ": a single fault should be recovered from, got " + e.getMessage());
            }
        }
        if (h.link.fired().isEmpty()) {
            failures.add(fault + ": never fired (the matrix point does not exist)");
        }
        if (fault.kind() == Fault.Kind.DISCONNECT && outcome.equals("verified")) {
            failures.add(fault + ": a pulled cable cannot end verified");
        }
        return outcome;
    }

    /** Several faults at once, from fixed seeds: recovery may give up, but never with wrong flash. */
    @Test
    void combinedFaultsNeverEndInSuccessWithWrongFlash() {
        Opcode[] points = {Opcode.SYNC, Opcode.CHANGE_BAUDRATE, Opcode.FLASH_BEGIN, Opcode.FLASH_DATA,
            Opcode.FLASH_DATA, Opcode.FLASH_DATA, Opcode.SPI_FLASH_MD5};
        Map<String, Integer> counts = new TreeMap<>();
        List<String> failures = new ArrayList<>();
        for (int seed = 0; seed < 40; seed++) {
            java.util.Random r = new java.util.Random(seed);
            List<Fault> faults = new ArrayList<>();
            int n = 1 + r.nextInt(4);
            for (int i = 0; i < n; i++) {
                Fault.Kind kind = Fault.Kind.values()[r.nextInt(Fault.Kind.values().length)];
                Opcode op = points[r.nextInt(points.length)];
                int occurrence = 1 + r.nextInt(op == Opcode.FLASH_DATA ? 14 : 3);
                faults.add(new Fault(kind, op, occurrence, kind == Fault.Kind.DELAY_REPLY ? 5 + r.nextInt(80) : 0));
            }
            SimHarness h = new SimHarness(SimConfig.esp32(), faults);
            h.chip.flash().load(PLAIN_OFFSET, SimHarness.pattern(PLAIN.length, 98));
            String outcome;
            try (RomLoader loader = h.connect(SimHarness.options().withBaud(seed % 2 == 0 ? 115200 : 921600))) {
                new FlashWriter(loader, FlashOptions.defaults(), ProgressListener.NONE)
                        .write(List.of(new FlashRegion("image", PLAIN_OFFSET, PLAIN)));
                outcome = Arrays.equals(PLAIN, h.chip.flash().read(PLAIN_OFFSET, PLAIN.length)) ? "verified" : "WRONG-FLASH";
                if (outcome.equals("WRONG-FLASH")) {
                    failures.add("seed " + seed + " " + faults + ": reported success but the flash is wrong");
                }
            } catch (EspfleetException e) {
                assertNotEquals(ExitStatus.OK, e.status());
                outcome = "failed loudly (" + e.status() + ")";
                System.out.println("  seed " + seed + " " + faults + " -> " + e.getMessage());
            }
            counts.merge(outcome, 1, Integer::sum);
        }
        System.out.println("combined faults: 40 seeded runs " + counts);
        assertTrue(failures.isEmpty(), String.join("\n", failures));
    }

    /** A bit flip in CHANGE_BAUDRATE's payload (it has no checksum) leaves the chip at a rate nobody uses. */
    @Test
    void resetsAChipLostAtAnUnknownBaudRateWhereThePortHasTheLines() {
        SimHarness h = new SimHarness(SimConfig.esp32(), List.of(
                Fault.at(Fault.Kind.CORRUPT_HOST_BYTE, Opcode.CHANGE_BAUDRATE, 1)));
        try (RomLoader loader = h.connect(SimHarness.options().withBaud(921600)
                .withBefore(ConnectOptions.Before.DEFAULT_RESET))) {
            new FlashWriter(loader, FlashOptions.defaults(), ProgressListener.NONE)
                    .write(List.of(new FlashRegion("app.bin", PLAIN_OFFSET, PLAIN)));
        }
        assertArrayEquals(PLAIN, h.chip.flash().read(PLAIN_OFFSET, PLAIN.length));
        assertEquals(921600, h.chip.baud());
    }

    @Test
    void failsLoudlyWhenEveryVerifyIsGarbled() {
        List<Fault> faults = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
            faults.add(Fault.at(Fault.Kind.CORRUPT_REPLY, Opcode.SPI_FLASH_MD5, i));
        }
        SimHarness h = new SimHarness(SimConfig.esp32(), faults);
        try (RomLoader loader = h.connect()) {
            EspfleetException e = org.junit.jupiter.api.Assertions.assertThrows(EspfleetException.class,
                    () -> new FlashWriter(loader, FlashOptions.defaults().withSkipUnchanged(false), ProgressListener.NONE)
                            .write(List.of(new FlashRegion("app.bin", PLAIN_OFFSET, PLAIN))));
            assertEquals(ExitStatus.JOB_FAILED, e.status());
            assertTrue(e.getMessage().contains("expected MD5"), e.getMessage());
        }
    }

    @Test
    void recoversFromAResetAfterABaudChange() {
        SimHarness h = new SimHarness(SimConfig.esp32(), List.of(Fault.at(Fault.Kind.RESET, Opcode.FLASH_DATA, 4)));
        try (RomLoader loader = h.connect(SimHarness.options().withBaud(460800))) {
            new FlashWriter(loader, FlashOptions.defaults(), ProgressListener.NONE)
                    .write(List.of(new FlashRegion("app.bin", PLAIN_OFFSET, PLAIN)));
        } catch (EspfleetException e) {
            fail("should recover: " + e.getMessage());
        }
        assertArrayEquals(PLAIN, h.chip.flash().read(PLAIN_OFFSET, PLAIN.length));
        assertEquals(460800, h.chip.baud());
    }
}
