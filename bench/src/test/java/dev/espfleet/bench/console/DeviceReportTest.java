package dev.espfleet.bench.console;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class DeviceReportTest {
    private static DeviceReport decode(String line) throws Exception {
        List<ConsoleFrame> frames = new ConsoleFrameReader().feed(ConsoleFrameReaderTest.handMade(
                line.substring(0, line.indexOf(' ')), line.substring(line.indexOf(' ') + 1)));
        return DeviceReport.decode(frames.get(0)).orElseThrow();
    }

    @Test
    void aHelloOfAUnitThatReadNoIdentitySaysSoWithNulls() throws Exception {
        Hello hello = (Hello) decode("hello {\"proto\":1,\"project\":\"env-sensor\",\"fw\":\"1.2.3\",\"idf\":\"v5.2.1\","
                + "\"chip\":\"esp32\",\"mac\":\"24:0a:c4:e5:00:01\",\"thing\":null,\"cert_sha256\":null,"
                + "\"endpoint\":null,\"boot\":1,\"uptime_ms\":612,\"later_field\":[1,2]}");
        assertEquals(1, hello.proto());
        assertEquals(Optional.empty(), hello.thing());
        assertEquals(Optional.empty(), hello.certSha256());
        assertEquals(OptionalLong.of(612), hello.uptimeMs());
        assertEquals(Optional.of("esp32"), hello.chip());
    }

    @Test
    void aHelloWithoutItsIdentityFieldsOrWithAFieldOfTheWrongTypeIsNoReport() {
        DeviceReport.Invalid missing = assertThrows(DeviceReport.Invalid.class,
                () -> decode("hello {\"proto\":1,\"fw\":\"1.2.3\",\"mac\":\"24:0a:c4:e5:00:01\",\"thing\":\"t\"}"));
        assertEquals("hello has no \"cert_sha256\"", missing.getMessage());
        DeviceReport.Invalid wrong = assertThrows(DeviceReport.Invalid.class,
                () -> decode("hello {\"proto\":1,\"fw\":123,\"mac\":\"m\",\"thing\":null,\"cert_sha256\":null}"));
        assertEquals("hello \"fw\": expected a string, got 123", wrong.getMessage());
        DeviceReport.Invalid fraction = assertThrows(DeviceReport.Invalid.class,
                () -> decode("state {\"milestone\":\"network_up\",\"uptime_ms\":1.5}"));
        assertEquals("state \"uptime_ms\": expected an integer, got 1.5", fraction.getMessage());
    }

    @Test
    void aKindTheBenchDoesNotKnowIsNoReportAndNoError() throws Exception {
        ConsoleFrame later = new ConsoleFrame("csr", Map.of("pem", "..."));
        assertEquals(Optional.empty(), DeviceReport.decode(later));
        assertEquals(Optional.empty(), DeviceReport.decode(ConsoleFrame.query()));
    }

    @Test
    void aStateNamesItsMilestone() throws Exception {
        StateReport s = (StateReport) decode("state {\"milestone\":\"mqtt_connected\",\"thing\":\"dev-1\"}");
        assertTrue(s.is(Milestone.MQTT_CONNECTED));
        StateReport later = (StateReport) decode("state {\"milestone\":\"ota_checked\"}");
        assertEquals(Optional.empty(), later.milestone());
        assertEquals("ota_checked", later.name());
    }

    @Test
    void aFailSaysWhatFailedWithTheNumbersAsEspIdfAndMbedTlsPrintThem() throws Exception {
        FailReport f = (FailReport) decode("fail {\"stage\":\"mqtt\",\"err\":\"ESP_ERR_MBEDTLS_SSL_HANDSHAKE_FAILED\","
                + "\"code\":32794,\"tls\":-30592,\"errno\":0,\"detail\":\"tlsv1 alert unknown ca\"}");
        assertEquals("mqtt failed: ESP_ERR_MBEDTLS_SSL_HANDSHAKE_FAILED (0x801a), TLS error -0x7780, errno 0 "
                + "(tlsv1 alert unknown ca)", f.describe());
        Map<String, Object> refused = new HashMap<>();
        refused.put("stage", "mqtt");
        refused.put("err", "ESP_ERR_ESP_TLS_FAILED_CONNECT_TO_HOST");
        refused.put("code", 0x8004);
        refused.put("errno", 111);
        FailReport r = (FailReport) DeviceReport.decode(new ConsoleFrame("fail", refused)).orElseThrow();
        assertEquals("mqtt failed: ESP_ERR_ESP_TLS_FAILED_CONNECT_TO_HOST (0x8004), errno 111", r.describe());
    }
}
