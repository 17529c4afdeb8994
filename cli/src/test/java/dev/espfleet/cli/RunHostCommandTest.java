package dev.espfleet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The run itself is covered by the host module's FirmwareInTheLoopTest; these are the refusals. */
class RunHostCommandTest {
    static final String CONFIG = Path.of("../examples/env-sensor.yaml").toString();

    @TempDir
    Path dir;

    @Test
    void refusesABrokerThatIsNotAnMqttUri() {
        Cli r = Cli.run("run-host", CONFIG, "--unit", dir.toString(), "--broker", "http://localhost:8883");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("error: --broker 'http://localhost:8883' is not mqtt[s]://HOST[:PORT]"), r.err());
    }

    @Test
    void refusesAMissingUnitFolderAndSaysHowToProvisionIt() {
        Cli r = Cli.run("run-host", CONFIG, "--unit", dir.resolve("units/dev-009").toString());
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("does not exist"), r.err());
        assertTrue(r.err().contains("hint: provision it first"), r.err());
    }

    @Test
    void refusesAUnitWithoutIdentity() {
        Cli r = Cli.run("run-host", CONFIG, "--unit", dir.toString(), "--work-dir", dir.resolve("work").toString());
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains("holds neither identity.bin nor identity.csv"), r.err());
    }
}
