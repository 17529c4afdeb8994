package dev.espfleet.host;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.espfleet.generator.config.ConfigLoader;
import dev.espfleet.generator.config.DeviceConfig;
import dev.espfleet.model.ThingName;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Scenarios 1, 2 and 5 on every example, each with its own identity layout, status prefix, classic or
 * named shadow, QoS and session settings: the device connects as its thing name from its NVS image(s),
 * announces itself online and asks for its shadow, and when killed its Last Will marks the shadow offline.
 * (FirmwareInTheLoopTest runs all six scenarios on env-sensor.)
 */
class FirmwareInTheLoopExamplesTest {
    static final Path HOST = Path.of("").toAbsolutePath();
    static final Duration WAIT = Duration.ofSeconds(20);

    @TempDir
    static Path dir;
    static Bench bench;
    static Mosquitto broker;

    static List<String> examples() throws Exception {
        return HostFirmwareTest.examples();
    }

    @BeforeAll
    static void startBenchAndBroker() throws Exception {
        assumeTrue(Mosquitto.installed(), "mosquitto is not installed (apt-get install mosquitto)");
        assumeTrue(Files.isRegularFile(Path.of("/usr/include/mosquitto.h")),
                "libmosquitto-dev is not installed (apt-get install " + HostAppBuild.PACKAGES + ")");
        bench = Bench.create(dir);
        broker = bench.startBroker();
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void connectsAnnouncesItselfAndLeavesItsWillOffline(String example) throws Exception {
        Path configFile = HOST.resolve("../examples/" + example + ".yaml");
        DeviceConfig config = ConfigLoader.load(configFile);
        String thing = config.aws().thingName().map(ThingName::value).orElse("dev-" + example);
        String prefix = config.mqtt().topicPrefix();
        String shadow = config.shadow().name().orElse("");
        String shadowTopics = "$aws/things/" + thing + "/shadow/" + (shadow.isEmpty() ? "" : "name/" + shadow + "/");
        Path unit = bench.provision(thing, config);
        HostRun run = HostRun.prepare(configFile, unit, dir.resolve("build/" + example), true);
        int mark = broker.logText().length();
        try (ShadowServiceStandIn service = ShadowServiceStandIn.connect(broker, bench.clientTls("shadow-service"),
                prefix, shadow);
             HostDevice device = HostDevice.start(run.command(Optional.of(broker.uri())))) {
            // 1: client id and certificate CN (mosquitto's user name) are the thing name
            Pattern connected = Pattern.compile("as " + Pattern.quote(thing) + " \\(p2, c[01], k"
                    + config.mqtt().keepAliveSeconds() + ", u'" + Pattern.quote(thing) + "'\\)");
            boolean seen = false;
            for (long end = System.nanoTime() + WAIT.toNanos(); !seen && System.nanoTime() < end; Thread.sleep(50)) {
                seen = connected.matcher(broker.logText().substring(mark)).find();
            }
            assertTrue(seen, device.console() + broker.log());
            // 2: online status on <prefix>/<thing>/status, then a get on its (named) shadow
            assertTrue(service.awaitMessage(0, r -> r.topic().equals(prefix + "/" + thing + "/status")
                    && r.payload().contains("\"online\":true"), WAIT).isPresent(), device.console());
            assertTrue(service.awaitMessage(0, r -> r.topic().equals(shadowTopics + "get"), WAIT).isPresent(),
                    device.console());
            assertTrue(service.awaitDocument(thing, shadow, d -> d.at("/state/reported/online").asBoolean(false),
                    WAIT).isPresent(), "shadow " + service.document(thing, shadow) + device.console());
            // 5: killed, the broker publishes the will and the status rule marks the shadow offline
            int before = service.receivedCount();
            device.kill();
            assertTrue(service.awaitMessage(before, r -> r.topic().equals(prefix + "/" + thing + "/status")
                    && r.payload().contains("\"online\":false"), WAIT).isPresent(), device.console());
            assertTrue(service.awaitDocument(thing, shadow, d -> d.at("/state/reported/online").isBoolean()
                    && !d.at("/state/reported/online").asBoolean(), WAIT).isPresent(),
                    "shadow " + service.document(thing, shadow));
        }
    }
}
