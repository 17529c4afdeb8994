package dev.espfleet.flasher.loader;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.flasher.RomTrace;
import dev.espfleet.flasher.command.Wire;
import dev.espfleet.flasher.connection.ConnectOptions;
import dev.espfleet.flasher.connection.Slip;
import dev.espfleet.flasher.connection.SlipDecoder;
import dev.espfleet.flasher.connection.Transport;
import dev.espfleet.flasher.flash.FlashOptions;
import dev.espfleet.flasher.flash.FlashWriter;
import dev.espfleet.flasher.flash.ProgressListener;
import dev.espfleet.flasher.image.FlashRegion;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The flasher against the real ROM's replies: a transport that answers each host frame with the chip frames
 * that followed the identical host frame in a transcript of the genuine ROM (test resources rom-traces/). A frame the transcript
 * does not contain gets no answer and is reported.
 */
class RomTraceReplayTest {

    static final class ReplayTransport implements Transport {
        private final RomTrace trace;
        private final SlipDecoder decoder = new SlipDecoder();
        private final ArrayDeque<Byte> toHost = new ArrayDeque<>();
        final List<String> unmatched = new ArrayList<>();
        int cursor;

        ReplayTransport(RomTrace trace) {
            this.trace = trace;
        }

        @Override
        public void write(byte[] data) {
            for (byte b : data) {
                byte[] frame = decoder.feed(b);
                if (frame != null) {
                    answer(frame);
                }
            }
        }

        /** The next occurrence after the last match, else the first one (a repeated READ_REG). */
        private void answer(byte[] frame) {
            List<RomTrace.Frame> f = trace.frames();
            int found = -1;
            for (int pass = 0; pass < 2 && found < 0; pass++) {
                for (int i = pass == 0 ? cursor : 0; i < f.size(); i++) {
                    if (f.get(i).fromHost() && java.util.Arrays.equals(f.get(i).packet(), frame)) {
                        found = i;
                        break;
                    }
                }
            }
            if (found < 0) {
                unmatched.add(Wire.hex(frame));
                return;
            }
            cursor = found + 1;
            for (int i = found + 1; i < f.size() && !f.get(i).fromHost(); i++) {
                for (byte b : Slip.encode(f.get(i).packet())) {
                    toHost.add(b);
                }
            }
        }

        @Override
        public int read(byte[] buffer, Duration timeout) {
            int n = 0;
            while (n < buffer.length && !toHost.isEmpty()) {
                buffer[n++] = toHost.poll();
            }
            return n;
        }

        @Override
        public void setBaudRate(int baud) {
        }

        @Override
        public boolean hasModemLines() {
            return false;
        }

        @Override
        public void setDtr(boolean asserted) {
        }

        @Override
        public void setRts(boolean asserted) {
        }

        @Override
        public String description() {
            return "replay of " + trace.name();
        }

        /** The transcript answers at once. */
        @Override
        public double timeoutScale() {
            return 0.01;
        }

        @Override
        public void close() {
        }
    }

    private static ConnectOptions options() {
        return ConnectOptions.defaults().withBefore(ConnectOptions.Before.NO_RESET)
                .withAfter(ConnectOptions.After.NO_RESET).withConnectAttempts(1);
    }

    /** The write transcript, since detect-and-flash-id.log has no SPI_SET_PARAMS (esptool flash_id skips it). */
    @Test
    void detectsTheChipFromTheRealRomsReplies() {
        ReplayTransport t = new ReplayTransport(RomTrace.load("write-plain-3k.log"));
        try (RomLoader loader = RomLoader.connect(t, options(), line -> {
        })) {
            ChipInfo info = loader.chipInfo();
            assertEquals("ESP32", info.chip().displayName());
            assertEquals("24:0a:c4:00:00:01", info.mac().toString());
            assertEquals("v3.0", info.revision());
            assertEquals("c8 40 16", info.jedecText());
        }
        assertTrue(t.unmatched.isEmpty(), "frames the real ROM was never sent: " + t.unmatched);
    }

    /**
     * The ROM's 8 copies of its answer to GET_SECURITY_INFO (unsupported-reply-repeats.log), then the rest of
     * a detection from write-plain-3k.log: the flasher must not take a stale copy for the answer to READ_REG.
     */
    @Test
    void detectsTheChipWhenTheRomRepeatsItsUnsupportedAnswer() {
        RomTrace repeats = RomTrace.load("unsupported-reply-repeats.log");
        RomTrace write = RomTrace.load("write-plain-3k.log");
        List<RomTrace.Frame> frames = new ArrayList<>(repeats.frames());
        while (frames.get(frames.size() - 1).fromHost()) {
            // the transcript ends with READ_REG, before the chip's answer
            frames.remove(frames.size() - 1);
        }
        int readReg = 0;
        while (!(write.frames().get(readReg).fromHost() && write.frames().get(readReg).command().equals("READ_REG"))) {
            readReg++;
        }
        frames.addAll(write.frames().subList(readReg, write.frames().size()));
        ReplayTransport t = new ReplayTransport(new RomTrace("unsupported-reply-repeats.log, then write-plain-3k.log", frames));
        try (RomLoader loader = RomLoader.connect(t, options(), line -> {
        })) {
            ChipInfo info = loader.chipInfo();
            assertEquals("ESP32", info.chip().displayName());
            assertEquals("24:0a:c4:00:00:01", info.mac().toString());
        }
        assertTrue(t.unmatched.isEmpty(), "frames the real ROM was never sent: " + t.unmatched);
    }

    @Test
    void writesAndVerifiesAgainstTheRealRomsReplies() {
        ReplayTransport t = new ReplayTransport(RomTrace.load("write-plain-3k.log"));
        byte[] image = RomTrace.resource("write-plain-3k.data.bin");
        try (RomLoader loader = RomLoader.connect(t, options(), line -> {
        })) {
            // no skip check: the transcript's only MD5 is the one after the write
            FlashWriter.RegionResult r = new FlashWriter(loader, FlashOptions.defaults().withSkipUnchanged(false),
                    ProgressListener.NONE).write(List.of(new FlashRegion("write-plain-3k.data.bin", 0x9000, image))).get(0);
            assertEquals(FlashWriter.md5Hex(image), r.md5());
            assertEquals(1, r.attempts());
        }
        assertTrue(t.unmatched.isEmpty(), "frames the real ROM was never sent: " + t.unmatched);
    }
}
