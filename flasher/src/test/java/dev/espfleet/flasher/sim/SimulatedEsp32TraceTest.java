package dev.espfleet.flasher.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.espfleet.flasher.RomTrace;
import dev.espfleet.flasher.command.Wire;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Replaying the host frames of a real ESP32 ROM transcript against the simulator gives the chip frames. */
class SimulatedEsp32TraceTest {

    /**
     * esptool drains the repeats of an answer to an unsupported command before its next command, so its
     * transcripts hold only the first copy; unsupported-reply-repeats.log, from a host that did not drain,
     * shows all {@value #UNSUPPORTED_REPLIES} (README of the traces).
     */
    private static final Set<String> DRAINED_BY_ESPTOOL = Set.of("detect-and-flash-id.log", "write-plain-3k.log",
            "write-deflate-4k.log");
    private static final int UNSUPPORTED_REPLIES = 8;

    @ParameterizedTest
    @ValueSource(strings = {"detect-and-flash-id.log", "write-plain-3k.log", "write-deflate-4k.log",
        "unsupported-reply-repeats.log"})
    void answersEveryHostFrameAsTheRealRomDid(String traceName) {
        RomTrace trace = RomTrace.load(traceName);
        SimulatedEsp32 sim = new SimulatedEsp32(configFor(traceName));
        List<RomTrace.Frame> frames = trace.frames();
        int i = 0;
        int compared = 0;
        while (i < frames.size()) {
            RomTrace.Frame host = frames.get(i++);
            assertEquals(true, host.fromHost(), "line " + host.line() + " should be a host frame");
            List<byte[]> expected = new ArrayList<>();
            while (i < frames.size() && !frames.get(i).fromHost()) {
                expected.add(frames.get(i++).packet());
            }
            List<byte[]> actual = sim.handle(host.packet());
            if (expected.isEmpty() && i == frames.size()) {
                // the transcript ends with this request, before the chip's answer
                continue;
            }
            if (DRAINED_BY_ESPTOOL.contains(traceName) && expected.size() == 1 && isUnsupportedAnswer(expected.get(0),
                    host.packet())) {
                expected = java.util.Collections.nCopies(UNSUPPORTED_REPLIES, expected.get(0));
            }
            assertEquals(expected.size(), actual.size(), "number of replies to " + host.command() + " at line "
                    + host.line());
            for (int r = 0; r < expected.size(); r++) {
                assertEquals(Wire.hex(expected.get(r)), Wire.hex(actual.get(r)),
                        "reply " + (r + 1) + " to " + host.command() + " at line " + host.line() + " of " + traceName);
                compared++;
            }
        }
        System.out.printf("%s: %d chip frames matched%n", traceName, compared);
    }

    /** Status 01 05 under another opcode than the request's: the ROM's answer to a command it does not know. */
    private static boolean isUnsupportedAnswer(byte[] reply, byte[] request) {
        int n = reply.length;
        return reply[1] != request[1] && n >= 12 && reply[n - 4] == 1 && reply[n - 3] == 5;
    }

    /**
     * The deflate transcript's chip read 0x50 from eFuse BLK0 word 4 (0x3FF5A010, the 8 MHz clock
     * calibration) where the other two read 0; everything else is the same chip.
     */
    static SimConfig configFor(String traceName) {
        SimConfig c = SimConfig.esp32();
        return traceName.startsWith("write-deflate") ? c.withRegister(0x3FF5A010, 0x50) : c;
    }

    @ParameterizedTest
    @ValueSource(strings = {"write-plain-3k", "write-deflate-4k"})
    void flashHoldsTheTracedImageAfterReplay(String name) {
        SimulatedEsp32 sim = new SimulatedEsp32(configFor(name + ".log"));
        for (RomTrace.Frame f : RomTrace.load(name + ".log").frames()) {
            if (f.fromHost()) {
                sim.handle(f.packet());
            }
        }
        byte[] image = RomTrace.resource(name + ".data.bin");
        assertArrayEquals(image, sim.flash().read(0x9000, image.length));
    }
}
