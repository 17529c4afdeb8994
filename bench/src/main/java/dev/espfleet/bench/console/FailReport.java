package dev.espfleet.bench.console;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * A device's {@code fail}: a stage ({@code identity}, {@code network}, {@code mqtt}, {@code shadow}) failed, with
 * ESP-IDF's error (its name and number), the TLS library's error and the socket's errno when there are.
 */
public record FailReport(String stage, Optional<String> err, OptionalLong code, OptionalLong tls, OptionalLong errno,
                         Optional<String> detail, OptionalLong uptimeMs) implements DeviceReport {

    /**
     * One line for a person: {@code mqtt failed: ESP_ERR_MBEDTLS_SSL_HANDSHAKE_FAILED (0x801a), TLS error -0x7780:
     * detail}; numbers as ESP-IDF and mbedTLS print them.
     */
    public String describe() {
        List<String> parts = new ArrayList<>();
        String error = err.orElse("");
        if (code.isPresent()) {
            error = (error.isEmpty() ? "" : error + " ") + "(" + hex(code.getAsLong()) + ")";
        }
        if (!error.isEmpty()) {
            parts.add(error);
        }
        tls.ifPresent(t -> parts.add("TLS error " + hex(t)));
        errno.ifPresent(e -> parts.add("errno " + e));
        return stage + " failed" + (parts.isEmpty() ? "" : ": " + String.join(", ", parts))
                + detail.filter(d -> !d.isBlank()).map(d -> " (" + d + ")").orElse("");
    }

    private static String hex(long v) {
        return v < 0 ? "-0x" + Long.toHexString(-v) : "0x" + Long.toHexString(v);
    }
}
