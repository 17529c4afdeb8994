package dev.espfleet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code flash --nvs}: an identity image is checked before it is written, so a mismatched one never is. */
class FlashIdentityCheckTest {
    @TempDir
    Path tmp;
    Path config;
    Path build;
    Path ca;

    @BeforeEach
    void provisionTwoUnitsAndABuild() throws Exception {
        config = tmp.resolve("device.yaml");
        Files.writeString(config, """
                product: {name: probe, firmware_version: 1.0.0}
                aws: {endpoint: a1b2c3-ats.iot.eu-west-1.amazonaws.com}
                identity: {partition_size: 0x3000}
                """);
        ca = tmp.resolve("ca");
        Cli.run("ca", "init", "--out", ca.toString()).ok();
        for (String thing : new String[] {"dev-1", "dev-2"}) {
            Cli.run("provision", "--config", config.toString(), "--thing", thing, "--out",
                    tmp.resolve(thing).toString(), "--ca", ca.toString(), "--server-ca", ca.resolve("ca.pem").toString())
                    .ok();
        }
        build = Files.createDirectories(tmp.resolve("build"));
        Files.write(build.resolve("pt.bin"), partitionTable());
        Files.writeString(build.resolve("flasher_args.json"), """
                {"flash_files": {"0x8000": "pt.bin"}, "partition-table": {"offset": "0x8000", "file": "pt.bin"}}
                """);
    }

    /** An ESP-IDF binary partition table: nvs, the identity partition certs (0x3000), factory. */
    private static byte[] partitionTable() {
        ByteBuffer b = ByteBuffer.allocate(0xC00).order(ByteOrder.LITTLE_ENDIAN);
        Object[][] parts = {{"nvs", 1, 2, 0x9000, 0x6000}, {"certs", 1, 2, 0xF000, 0x3000},
            {"factory", 0, 0, 0x20000, 0x100000}};
        for (Object[] p : parts) {
            b.put((byte) 0xAA).put((byte) 0x50).put((byte) (int) p[1]).put((byte) (int) p[2]).putInt((int) p[3])
                    .putInt((int) p[4]);
            b.put(Arrays.copyOf(((String) p[0]).getBytes(StandardCharsets.US_ASCII), 16)).putInt(0);
        }
        while (b.hasRemaining()) {
            b.put((byte) 0xFF);
        }
        return b.array();
    }

    /** An identity image as nvs_partition_gen.py would make it from a unit's CSV, with files mixed in. */
    private Path image(String name, String thing, String certOf, String keyOf) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("mixed-" + name));
        Files.copy(tmp.resolve(certOf).resolve("cert.pem"), dir.resolve("cert.pem"));
        Files.copy(tmp.resolve(keyOf).resolve("key.pem"), dir.resolve("key.pem"));
        Files.copy(tmp.resolve(certOf).resolve("server-ca.pem"), dir.resolve("server-ca.pem"));
        Files.writeString(dir.resolve("identity.csv"), Files.readString(tmp.resolve(certOf).resolve("identity.csv"))
                .replace("thing_name,data,string," + certOf, "thing_name,data,string," + thing));
        Path out = tmp.resolve(name + ".bin");
        Cli.run("nvs", "generate", dir.resolve("identity.csv").toString(), out.toString(), "0x3000").ok();
        return out;
    }

    private CliRun flash(Path image, String... extra) {
        String[] args = {"flash", "--port", "sim", "--build", build.toString(), "--nvs", image.toString(),
            "--partition", "certs"};
        String[] all = Arrays.copyOf(args, args.length + extra.length);
        System.arraycopy(extra, 0, all, args.length, extra.length);
        return CliRun.of(all);
    }

    @Test
    void aUnitsOwnIdentityImageIsCheckedAndWritten() {
        Path good = tmp.resolve("dev-1/identity.bin");
        CliRun r = flash(good, "--ca", ca.toString(), "--config", config.toString());
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.err().contains(good + ": identity of 'dev-1': certificate and key are a pair, CN = thing name, "
                + "issued by " + ca + "\n"), r.err());
    }

    @Test
    void anImageWhoseCertificateAndKeyAreNoPairIsNotWritten() throws Exception {
        Path mixed = image("mixed", "dev-1", "dev-1", "dev-2");
        CliRun r = flash(mixed);
        assertEquals(2, r.exitCode(), r.toString());
        assertEquals("error: " + mixed + " (NVS namespace 'identity') key 'device_cert' does not match the private key "
                + mixed + " (NVS namespace 'identity') key 'private_key': they are not a key pair\n", r.err());
        assertTrue(!r.err().contains("verified") && !r.out().contains("verified"), r.toString());
    }

    @Test
    void anImageWhoseThingNameIsNotItsCertificatesIsNotWritten() throws Exception {
        Path renamed = image("renamed", "dev-2", "dev-1", "dev-1");
        CliRun r = flash(renamed);
        assertEquals(2, r.exitCode(), r.toString());
        assertEquals("error: " + renamed + " (NVS namespace 'identity') key 'device_cert' is the certificate of "
                + "'dev-1', but the image's thing name is 'dev-2': the device would connect as a thing its certificate "
                + "does not name\n", r.err());
    }

    @Test
    void anImageFromAnotherCaIsNotWrittenWhenTheCaIsGiven() {
        Path other = tmp.resolve("other-ca");
        Cli.run("ca", "init", "--out", other.toString(), "--name", "other CA").ok();
        CliRun r = flash(tmp.resolve("dev-1/identity.bin"), "--ca", other.toString());
        assertEquals(2, r.exitCode(), r.toString());
        assertTrue(r.err().startsWith("error: " + tmp.resolve("dev-1/identity.bin") + " (NVS namespace 'identity') key "
                + "'device_cert' does not chain to the CA 'CN=other CA'"), r.err());
    }

    @Test
    void bytesThatAreNoIdentityAreRefusedForTheConfigsIdentityPartitionButNotElsewhere() throws Exception {
        Path junk = tmp.resolve("junk.bin");
        byte[] bytes = new byte[0x3000];
        Arrays.fill(bytes, (byte) 0x5a);
        Files.write(junk, bytes);
        CliRun r = flash(junk, "--config", config.toString());
        assertEquals(2, r.exitCode(), r.toString());
        assertTrue(r.err().startsWith("error: " + junk + " is not an NVS image with an identity: "), r.err());

        CliRun other = CliRun.of("flash", "--port", "sim", "--build", build.toString(), "--nvs", junk.toString(),
                "--partition", "nvs", "--config", config.toString());
        assertEquals(0, other.exitCode(), other.toString()); // an ordinary NVS partition may hold anything
    }

    @Test
    void anEndlessImageIsRefusedUnread() {
        CliRun r = flash(Path.of("/dev/zero"));
        assertEquals(2, r.exitCode(), r.toString());
        assertEquals("error: /dev/zero: not a regular file (a device, pipe or socket); the NVS image must be a file\n",
                r.err());
    }

    /** The checked identity image is written with --trace: the trace shows its size, never the key. */
    @Test
    void traceOfFlashNeverShowsTheIdentitysPrivateKey() throws Exception {
        Path good = tmp.resolve("dev-1/identity.bin");
        CliRun r = flash(good, "--trace");
        assertEquals(0, r.exitCode(), r.toString());
        assertTrue(r.err().contains("<identity image: "), r.toString());
        String pem = Files.readString(tmp.resolve("dev-1/key.pem"));
        String body = pem.replaceAll("-----[A-Z ]+-----", "").replace("\n", "");
        byte[] key = pem.getBytes(StandardCharsets.US_ASCII);
        String hexTrace = r.err().toLowerCase(java.util.Locale.ROOT);
        for (int i = 0; i + 12 <= key.length; i++) {
            byte[] window = Arrays.copyOfRange(key, i, i + 12);
            assertTrue(!hexTrace.contains(java.util.HexFormat.of().formatHex(window))
                    && !r.err().contains(new String(window, StandardCharsets.US_ASCII)), "key bytes in the trace at " + i);
        }
        assertTrue(!r.err().contains(body.substring(0, 16)) && !r.err().contains("PRIVATE KEY"), "the trace shows the key");
    }
}
