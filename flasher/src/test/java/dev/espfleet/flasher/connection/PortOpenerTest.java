package dev.espfleet.flasher.connection;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code --port}: built-in schemes, schemes a provider plugs in (the simulator's), else a serial device. */
class PortOpenerTest {

    @Test
    void theSimulatorPlugsInItsSchemeAndItsShortTimeouts() {
        assertEquals(List.of("socket://HOST:PORT", "rfc2217://HOST:PORT[?OPTIONS]", "sim[:CHIP]"),
                PortOpener.schemes().stream().map(PortScheme::syntax).toList());
        try (Transport t = PortOpener.open("sim:esp32c3", ConnectOptions.ROM_BAUD)) {
            assertEquals("sim (simulated ESP32-C3)", t.description());
            assertTrue(t.timeoutScale() < 1.0, "an in-process chip answers at once: " + t.timeoutScale());
        }
    }

    @Test
    void aSocketTakesARealChipsTimeouts() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                Transport t = PortOpener.open("socket://127.0.0.1:" + server.getLocalPort(), ConnectOptions.ROM_BAUD)) {
            assertEquals(1.0, t.timeoutScale());
            assertEquals(1.0, new TracingTransport(t, System.err).timeoutScale(), "the trace decorator passes it on");
        }
    }

    @Test
    void anUnknownUrlNamesTheSchemesThereAre() {
        EspfleetException e = assertThrows(EspfleetException.class, () -> PortOpener.open("ftp://x:1", 115200));
        assertEquals(ExitStatus.BAD_INPUT, e.status());
        assertEquals("unsupported port URL ftp://x:1 (expected socket://HOST:PORT or rfc2217://HOST:PORT[?OPTIONS])",
                e.getMessage());
    }

    @Test
    void anUnknownSimulatedChipIsBadInput() {
        EspfleetException e = assertThrows(EspfleetException.class, () -> PortOpener.open("sim:esp8266", 115200));
        assertEquals(ExitStatus.BAD_INPUT, e.status());
        assertTrue(e.getMessage().startsWith("unknown chip 'esp8266' in --port sim:esp8266 (expected one of "),
                e.getMessage());
    }
}
