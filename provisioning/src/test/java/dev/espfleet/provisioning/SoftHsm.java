package dev.espfleet.provisioning;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Debian's SoftHSM2 (package softhsm2) as a real PKCS#11 token for tests: a configuration file naming a token
 * folder of the test's own, and tokens made in it with {@code softhsm2-util --init-token --free}.
 */
final class SoftHsm {
    static final Path MODULE = Path.of("/usr/lib/softhsm/libsofthsm2.so");

    private SoftHsm() {
    }

    static boolean available() {
        return Files.isRegularFile(MODULE) && Files.isExecutable(Path.of("/usr/bin/softhsm2-util"));
    }

    /** Writes {@code conf} with a token folder beside it (SoftHSM2 reads the file named by SOFTHSM2_CONF). */
    static void writeConfig(Path conf) throws IOException {
        Path tokens = conf.toAbsolutePath().getParent().resolve("tokens");
        Files.createDirectories(tokens);
        Files.writeString(conf, "directories.tokendir = " + tokens + "\nobjectstore.backend = file\nlog.level = ERROR\n",
                StandardCharsets.UTF_8);
    }

    /** A new token labelled {@code label} in the first free slot of the SoftHSM2 that {@code conf} configures. */
    static void initToken(Path conf, String label, String pin) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder("softhsm2-util", "--init-token", "--free", "--label", label, "--pin", pin,
                "--so-pin", "so-" + pin).redirectErrorStream(true);
        pb.environment().put("SOFTHSM2_CONF", conf.toAbsolutePath().toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IOException("softhsm2-util --init-token failed: " + out);
        }
    }
}
