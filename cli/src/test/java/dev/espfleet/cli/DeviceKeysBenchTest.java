package dev.espfleet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.espfleet.provisioning.CertificateAuthority;
import dev.espfleet.provisioning.Pem;
import dev.espfleet.services.DemoBroker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The done-when of keys born on the device: {@code bench --config <key_source: device> --ca CA --ports sim:2
 * --endpoint 127.0.0.1:PORT --server-ca CA --eol connected} on the simulated firmware (the generated C built for the
 * host) ends 0 with both units connected to mosquitto with certificates from the bench CA, and no private key in
 * any file the bench wrote (units, ledger, audit, logs). (The simulated chips' flash still holds the key in plain:
 * NVS encryption is not modelled yet.) A second run is a rework of boards whose flash was erased.
 */
class DeviceKeysBenchTest {
    @TempDir
    Path tmp;

    @Test
    void aDeviceModeBenchConnectsBothUnitsAndNoKeyReachesTheHost() throws Exception {
        assumeTrue(DemoBroker.find().isPresent(), "mosquitto is not installed (apt-get install mosquitto)");
        Path config = tmp.resolve("device-keys.yaml");
        Files.writeString(config, Files.readString(Path.of("../examples/env-sensor.yaml"))
                .replace("identity:\n", "identity:\n  key_source: device\n"));
        Path ca = tmp.resolve("ca");
        CliRun.of("ca", "init", "--out", ca.toString());
        Path units = tmp.resolve("units");
        try (DemoBroker broker = DemoBroker.start(DemoBroker.find().orElseThrow(), tmp.resolve("broker"),
                CertificateAuthority.load(ca, Instant.now()), ca.resolve("ca.pem"))) {
            String[] bench = {"bench", "--config", config.toString(), "--ca", ca.toString(), "--ports", "sim:2",
                    "--endpoint", broker.endpoint().toString(), "--server-ca", ca.resolve("ca.pem").toString(),
                    "--eol", "connected", "--units", units.toString(), "--wifi-ssid", "factory-ap",
                    "--wifi-password", "factory-pw"};
            CliRun first = CliRun.of(bench);
            assertEquals(0, first.exitCode(), first.toString());
            assertTrue(first.out().contains("2 of 2 units done"), first.toString());
            List<String> things = List.of("env-sensor-240ac4e50001", "env-sensor-240ac4e50002");
            for (String thing : things) {
                assertTrue(broker.clients().contains(new DemoBroker.Client(thing, thing)), broker.clients().toString());
                Path unit = units.resolve(thing);
                assertFalse(Files.exists(unit.resolve("key.pem")));
                X509Certificate cert = Pem.readCertificate(unit.resolve("cert.pem"));
                PKCS10CertificationRequest csr = Pem.readCsr(unit.resolve("csr.pem"));
                assertEquals(List.of(csr.getSubjectPublicKeyInfo().getEncoded().length),
                        List.of(cert.getPublicKey().getEncoded().length));
                assertTrue(java.util.Arrays.equals(csr.getSubjectPublicKeyInfo().getEncoded(),
                        cert.getPublicKey().getEncoded()), "the certificate is for the key the device made");
            }
            assertNoPrivateKeyIn(units);
            // again: a rework. A simulated port's chip starts with erased flash each run, as a board whose flash was
            // erased: the unit reports no identity, the bench writes it again, the unit makes a new key, and the
            // certificate recorded for the old key is replaced
            List<String> before = things.stream().map(t -> read(units.resolve(t).resolve("cert.pem"))).toList();
            CliRun second = CliRun.of(bench);
            assertEquals(0, second.exitCode(), second.toString());
            for (int i = 0; i < things.size(); i++) {
                String log = read(units.resolve(things.get(i)).resolve("bench.log"));
                assertTrue(log.contains("the unit's identity partition is empty (erased since it was written): writing"
                        + " it again"), log);
                assertTrue(log.contains("cert.pem: for another key (the device made a new one): issuing anew"), log);
                assertFalse(before.get(i).equals(read(units.resolve(things.get(i)).resolve("cert.pem"))));
            }
            assertNoPrivateKeyIn(units);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** No PEM private key in any file under {@code root} (the simulated firmware's build cache aside). */
    private static void assertNoPrivateKeyIn(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(Files::isRegularFile).filter(p -> !p.toString().contains(".sim-firmware"))
                    .toList()) {
                String text = read(f);
                assertFalse(text.contains("PRIVATE KEY"), f + " holds a private key");
            }
        }
    }
}
