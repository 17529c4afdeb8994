package dev.espfleet.flasher.sim;

import dev.espfleet.flasher.connection.ConnectOptions;
import dev.espfleet.flasher.flash.FlashOptions;
import dev.espfleet.flasher.flash.FlashWriter;
import dev.espfleet.flasher.flash.ProgressListener;
import dev.espfleet.flasher.image.FlashRegion;
import dev.espfleet.flasher.image.StubImage;
import dev.espfleet.flasher.loader.RomLoader;
import java.time.Duration;
import java.util.Random;

/**
 * Writes an image through the ROM path or the stub over a timed simulated link and measures the effective
 * payload rate against the wire limit of 8N1 serial, baud/10 bytes per second, and the flash's share of the
 * time. Prints nothing; the caller does.
 */
public final class FlashBenchmark {
    private FlashBenchmark() {
    }

    /**
     * One measured write. {@code flashWorkSeconds}: the chip's erasing and programming ({@link FlashTiming});
     * {@code flashWaitSeconds}: how long commands that had arrived waited for earlier flash work, which is the
     * part of the flash time the write did not hide behind the wire.
     */
    public record Result(int baud, String data, int bytes, int wireBytes, boolean compressed, double seconds,
            double flashWorkSeconds, double flashWaitSeconds) {
        /** Image bytes per second. */
        public double rate() {
            return bytes / seconds;
        }

        /** The rate as a share of baud/10. */
        public double percentOfWire() {
            return 100.0 * rate() / (baud / 10.0);
        }
    }

    /**
     * Writes {@code image} at 0x10000 on the real clock ({@code virtualClock} false) or on the link's own clock,
     * through esptool's stub when {@code stub} is not null (uploaded before the clock starts; the simulator
     * takes the jump into it as the stub starting), with a flash that erases and programs in {@code flash}'s time.
     */
    public static Result run(int baud, String dataKind, byte[] image, Duration turnaround, boolean virtualClock,
            StubImage stub, FlashTiming flash) {
        SimulatedEsp32 chip = new SimulatedEsp32(SimConfig.esp32().withFlashTiming(flash));
        // the timed link takes a real wire's time, so the loader waits as long as for a real chip
        SimLink link = new SimLink(chip, java.util.List.of(),
                virtualClock ? LinkTiming.virtualClock(turnaround) : LinkTiming.timed(turnaround), LinkNoise.NONE, 1.0);
        ConnectOptions options = ConnectOptions.defaults().withBefore(ConnectOptions.Before.NO_RESET)
                .withAfter(ConnectOptions.After.NO_RESET).withBaud(baud);
        int[] wire = {0};
        boolean[] compressed = {false};
        try (RomLoader loader = RomLoader.connect(link, options, stub, line -> {
        })) {
            long start = link.now();
            SimLink.FlashWork before = link.flashWork();
            new FlashWriter(loader, FlashOptions.defaults(), new ProgressListener() {
                @Override
                public void regionStarted(String name, int offset, int size, int wireBytes, boolean c) {
                    wire[0] = wireBytes;
                    compressed[0] = c;
                }
            }).write(java.util.List.of(new FlashRegion("bench.bin", 0x10000, image)));
            double seconds = (link.now() - start) / 1e9;
            SimLink.FlashWork after = link.flashWork();
            return new Result(baud, dataKind, image.length, wire[0], compressed[0], seconds,
                    (after.workNanos() - before.workNanos()) / 1e9, (after.waitNanos() - before.waitNanos()) / 1e9);
        }
    }

    /**
     * A stand-in for esptool's ESP32 stub, of its size (about 8 KB of code, 0.3 KB of data), for a benchmark
     * of the stub path without esptool's binary: the simulator has no CPU and runs no uploaded code.
     */
    public static StubImage standInStub() {
        return new StubImage("stand-in stub", 0x4009_0000, incompressible(8 * 1024), 0x4009_0000, incompressible(300),
                0x3FFE_0000);
    }

    /** Random bytes: what an encrypted or already compressed image looks like to zlib. */
    public static byte[] incompressible(int size) {
        byte[] b = new byte[size];
        new Random(1).nextBytes(b);
        return b;
    }

    /** Half of every 64 bytes random, half repeated text: compresses to a bit over half, like firmware. */
    public static byte[] compressible(int size) {
        byte[] b = incompressible(size);
        byte[] text = "espfleet firmware-like filler; strings, tables and code ".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        for (int i = 0; i < size; i += 64) {
            for (int j = 0; j < 32 && i + j < size; j++) {
                b[i + j] = text[(i / 64 + j) % text.length];
            }
        }
        return b;
    }
}
