package dev.espfleet.flasher;

import dev.espfleet.flasher.connection.ConnectOptions;
import dev.espfleet.flasher.loader.RomLoader;
import dev.espfleet.flasher.sim.Fault;
import dev.espfleet.flasher.sim.LinkNoise;
import dev.espfleet.flasher.sim.LinkTiming;
import dev.espfleet.flasher.sim.SimConfig;
import dev.espfleet.flasher.sim.SimLink;
import dev.espfleet.flasher.sim.SimulatedEsp32;
import java.util.ArrayList;
import java.util.List;

/** A simulated chip on an untimed in-process link whose timeouts are short, since it answers at once. */
public final class SimHarness {
    public static final double TIMEOUT_SCALE = 0.01;

    public final SimulatedEsp32 chip;
    public final SimLink link;
    public final List<String> log = new ArrayList<>();

    public SimHarness(SimConfig config, List<Fault> faults) {
        chip = new SimulatedEsp32(config);
        link = new SimLink(chip, faults, LinkTiming.UNTIMED, LinkNoise.NONE, TIMEOUT_SCALE);
    }

    public SimHarness() {
        this(SimConfig.esp32(), List.of());
    }

    public static ConnectOptions options() {
        return ConnectOptions.defaults().withBefore(ConnectOptions.Before.NO_RESET)
                .withAfter(ConnectOptions.After.NO_RESET);
    }

    public RomLoader connect() {
        return RomLoader.connect(link, options(), log::add);
    }

    public RomLoader connect(ConnectOptions options) {
        return RomLoader.connect(link, options, log::add);
    }

    /**
     * A stand-in for esptool's stub JSON (espfleet ships no stub binary): the simulator takes a jump into
     * uploaded code as starting the stub.
     */
    public static dev.espfleet.flasher.image.StubImage standInStub(java.nio.file.Path dir) throws java.io.IOException {
        byte[] text = pattern(10_000, 31);
        byte[] data = pattern(300, 32);
        java.nio.file.Path f = dir.resolve("stub_flasher_32.json");
        java.util.Base64.Encoder b64 = java.util.Base64.getEncoder();
        java.nio.file.Files.writeString(f, String.format("{\"entry\": %d, \"text\": \"%s\", \"text_start\": %d, "
                + "\"data\": \"%s\", \"data_start\": %d}", 0x4009_0000L, b64.encodeToString(text), 0x4009_0000L,
                b64.encodeToString(data), 0x3FFE_0000L));
        return dev.espfleet.flasher.image.StubImage.load(f);
    }

    public static byte[] pattern(int size, int seed) {
        byte[] b = new byte[size];
        java.util.Random r = new java.util.Random(seed);
        r.nextBytes(b);
        return b;
    }

    /** Half random, half repeated text: compresses to about a half. */
    public static byte[] compressible(int size, int seed) {
        byte[] b = pattern(size, seed);
        byte[] text = "espfleet compressible filler ".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        for (int i = 0; i < size; i += 64) {
            for (int j = 0; j < 32 && i + j < size; j++) {
                b[i + j] = text[(i / 64 + j) % text.length];
            }
        }
        return b;
    }
}
