package dev.espfleet.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class AwsEndpointTest {
    @Test
    void regionOfAnAtsEndpoint() {
        assertEquals(Optional.of("eu-west-1"), AwsEndpoint.of("abc123-ats.iot.eu-west-1.amazonaws.com").region());
    }

    @Test
    void regionOfALegacyEndpointWithoutAts() {
        assertEquals(Optional.of("us-east-1"), AwsEndpoint.of("a1b2c3d4e5f6g7.iot.us-east-1.amazonaws.com").region());
    }

    @Test
    void regionOfAChinaEndpoint() {
        assertEquals(Optional.of("cn-north-1"), AwsEndpoint.of("abc123.iot.cn-north-1.amazonaws.com.cn").region());
        assertEquals(Optional.of("cn-northwest-1"),
                AwsEndpoint.of("abc123-ats.iot.cn-northwest-1.amazonaws.com.cn").region());
    }

    @Test
    void noRegionForOtherHosts() {
        assertEquals(Optional.empty(), AwsEndpoint.of("localhost").region());
        assertEquals(Optional.empty(), AwsEndpoint.of("broker.example.com").region());
        assertEquals(Optional.empty(), AwsEndpoint.of("iot.eu-west-1.amazonaws.com").region());
        assertEquals(Optional.empty(), AwsEndpoint.of("abc.iot.eu-west-1.amazonaws.com.evil.example").region());
    }

    @ParameterizedTest
    @ValueSource(strings = {"localhost", "broker.local", "127.0.0.1", "a", "A1-b.example.com",
        "abc123-ats.iot.ap-south-1.amazonaws.com"})
    void acceptsHostNames(String host) {
        assertEquals(host, AwsEndpoint.of(host).toString());
        assertEquals(Optional.empty(), AwsEndpoint.problem(host));
    }

    @Test
    void acceptsA63CharacterLabelAnd253Characters() {
        String label = "a".repeat(63);
        assertEquals(label + ".com", AwsEndpoint.of(label + ".com").host());
        String longest = (label + ".").repeat(3) + "a".repeat(253 - 64 * 3);
        assertEquals(253, longest.length());
        assertEquals(longest, AwsEndpoint.of(longest).host());
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "mqtts://abc123-ats.iot.eu-west-1.amazonaws.com:8883", "host:8883", "a..b", ".a", "a.",
        "-a.com", "a-.com", "a_b.com", "a b.com", " localhost", "host/path", "gerät.example"})
    void refusesWhatIsNotAHostName(String text) {
        EspfleetException e = assertThrows(EspfleetException.class, () -> AwsEndpoint.of(text));
        assertEquals(ExitStatus.BAD_INPUT, e.status());
        assertEquals("invalid endpoint '" + text + "': expected a host name such as "
                + "abc123-ats.iot.eu-west-1.amazonaws.com, without scheme or port", e.getMessage());
    }

    @Test
    void refusesA64CharacterLabelAnd254Characters() {
        assertTrue(AwsEndpoint.problem("a".repeat(64) + ".com").isPresent());
        String label = "a".repeat(63);
        String tooLong = (label + ".").repeat(3) + "a".repeat(254 - 64 * 3);
        assertEquals(254, tooLong.length());
        assertTrue(AwsEndpoint.problem(tooLong).isPresent());
    }

    @Test
    void theIdentitysEndpointMayNameAPortForATestBroker() {
        AwsEndpoint broker = AwsEndpoint.withOptionalPort("127.0.0.1:18883");
        assertEquals("127.0.0.1", broker.host());
        assertEquals(java.util.OptionalInt.of(18883), broker.port());
        assertEquals("127.0.0.1:18883", broker.toString());
        assertEquals("abc123-ats.iot.eu-west-1.amazonaws.com",
                AwsEndpoint.withOptionalPort("abc123-ats.iot.eu-west-1.amazonaws.com").toString());
        assertEquals(java.util.OptionalInt.empty(), AwsEndpoint.withOptionalPort("localhost").port());
    }

    @ParameterizedTest
    @ValueSource(strings = {"localhost:0", "localhost:65536", "localhost:", "localhost:88a3", ":8883",
        "mqtts://localhost:8883", "a_b:8883"})
    void refusesAPortThatIsNotOneTo65535OrAHostThatIsNotAHostName(String text) {
        EspfleetException e = assertThrows(EspfleetException.class, () -> AwsEndpoint.withOptionalPort(text));
        assertEquals(ExitStatus.BAD_INPUT, e.status());
        assertEquals("invalid endpoint '" + text + "': expected HOST or HOST:PORT, a host name such as "
                + "abc123-ats.iot.eu-west-1.amazonaws.com (no scheme) and a port from 1 to 65535", e.getMessage());
    }
}
