package dev.espfleet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.espfleet.generator.model.PartitionLayout;
import dev.espfleet.nvs.NvsEncryptionKeys;
import dev.espfleet.nvs.NvsImage;
import dev.espfleet.nvs.NvsPartitionReader;
import dev.espfleet.nvs.PartitionEntry;
import dev.espfleet.nvs.PartitionTable;
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
 * any file the bench wrote (units, ledger, audit, logs), and no plaintext key in the simulated flash files: each
 * board's key is in its dev_keys partition, NVS-encrypted. A second run is a rework of boards whose flash was erased.
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
            // the first run keeps each board's flash in a file (as sim --flash-file), to be read afterwards
            Path flashDir = Files.createDirectories(tmp.resolve("sim-flash"));
            String[] firstBench = java.util.stream.Stream.concat(java.util.Arrays.stream(bench),
                    java.util.stream.Stream.of("--sim-flash-dir", flashDir.toString())).toArray(String[]::new);
            CliRun first = CliRun.of(firstBench);
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
            assertKeysEncryptedInFlash(flashDir, units, things);
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

    /**
     * No plaintext key in the simulated flash files: each board's key is in its dev_keys partition encrypted, and
     * decrypts (with the XTS keys the board made into nvs_keys, which the simulated flash, having no flash encryption,
     * holds in plain) to the key of the certificate the bench recorded.
     */
    private static void assertKeysEncryptedInFlash(Path flashDir, Path units, List<String> things) throws Exception {
        List<Path> files;
        try (Stream<Path> listed = Files.list(flashDir)) {
            files = listed.sorted().toList();
        }
        assertEquals(things.size(), files.size(), files.toString());
        for (int i = 0; i < files.size(); i++) {
            byte[] flash = Files.readAllBytes(files.get(i));
            assertFalse(new String(flash, StandardCharsets.ISO_8859_1).contains("PRIVATE KEY"),
                    files.get(i) + " holds a private key in plain");
            PartitionTable table = PartitionTable.fromBinary(java.util.Arrays.copyOfRange(flash,
                    PartitionTable.DEFAULT_OFFSET, PartitionTable.DEFAULT_OFFSET + PartitionTable.MAX_TABLE_LENGTH));
            PartitionEntry devKeys = table.find(PartitionLayout.DEVICE_KEYS).orElseThrow();
            PartitionEntry nvsKeys = table.find(PartitionLayout.NVS_KEYS).orElseThrow();
            NvsImage image = NvsPartitionReader.read(slice(flash, devKeys),
                    NvsEncryptionKeys.fromKeyPartition(slice(flash, nvsKeys)));
            String pem = image.items().stream().filter(e -> e.key().equals("private_key")).findFirst()
                    .map(e -> new String(e.data(), StandardCharsets.US_ASCII).replace("\0", "")).orElseThrow();
            java.security.interfaces.ECPrivateKey key = (java.security.interfaces.ECPrivateKey) Pem.parsePrivateKey(pem,
                    files.get(i));
            java.security.interfaces.ECPublicKey certified = (java.security.interfaces.ECPublicKey) Pem.readCertificate(
                    units.resolve(things.get(i)).resolve("cert.pem")).getPublicKey();
            assertEquals(certified.getW().getAffineX(), org.bouncycastle.asn1.x9.ECNamedCurveTable.getByName("P-256")
                    .getG().multiply(key.getS()).normalize().getAffineXCoord().toBigInteger(),
                    files.get(i) + ": the decrypted key is the certified one");
        }
    }

    private static byte[] slice(byte[] flash, PartitionEntry partition) {
        return java.util.Arrays.copyOfRange(flash, (int) partition.offset(), (int) (partition.offset() + partition.size()));
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
