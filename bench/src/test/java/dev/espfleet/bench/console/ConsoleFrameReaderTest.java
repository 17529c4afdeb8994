package dev.espfleet.bench.console;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The transcripts in src/test/resources/console were written by make_transcripts.py there, with frames
 * checksummed by Python's zlib.crc32: what an ESP32 running an ESP-IDF v5 app prints after a hard reset.
 */
class ConsoleFrameReaderTest {
    static byte[] resource(String name) throws IOException {
        try (InputStream in = ConsoleFrameReaderTest.class.getResourceAsStream("/console/" + name)) {
            return in.readAllBytes();
        }
    }

    private static List<String> kinds(List<ConsoleFrame> frames) {
        return frames.stream().map(f -> f.kind() + (f.body().containsKey("milestone") ? ":"
                + f.body().get("milestone") : "")).toList();
    }

    @Test
    void picksTheReportOutOfAnEspIdfBootLogWithColoursABrownOutAndAnInterleavedFrame() throws Exception {
        ConsoleFrameReader reader = new ConsoleFrameReader();
        List<ConsoleFrame> frames = reader.feed(resource("esp-idf-v5-boot-brownout-connected.console"));

        assertEquals(List.of("hello", "state:identity_loaded", "state:network_up", "hello", "state:identity_loaded",
                "state:network_up", "state:mqtt_connected"), kinds(frames));
        // the frame the brown-out cut and the one with a flipped bit
        assertEquals(2, reader.damaged());
        assertEquals(119, reader.lines());
        ConsoleFrame hello = frames.get(0);
        assertEquals("env-sensor-240ac4e50001", hello.body().get("thing"));
        assertEquals(new BigDecimal(1), hello.body().get("proto"));
        assertEquals("1199", frames.get(5).body().get("uptime_ms").toString(), "the intact copy, not the flipped one");
    }

    @Test
    void theStreamMayArriveInChunksOfAnySize() throws Exception {
        byte[] console = resource("esp-idf-v5-boot-brownout-connected.console");
        List<ConsoleFrame> whole = new ConsoleFrameReader().feed(console);
        Random random = new Random(16);
        for (int run = 0; run < 20; run++) {
            ConsoleFrameReader reader = new ConsoleFrameReader();
            List<ConsoleFrame> chunked = new ArrayList<>();
            for (int at = 0; at < console.length; ) {
                int n = Math.min(console.length - at, 1 + random.nextInt(run == 0 ? 1 : 300));
                chunked.addAll(reader.feed(console, at, n));
                at += n;
            }
            assertEquals(whole, chunked);
            assertEquals(2, reader.damaged());
        }
    }

    @Test
    void readsTheFailureOfATlsHandshake() throws Exception {
        ConsoleFrameReader reader = new ConsoleFrameReader();
        List<ConsoleFrame> frames = reader.feed(resource("esp-idf-v5-tls-refused.console"));
        assertEquals(List.of("hello", "state:identity_loaded", "state:network_up", "fail"), kinds(frames));
        assertEquals(0, reader.damaged());
        Map<String, Object> fail = frames.get(3).body();
        assertEquals(new BigDecimal(-0x7780), fail.get("tls"));
        assertEquals("ESP_ERR_MBEDTLS_SSL_HANDSHAKE_FAILED", fail.get("err"));
    }

    @Test
    void theBenchsQueryIsTheFrameZlibChecksums() throws Exception {
        assertArrayEquals(resource("query.frame"), ConsoleFrame.query().encode());
        assertEquals("@EF1 query {} *78e0233a\r\n", new String(ConsoleFrame.query().encode(), StandardCharsets.US_ASCII));
    }

    @Test
    void aFrameEndingInLfAloneIsAFrame() {
        byte[] crlf = ConsoleFrame.query().encode();
        byte[] lf = java.util.Arrays.copyOf(crlf, crlf.length - 1);
        lf[lf.length - 1] = '\n';
        assertEquals(1, new ConsoleFrameReader().feed(lf).size());
    }

    @Test
    void aFrameIsFoundAfterAnyBytesOnItsLineAndOnlyTheWholeOneCounts() {
        byte[] frame = new ConsoleFrame("state", Map.of("milestone", "network_up")).encode();
        String text = new String(frame, StandardCharsets.UTF_8);
        ConsoleFrameReader reader = new ConsoleFrameReader();
        // a frame cut short, then a whole one on the same line: the whole one is read
        List<ConsoleFrame> frames = reader.feed((text.substring(0, 20) + "\u001b[0m" + text)
                .getBytes(StandardCharsets.UTF_8));
        assertEquals(1, frames.size());
        assertEquals(0, reader.damaged());
        // a marker inside the JSON of a whole frame does not hide it
        byte[] tricky = new ConsoleFrame("fail", Map.of("stage", "mqtt", "detail", "@EF1 state {} *00000000"))
                .encode();
        assertEquals("@EF1 state {} *00000000", new ConsoleFrameReader().feed(tricky).get(0).body().get("detail"));
    }

    @Test
    void randomNoiseNeverYieldsAFrame() {
        Random random = new Random(1616);
        ConsoleFrameReader reader = new ConsoleFrameReader();
        byte[] marker = "@EF1 ".getBytes(StandardCharsets.US_ASCII);
        long framesSeen = 0;
        for (int run = 0; run < 3000; run++) {
            ByteArrayOutputStream noise = new ByteArrayOutputStream();
            int parts = 1 + random.nextInt(6);
            for (int p = 0; p < parts; p++) {
                switch (random.nextInt(4)) {
                    case 0 -> noise.writeBytes(marker); // markers, so that lines are tried as frames
                    case 1 -> noise.writeBytes(("state {\"milestone\":\"network_up\"} *"
                            + String.format("%08x", random.nextInt())).getBytes(StandardCharsets.US_ASCII));
                    case 2 -> noise.write(random.nextBoolean() ? '\n' : ' ');
                    default -> {
                        byte[] bytes = new byte[random.nextInt(200)];
                        random.nextBytes(bytes);
                        noise.writeBytes(bytes);
                    }
                }
            }
            framesSeen += reader.feed(noise.toByteArray()).size();
        }
        assertEquals(0, framesSeen);
        assertTrue(reader.damaged() > 1000, "lines with a marker were tried and counted: " + reader.damaged());
    }

    @Test
    void aFrameCutAnywhereIsNotAccepted() {
        byte[] frame = new ConsoleFrame("hello", Map.of("proto", 1, "fw", "1.2.3", "mac", "24:0a:c4:e5:00:01",
                "thing", "env-sensor-240ac4e50001", "cert_sha256", "ab".repeat(32))).encode();
        int lastCrcDigit = frame.length - 3; // before "\r\n"
        for (int cut = 0; cut <= lastCrcDigit; cut++) {
            ConsoleFrameReader reader = new ConsoleFrameReader();
            byte[] line = java.util.Arrays.copyOf(frame, cut + 1);
            line[cut] = '\n'; // the rest lost: the line ends where it was cut
            assertEquals(List.of(), reader.feed(line), "cut at " + cut);
            // followed by the rest of another line, as when a reset cuts the firmware's write
            ConsoleFrameReader other = new ConsoleFrameReader();
            byte[] joined = (new String(frame, 0, cut, StandardCharsets.ISO_8859_1) + "ets Jun  8 2016 00:22:57\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1);
            assertEquals(List.of(), other.feed(joined), "cut at " + cut);
        }
    }

    @Test
    void aBitFlippedAnywhereInAFrameIsRefusedAndCounted() {
        byte[] frame = new ConsoleFrame("state", Map.of("milestone", "mqtt_connected", "thing", "dev-1",
                "uptime_ms", 1766)).encode();
        for (int at = 0; at < frame.length - 2; at++) {
            for (int bit = 0; bit < 8; bit++) {
                byte[] bad = frame.clone();
                bad[at] ^= (byte) (1 << bit);
                if (bad[at] == '\n') {
                    continue; // the line ends early: a cut, tested above
                }
                ConsoleFrameReader reader = new ConsoleFrameReader();
                assertEquals(List.of(), reader.feed(bad), "bit " + bit + " of byte " + at);
            }
        }
    }

    @Test
    void aFrameWhoseJsonIsNotStrictJsonIsDamagedEvenWithTheRightCrc() {
        for (String json : new String[] {"{\"a\":1,\"a\":2}", "{\"a\":\"tab\there\"}", "{\"a\":01}", "[1]",
                "{\"a\":1} x", "{'a':1}", "{\"a\":\"\\x\"}"}) {
            ConsoleFrameReader reader = new ConsoleFrameReader();
            assertEquals(List.of(), reader.feed(handMade("state", json)), json);
            assertEquals(1, reader.damaged(), json);
        }
        ConsoleFrameReader reader = new ConsoleFrameReader();
        assertEquals(1, reader.feed(handMade("state", "{ \"a\" : [1, -2.5e3, true, null, {\"b\":\"\\u00e9\"}] }"))
                .size());
    }

    @Test
    void aFrameWhoseCrcIsInUpperCaseOrWhoseKindIsNotAWordIsDamaged() {
        String good = new String(handMade("state", "{}"), StandardCharsets.US_ASCII);
        String upper = good.substring(0, good.length() - 10) + good.substring(good.length() - 10).toUpperCase();
        ConsoleFrameReader reader = new ConsoleFrameReader();
        assertEquals(List.of(), reader.feed(upper.getBytes(StandardCharsets.US_ASCII)));
        assertEquals(List.of(), reader.feed(handMade("State", "{}")));
        assertEquals(List.of(), reader.feed(handMade("a_kind_of_seventeen".substring(0, 17), "{}")));
        assertEquals(3, reader.damaged());
        assertEquals(1, new ConsoleFrameReader().feed(handMade("a_kind_of_sixteen".substring(0, 16), "{}")).size());
    }

    @Test
    void aLineLongerThan8192BytesIsIgnoredAndCounted() {
        // JSON of 6144 bytes: the largest frame, read; one byte more, refused
        String atLimit = "{\"detail\":\"" + "x".repeat(ConsoleProtocol.MAX_JSON_BYTES - 13) + "\"}";
        assertEquals(ConsoleProtocol.MAX_JSON_BYTES, atLimit.length());
        assertEquals(1, new ConsoleFrameReader().feed(handMade("fail", atLimit)).size());
        ConsoleFrameReader overJson = new ConsoleFrameReader();
        assertEquals(List.of(), overJson.feed(handMade("fail", atLimit.replace("\"}", "x\"}"))));
        assertEquals(1, overJson.damaged());

        byte[] frame = handMade("state", "{}");
        int room = ConsoleProtocol.MAX_LINE_BYTES - (frame.length - 2);
        ConsoleFrameReader fits = new ConsoleFrameReader();
        assertEquals(1, fits.feed(concat("x".repeat(room), frame)).size(), "a line of exactly 8192 bytes");
        ConsoleFrameReader tooLong = new ConsoleFrameReader();
        assertEquals(List.of(), tooLong.feed(concat("x".repeat(room + 1), frame)));
        assertEquals(1, tooLong.damaged());
        // a long log line without a marker is no damaged frame; the line after it is read
        ConsoleFrameReader log = new ConsoleFrameReader();
        assertEquals(1, log.feed(concat("y".repeat(20000) + "\r\n", frame)).size());
        assertEquals(0, log.damaged());
        // a marker deep in an overlong line, even across chunks, counts
        ConsoleFrameReader deep = new ConsoleFrameReader();
        byte[] longLine = ("z".repeat(9000) + "@EF1 state {} *00000000" + "z".repeat(10) + "\n")
                .getBytes(StandardCharsets.US_ASCII);
        deep.feed(longLine, 0, 9002);
        deep.feed(longLine, 9002, longLine.length - 9002);
        assertEquals(1, deep.damaged());
    }

    /** A frame put together here, its CRC by java.util.zip.CRC32 as the protocol defines it. */
    static byte[] handMade(String kind, String json) {
        byte[] covered = ("@EF1 " + kind + " " + json + " ").getBytes(StandardCharsets.UTF_8);
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(covered);
        return concat(new String(covered, StandardCharsets.UTF_8),
                String.format("*%08x\r\n", crc.getValue()).getBytes(StandardCharsets.US_ASCII));
    }

    private static byte[] concat(String prefix, byte[] rest) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(prefix.getBytes(StandardCharsets.UTF_8));
        out.writeBytes(rest);
        return out.toByteArray();
    }
}
