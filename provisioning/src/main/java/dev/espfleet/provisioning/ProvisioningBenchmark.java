package dev.espfleet.provisioning;

import dev.espfleet.model.ThingName;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Optional;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;

/**
 * Measures the in-memory cost of one device identity: key generation, CSR, and certificate issue by a
 * local EC P-256 CA. Files and checks are left out so that the figures compare the algorithms.
 */
public final class ProvisioningBenchmark {
    private ProvisioningBenchmark() {
    }

    /** Mean times per device, in milliseconds. */
    public record Result(KeyType keyType, int devices, double keyMillis, double csrMillis, double certMillis) {
        public double totalMillis() {
            return keyMillis + csrMillis + certMillis;
        }

        public double devicesPerSecond() {
            return 1000.0 / totalMillis();
        }
    }

    /** Runs {@code warmup} untimed devices, then {@code devices} timed ones. */
    public static Result run(KeyType keyType, int devices, int warmup, SecureRandom random) {
        Instant now = Instant.now();
        CertificateAuthority ca = CertificateAuthority.createRoot("espfleet benchmark CA", Optional.empty(),
                KeyType.EC_P256, ValidityPeriod.days(now, 2), random);
        ValidityPeriod validity = ValidityPeriod.days(now, 1);
        long keyNanos = 0;
        long csrNanos = 0;
        long certNanos = 0;
        for (int i = 0; i < warmup + devices; i++) {
            long t0 = System.nanoTime();
            KeyPair keys = keyType.generate(random);
            long t1 = System.nanoTime();
            PKCS10CertificationRequest csr = CertificateRequests.create(keys,
                    DeviceSubject.of(ThingName.of("bench-" + i), "espfleet", null));
            long t2 = System.nanoTime();
            X509Certificate cert = ca.issueDeviceCertificate(csr, "bench CSR", validity, random);
            long t3 = System.nanoTime();
            if (cert == null) {
                throw new IllegalStateException("no certificate");
            }
            if (i >= warmup) {
                keyNanos += t1 - t0;
                csrNanos += t2 - t1;
                certNanos += t3 - t2;
            }
        }
        double n = devices * 1_000_000.0;
        return new Result(keyType, devices, keyNanos / n, csrNanos / n, certNanos / n);
    }
}
