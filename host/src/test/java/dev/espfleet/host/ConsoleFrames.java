package dev.espfleet.host;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.espfleet.flasher.connection.Transport;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.CRC32;

/**
 * Test support: reads the console protocol's frames (docs/console-protocol.md) from a chip's UART, written here
 * from the document (the bench has its own reader): a line holding {@code @EF1 <kind> <json> *<crc>}, the CRC-32
 * (java.util.zip.CRC32) of the bytes from '@' to the space before '*'. Everything else on the line is noise.
 */
final class ConsoleFrames {
    private static final Pattern FRAME = Pattern.compile("@EF1 ([a-z_]{1,16}) (\\{.*\\}) \\*([0-9a-f]{8})\\r*$");
    private static final ObjectMapper JSON = new ObjectMapper();

    record Frame(String kind, JsonNode json) {
        String text(String field) {
            return json.path(field).isNull() ? null : json.path(field).asText();
        }
    }

    private final Transport link;
    private final ByteArrayOutputStream console = new ByteArrayOutputStream();
    private final List<Frame> frames = new ArrayList<>();
    private int scanned;

    ConsoleFrames(Transport link) {
        this.link = link;
    }

    /** The frame of {@code line}, if it holds an intact one. */
    static Optional<Frame> parse(String line) {
        int at = line.lastIndexOf("@EF1 ");
        if (at < 0) {
            return Optional.empty();
        }
        Matcher m = FRAME.matcher(line.substring(at));
        if (!m.matches()) {
            return Optional.empty();
        }
        String covered = "@EF1 " + m.group(1) + " " + m.group(2) + " ";
        CRC32 crc = new CRC32();
        crc.update(covered.getBytes(StandardCharsets.UTF_8));
        if (crc.getValue() != Long.parseLong(m.group(3), 16)) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Frame(m.group(1), JSON.readTree(m.group(2))));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /** A frame as the bench sends it. */
    static byte[] encode(String kind, String json) {
        String covered = "@EF1 " + kind + " " + json + " ";
        CRC32 crc = new CRC32();
        crc.update(covered.getBytes(StandardCharsets.UTF_8));
        return String.format("%s*%08x\r\n", covered, crc.getValue()).getBytes(StandardCharsets.UTF_8);
    }

    /** Reads until a frame matching {@code wanted} arrives (returned) or the deadline passes (empty). */
    Optional<Frame> await(Predicate<Frame> wanted, Duration deadline) throws IOException {
        long end = System.nanoTime() + deadline.toNanos();
        byte[] buf = new byte[4096];
        while (true) {
            for (Frame f : frames) {
                if (wanted.test(f)) {
                    frames.remove(f);
                    return Optional.of(f);
                }
            }
            if (System.nanoTime() > end) {
                return Optional.empty();
            }
            int n = link.read(buf, Duration.ofMillis(50));
            console.write(buf, 0, n);
            String text = console.toString(StandardCharsets.UTF_8);
            int nl;
            while ((nl = text.indexOf('\n', scanned)) >= 0) {
                parse(text.substring(scanned, nl)).ifPresent(frames::add);
                scanned = nl + 1;
            }
        }
    }

    /** Reads the console (which keeps a simulated chip running) until {@code done} holds or the deadline passes. */
    void pumpUntil(BooleanSupplier done, Duration timeout) throws IOException {
        long end = System.nanoTime() + timeout.toNanos();
        while (!done.getAsBoolean() && System.nanoTime() < end) {
            await(f -> false, Duration.ofMillis(100));
        }
    }

    /** Reads until {@code text} is on the console; fails the test, showing the console, if it does not come. */
    void awaitText(String text, Duration timeout) throws IOException {
        pumpUntil(() -> console().contains(text), timeout);
        assertTrue(console().contains(text), "no '" + text + "' on the console:\n" + console());
    }

    /** Everything read so far. */
    String console() {
        return console.toString(StandardCharsets.UTF_8);
    }
}
