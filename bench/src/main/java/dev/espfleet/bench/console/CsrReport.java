package dev.espfleet.bench.console;

import java.util.OptionalLong;

/**
 * A device's {@code csr} (identity.key_source device): the certificate request it made with the key it keeps, for
 * the thing name the bench wrote; {@code key} is the key's type ({@code ec_p256}). Offered at every boot and with
 * every answer to a {@code query}.
 */
public record CsrReport(String thing, String key, String csrPem, OptionalLong uptimeMs) implements DeviceReport {
}
