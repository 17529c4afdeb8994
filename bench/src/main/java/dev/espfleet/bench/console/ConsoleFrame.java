package dev.espfleet.bench.console;

import dev.espfleet.common.Json;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * One frame of the console protocol: {@code @EF1 <kind> <json> *<crc>\r\n}, where {@code <crc>} is the CRC-32
 * (IEEE 802.3, as zlib's crc32) of the bytes from the {@code @} up to and including the space before the
 * {@code *}, as 8 lower-case hex digits.
 *
 * @param body the JSON object, keys in their order; a key set to JSON null maps to {@code null}
 */
public record ConsoleFrame(String kind, Map<String, Object> body) {
    public ConsoleFrame {
        if (!ConsoleProtocol.KIND.matcher(kind).matches()) {
            throw new IllegalArgumentException("frame kind '" + kind + "': expected [a-z_]{1,16}");
        }
        body = Collections.unmodifiableMap(new LinkedHashMap<>(body));
    }

    /** The bench's {@code query}: asks the device for its {@code hello}, latest {@code state} and {@code fail}. */
    public static ConsoleFrame query() {
        return new ConsoleFrame(ConsoleProtocol.QUERY, Map.of());
    }

    /** identity.key_source device: the certificate for the device's request, and the CA chain above it (PEM). */
    public static ConsoleFrame cert(String certificatePem, String chainPem) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("cert", certificatePem);
        body.put("chain", chainPem);
        return new ConsoleFrame(ConsoleProtocol.CERT, body);
    }

    /** The whole line as the firmware writes it, {@code \r\n} included. */
    public byte[] encode() {
        String json = Json.write(body);
        if (json.getBytes(StandardCharsets.UTF_8).length > ConsoleProtocol.MAX_JSON_BYTES) {
            throw new IllegalArgumentException("a frame's JSON is at most " + ConsoleProtocol.MAX_JSON_BYTES + " bytes");
        }
        byte[] covered = (ConsoleProtocol.MARKER + " " + kind + " " + json + " ").getBytes(StandardCharsets.UTF_8);
        String line = new String(covered, StandardCharsets.UTF_8) + "*" + crcHex(covered, 0, covered.length) + "\r\n";
        return line.getBytes(StandardCharsets.UTF_8);
    }

    /** The CRC-32 of {@code length} bytes from {@code offset}, as the frame writes it. */
    static String crcHex(byte[] bytes, int offset, int length) {
        CRC32 crc = new CRC32();
        crc.update(bytes, offset, length);
        return HexFormat.of().toHexDigits((int) crc.getValue());
    }
}
