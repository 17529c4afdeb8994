package dev.espfleet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Inputs meant to break a parser: each is one error line and exit 2, never a stack trace. */
class PathologicalInputTest {
    static final String DEVICE = ": not a regular file (a device, pipe or socket); the ";

    @TempDir
    Path tmp;

    @Test
    void yamlNestedAHundredThousandLevelsIsRefusedAtTheFiftyFirst() throws Exception {
        Path deep = tmp.resolve("deep.yaml");
        Files.writeString(deep, "[".repeat(100_000) + "\n");
        Cli r = Cli.run("validate", deep.toString());
        assertEquals(2, r.exit(), r.err());
        assertEquals(deep + ":1:51: invalid YAML: nested more than 50 levels deep; a device config nests a few "
                + "levels\nerror: invalid config " + deep + ": 1 problem\n", r.err());
    }

    @Test
    void endlessConfigIsRefusedAfterOneMebibyte() {
        Cli r = Cli.run("validate", "/dev/zero");
        assertEquals(2, r.exit(), r.err());
        assertEquals("error: /dev/zero" + DEVICE + "device config must be a file\n", r.err());
    }

    @Test
    void configWithAFiftyMegabyteScalarIsRefusedBeforeParsing() throws Exception {
        Path big = tmp.resolve("big.yaml");
        Files.writeString(big, "product:\n  name: \"" + "a".repeat(50 << 20) + "\"\n");
        Cli r = Cli.run("validate", big.toString());
        assertEquals(2, r.exit(), r.err());
        assertEquals("error: " + big + ": 52428820 bytes; a device config is at most 1048576 bytes (0x100000)\n", r.err());
    }

    @Test
    void endlessPemFilesAreRefused() throws Exception {
        Path config = tmp.resolve("device.yaml");
        Files.writeString(config, "product: {name: p, firmware_version: 1.0.0}\naws: {endpoint: a.example.com}\n");
        Cli.run("ca", "init", "--out", tmp.resolve("ca").toString()).ok();
        Cli serverCa = Cli.run("provision", "--config", config.toString(), "--thing", "t1", "--out",
                tmp.resolve("units/t1").toString(), "--ca", tmp.resolve("ca").toString(), "--server-ca", "/dev/zero");
        assertEquals(2, serverCa.exit(), serverCa.err());
        assertEquals("error: /dev/zero" + DEVICE + "certificate must be a file\n", serverCa.err());

        Cli.run("provision", "--config", config.toString(), "--thing", "t2", "--out",
                tmp.resolve("units/t2").toString(), "--csr-only").ok();
        Cli cert = Cli.run("provision", "--config", config.toString(), "--thing", "t2", "--out",
                tmp.resolve("units/t2").toString(), "--cert", "/dev/zero", "--server-ca",
                tmp.resolve("ca/ca.pem").toString());
        assertEquals(2, cert.exit(), cert.err());
        assertEquals("error: /dev/zero" + DEVICE + "certificate must be a file\n", cert.err());
    }

    @Command(name = "overflow")
    static final class Overflowing implements Runnable {
        @Override
        public void run() {
            recurse(0);
        }

        private static int recurse(int n) {
            return recurse(n + 1) + 1;
        }
    }

    @Test
    void aStackOverflowReachesTheOneErrorHandlerAsOneLine() {
        CommandLine cli = Main.configure(new CommandLine(new Overflowing()));
        java.io.StringWriter err = new java.io.StringWriter();
        cli.setErr(new java.io.PrintWriter(err));
        assertEquals(4, cli.execute());
        assertEquals("error: internal error: stack overflow (an input nested too deeply?)\n"
                + "hint: check that the input files are the ones meant; rerun with --debug to see where it happened\n",
                err.toString());
        assertTrue(!err.toString().contains("\tat "), err.toString());
    }
}
