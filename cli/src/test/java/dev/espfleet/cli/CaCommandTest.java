package dev.espfleet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CaCommandTest {
    @TempDir
    Path tmp;

    @Test
    void initCreatesSelfSignedRootWithOwnerOnlyKey() throws Exception {
        Path ca = tmp.resolve("ca");
        Cli result = Cli.run("ca", "init", "--out", ca.toString(), "--org", "Acme").ok();
        assertTrue(result.out().startsWith("created root CA 'O=Acme,CN=espfleet local CA' in " + ca + ", valid until "),
                result.out());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(ca.resolve("ca.key.pem"))));
        assertTrue(Files.readString(ca.resolve("ca.key.pem")).startsWith("-----BEGIN PRIVATE KEY-----"));
        assumeTrue(Openssl.installed());
        Openssl verify = Openssl.run(ca, "verify", "-CAfile", "ca.pem", "ca.pem");
        assertEquals(new Openssl(0, "ca.pem: OK\n"), verify);
    }

    @Test
    void initRefusesToReplaceAnExistingCa() {
        Path ca = tmp.resolve("ca");
        Cli.run("ca", "init", "--out", ca.toString()).ok();
        Cli again = Cli.run("ca", "init", "--out", ca.toString());
        assertEquals(2, again.exit());
        assertEquals("error: " + ca + " already holds a CA (ca.pem/ca.key.pem); refusing to replace it: certificates "
                + "it issued would no longer verify\n", again.err());
    }

    @Test
    void initWithRootMakesIntermediateThatOpensslVerifies() throws Exception {
        Path root = tmp.resolve("root");
        Path intermediate = tmp.resolve("intermediate");
        Cli.run("ca", "init", "--out", root.toString(), "--key-type", "rsa-2048").ok();
        Cli result = Cli.run("ca", "init", "--out", intermediate.toString(), "--root", root.toString(),
                "--name", "bench 7").ok();
        assertTrue(result.out().startsWith("created intermediate CA 'CN=bench 7' in "), result.out());
        assumeTrue(Openssl.installed());
        assertEquals(new Openssl(0, intermediate.resolve("ca.pem") + ": OK\n"), Openssl.run(tmp, "verify",
                "-CAfile", root.resolve("ca.pem").toString(), intermediate.resolve("ca.pem").toString()));
    }

    @Test
    void initRefusesIntermediateOutlivingItsRoot() {
        Path root = tmp.resolve("root");
        Cli.run("ca", "init", "--out", root.toString(), "--validity-days", "10").ok();
        Cli result = Cli.run("ca", "init", "--out", tmp.resolve("i").toString(), "--root", root.toString(),
                "--validity-days", "11");
        assertEquals(2, result.exit());
        assertTrue(result.err().matches("error: the requested validity of the intermediate CA ends \\S+, after the "
                + "CA's own \\(\\S+\\); ask for fewer days\n"), result.err());
        assertTrue(Files.notExists(tmp.resolve("i")));
    }

    @Test
    void initWithRootThatIsNoCaFailsWithHint() {
        Cli result = Cli.run("ca", "init", "--out", tmp.resolve("i").toString(), "--root", tmp.toString());
        assertEquals(2, result.exit());
        assertEquals("error: " + tmp + " is not an espfleet CA: expected ca.pem and ca.key.pem in it\n"
                + "hint: create one with 'espfleet ca init --out " + tmp + "'\n", result.err());
    }

    @Test
    void rejectsUnknownKeyType() {
        Cli result = Cli.run("ca", "init", "--out", tmp.resolve("ca").toString(), "--key-type", "dsa");
        assertEquals(2, result.exit());
        assertEquals("error: Invalid value for option '--key-type': unknown key type 'dsa': expected one of "
                + "ec-p256, rsa-2048, rsa-3072\nhint: see 'espfleet ca init --help'\n", result.err());
    }

    @Test
    void initWritesTheWholeCaAsOneFolderOwnerOnlyAndLeavesNoStagingFolder() throws Exception {
        Path empty = tmp.resolve("empty");
        Files.createDirectories(empty);
        Cli.run("ca", "init", "--out", empty.toString()).ok();
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(empty)));
        try (var files = Files.list(empty)) {
            assertEquals(java.util.Set.of("ca.pem", "ca.key.pem", "chain.pem"),
                    files.map(f -> f.getFileName().toString()).collect(java.util.stream.Collectors.toSet()));
        }
        try (var files = Files.list(tmp)) {
            assertEquals(java.util.List.of(empty), files.toList(), "no staging folder left beside the CA");
        }
    }

    @Test
    void anInterruptedInitIsCalledIncompleteByInitAndByEveryCommandThatLoadsIt() throws Exception {
        // what 'ca init' left when it was interrupted between the key and ca.pem
        Path ca = tmp.resolve("ca");
        Cli.run("ca", "init", "--out", ca.toString()).ok();
        Files.delete(ca.resolve("ca.pem"));
        String expected = "error: " + ca + " holds an incomplete CA (ca.key.pem without ca.pem): an earlier 'ca init' "
                + "was interrupted\nhint: nothing can have been issued by it: remove " + ca + " and run 'espfleet ca "
                + "init --out " + ca + "' again\n";
        Cli init = Cli.run("ca", "init", "--out", ca.toString());
        assertEquals(2, init.exit());
        assertEquals(expected, init.err());
        Cli intermediate = Cli.run("ca", "init", "--out", tmp.resolve("i").toString(), "--root", ca.toString());
        assertEquals(2, intermediate.exit());
        assertEquals(expected, intermediate.err());
        Cli provision = Cli.run("provision", "--config", "../examples/env-sensor.yaml", "--thing", "t1", "--out",
                tmp.resolve("units/t1").toString(), "--ca", ca.toString());
        assertEquals(2, provision.exit());
        assertEquals(expected, provision.err());
        assertTrue(Files.notExists(tmp.resolve("units")));
    }

    @Test
    void initRefusesAFileOrAForeignFolderAsItsOutputAndWritesNothing() throws Exception {
        Path file = tmp.resolve("file");
        Files.writeString(file, "x");
        Cli onFile = Cli.run("ca", "init", "--out", file.toString());
        assertEquals(2, onFile.exit());
        assertEquals("error: " + file + " is a file, but a CA is a folder (ca.pem, ca.key.pem, chain.pem)\n",
                onFile.err());
        Path notes = tmp.resolve("notes");
        Files.createDirectories(notes);
        Files.writeString(notes.resolve("todo.txt"), "x");
        Cli onFolder = Cli.run("ca", "init", "--out", notes.toString());
        assertEquals(2, onFolder.exit());
        assertEquals("error: " + notes + " is not empty and holds no CA: a new CA gets a folder of its own\n",
                onFolder.err());
        try (var files = Files.list(tmp)) {
            assertEquals(2, files.count());
        }
        assertEquals(1, Files.list(notes).count());
    }
}
