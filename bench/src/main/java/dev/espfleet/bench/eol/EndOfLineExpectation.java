package dev.espfleet.bench.eol;

/**
 * What the bench recorded for a unit and wrote to it, which its {@code hello} must repeat.
 *
 * @param certSha256 the ledger's certificate fingerprint: lower-case hex SHA-256 of the certificate's DER, which
 *                   is what the firmware hashes too
 * @param endpoint   the identity image's endpoint, {@code host} or {@code host:port}
 */
public record EndOfLineExpectation(String thing, String certSha256, String mac, String firmwareVersion,
                                   String endpoint) {
}
