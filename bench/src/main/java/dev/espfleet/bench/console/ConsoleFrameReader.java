package dev.espfleet.bench.console;

import dev.espfleet.common.JsonReader;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Picks the frames out of a console's byte stream, as it arrives in chunks of any size: ROM and bootloader
 * banners, ESP_LOG lines with ANSI colours, partial lines, line noise. A line (up to {@code \n}; a {@code \r}
 * before it is dropped) holds a frame when, from one of its {@code @EF1} markers to its end, it is exactly
 * {@code @EF1 <kind> <json> *<crc>} with the right CRC-32 and one JSON object of at most
 * {@value ConsoleProtocol#MAX_JSON_BYTES} bytes in strict UTF-8. A line with a marker that holds no such frame,
 * and a line longer than {@value ConsoleProtocol#MAX_LINE_BYTES} bytes with a marker, count as damaged frames and
 * are otherwise ignored; a line without a marker is the console's own business.
 */
public final class ConsoleFrameReader {
    /** A line's bytes: at most its content and a {@code \r}. */
    private final byte[] line = new byte[ConsoleProtocol.MAX_LINE_BYTES + 1];
    private final Consumer<byte[]> lines;
    private int length;
    /** The line outgrew {@link ConsoleProtocol#MAX_LINE_BYTES}: the rest of it is skipped. */
    private boolean overlong;
    /** How much of the marker the bytes skipped so far end with, and whether they held one. */
    private int markerMatched;
    private boolean markerInOverlong;
    private long damaged;
    private long frames;
    private long lineCount;

    /** A reader that keeps no line. */
    public ConsoleFrameReader() {
        this(l -> {
        });
    }

    /** {@code lines} hears every complete line (without its line end), frames included; overlong ones cut. */
    public ConsoleFrameReader(Consumer<byte[]> lines) {
        this.lines = lines;
    }

    /** Feeds the next bytes of the stream; returns the frames completed by them, in order. */
    public List<ConsoleFrame> feed(byte[] bytes, int offset, int count) {
        List<ConsoleFrame> out = new ArrayList<>();
        for (int i = offset; i < offset + count; i++) {
            byte b = bytes[i];
            if (b == '\n') {
                endOfLine(out);
                continue;
            }
            if (overlong) {
                trackMarker(b);
                continue;
            }
            if (length == line.length) {
                // a byte more than a line may hold (its content and a '\r'): skip to the line's end
                overlong = true;
                markerInOverlong = indexOf(line, 0, length, 0) >= 0;
                markerMatched = 0;
                for (int k = length - (ConsoleProtocol.MARKER_BYTES.length - 1); k < length; k++) {
                    trackMarker(line[k]);
                }
                trackMarker(b);
                continue;
            }
            line[length++] = b;
        }
        return out;
    }

    public List<ConsoleFrame> feed(byte[] bytes) {
        return feed(bytes, 0, bytes.length);
    }

    /** Lines with a marker that held no valid frame (bad CRC, JSON, UTF-8, form or length). */
    public long damaged() {
        return damaged;
    }

    /** Valid frames so far. */
    public long frames() {
        return frames;
    }

    /** Complete lines so far. */
    public long lines() {
        return lineCount;
    }

    private void trackMarker(byte b) {
        byte[] m = ConsoleProtocol.MARKER_BYTES;
        if (b == m[markerMatched]) {
            markerMatched++;
        } else {
            markerMatched = b == m[0] ? 1 : 0;
        }
        if (markerMatched == m.length) {
            markerInOverlong = true;
            markerMatched = 0;
        }
    }

    private void endOfLine(List<ConsoleFrame> out) {
        lineCount++;
        int end = length;
        if (!overlong && end > 0 && line[end - 1] == '\r') {
            end--;
        }
        byte[] text = Arrays.copyOf(line, Math.min(end, ConsoleProtocol.MAX_LINE_BYTES));
        if (overlong || end > ConsoleProtocol.MAX_LINE_BYTES) {
            if (markerInOverlong || indexOf(line, 0, length, 0) >= 0) {
                damaged++;
            }
        } else {
            Optional<ConsoleFrame> frame = parse(end);
            if (frame.isPresent()) {
                frames++;
                out.add(frame.get());
            } else if (indexOf(line, 0, end, 0) >= 0) {
                damaged++;
            }
        }
        length = 0;
        overlong = false;
        markerInOverlong = false;
        markerMatched = 0;
        lines.accept(text);
    }

    /** The first marker of the line from which the rest of it is a valid frame. */
    private Optional<ConsoleFrame> parse(int end) {
        for (int m = indexOf(line, 0, end, 0); m >= 0; m = indexOf(line, 0, end, m + 1)) {
            ConsoleFrame f = frameAt(m, end);
            if (f != null) {
                return Optional.of(f);
            }
        }
        return Optional.empty();
    }

    /** {@code @EF1 <kind> <json> *<crc>} from {@code m} to {@code end}, or null. */
    private ConsoleFrame frameAt(int m, int end) {
        int p = m + ConsoleProtocol.MARKER_BYTES.length;
        if (p >= end || line[p] != ' ') {
            return null;
        }
        int kindStart = ++p;
        while (p < end && (line[p] >= 'a' && line[p] <= 'z' || line[p] == '_')) {
            p++;
        }
        int kindLength = p - kindStart;
        if (kindLength < 1 || kindLength > 16 || p >= end || line[p] != ' ') {
            return null;
        }
        int jsonStart = p + 1;
        int star = end - ConsoleProtocol.CRC_DIGITS - 1;
        int jsonEnd = star - 1; // the space before '*'
        if (jsonEnd <= jsonStart || line[jsonEnd] != ' ' || line[star] != '*') {
            return null;
        }
        if (jsonEnd - jsonStart > ConsoleProtocol.MAX_JSON_BYTES) {
            return null;
        }
        for (int i = star + 1; i < end; i++) {
            byte d = line[i];
            if (!(d >= '0' && d <= '9' || d >= 'a' && d <= 'f')) {
                return null;
            }
        }
        String crc = new String(line, star + 1, ConsoleProtocol.CRC_DIGITS, StandardCharsets.US_ASCII);
        if (!crc.equals(ConsoleFrame.crcHex(line, m, star - m))) {
            return null;
        }
        try {
            String json = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(line, jsonStart, jsonEnd - jsonStart)).toString();
            Map<String, Object> body = JsonReader.parseObject(json);
            return new ConsoleFrame(new String(line, kindStart, kindLength, StandardCharsets.US_ASCII), body);
        } catch (CharacterCodingException | JsonReader.Malformed e) {
            return null;
        }
    }

    /** Where the marker starts in {@code bytes[from..to)} at or after {@code at}; -1 if nowhere. */
    private static int indexOf(byte[] bytes, int from, int to, int at) {
        byte[] m = ConsoleProtocol.MARKER_BYTES;
        outer:
        for (int i = Math.max(from, at); i + m.length <= to; i++) {
            for (int k = 0; k < m.length; k++) {
                if (bytes[i + k] != m[k]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
