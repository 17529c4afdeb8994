package dev.espfleet.flasher.connection;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.flasher.flash.FlashOptions;
import dev.espfleet.flasher.flash.FlashWriter;
import dev.espfleet.flasher.flash.ProgressListener;
import dev.espfleet.flasher.image.FlashRegion;
import dev.espfleet.flasher.image.StubImage;
import dev.espfleet.flasher.loader.RomLoader;
import dev.espfleet.flasher.sim.LinkNoise;
import dev.espfleet.flasher.sim.LinkTiming;
import dev.espfleet.flasher.sim.SimConfig;
import dev.espfleet.flasher.sim.SimLink;
import dev.espfleet.flasher.sim.SimulatedEsp32;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code --trace} shows every frame, except the bytes written to a secret range, plain or compressed. */
class TracingTransportTest {
    @TempDir
    Path dir;

    private static final String PEM = "-----BEGIN EC PRIVATE KEY-----\n"
            + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(filler(900)) + "\n-----END EC PRIVATE KEY-----\n";

    private static byte[] filler(int n) {
        byte[] b = new byte[n];
        new java.util.Random(3).nextBytes(b);
        return b;
    }

    /** An image with the key every 1 KB, the rest compressible text. */
    private static byte[] imageWithKey() {
        byte[] image = new byte[0x8000];
        byte[] text = "identity padding for a compressible image ".getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < image.length; i++) {
            image[i] = text[i % text.length];
        }
        byte[] key = PEM.getBytes(StandardCharsets.US_ASCII);
        for (int at = 0; at + key.length <= image.length; at += 0x1000) {
            System.arraycopy(key, 0, image, at, key.length);
        }
        return image;
    }

    private StubImage stub() throws Exception {
        Path f = dir.resolve("stub.json");
        Files.writeString(f, "{\"entry\": 1074331648, \"text\": \"" + Base64.getEncoder().encodeToString(new byte[4000])
                + "\", \"text_start\": 1074331648}");
        return StubImage.load(f);
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void neverShowsTheBytesOfASecretRegion(boolean withStub) throws Exception {
        ByteArrayOutputStream trace = new ByteArrayOutputStream();
        SimLink link = new SimLink(new SimulatedEsp32(SimConfig.esp32()), List.of(), LinkTiming.UNTIMED, LinkNoise.NONE, 0.01);
        TracingTransport tracing = new TracingTransport(link, new PrintStream(trace, true, StandardCharsets.UTF_8));
        byte[] image = imageWithKey();
        tracing.redactWritesTo(0x9000, image.length);
        ConnectOptions options = ConnectOptions.defaults().withBefore(ConnectOptions.Before.NO_RESET)
                .withAfter(ConnectOptions.After.NO_RESET);
        boolean compressed;
        try (RomLoader loader = RomLoader.connect(tracing, options, withStub ? stub() : null, l -> {
        })) {
            compressed = new FlashWriter(loader, FlashOptions.defaults().withSkipUnchanged(false), ProgressListener.NONE)
                    .write(List.of(new FlashRegion("identity.bin", 0x9000, image, true))).get(0).compressed();
        }
        String text = trace.toString(StandardCharsets.UTF_8);
        assertTrue(compressed == withStub, "the stub compresses, the ROM not (its spill): " + compressed);
        assertTrue(text.contains(withStub ? "host> FLASH_DEFL_DATA" : "host> FLASH_DATA"), text);
        assertTrue(text.contains("<identity image: "), text);
        assertTrue(text.contains("host> SPI_FLASH_MD5"), "everything else is traced as ever");
        byte[] key = PEM.getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i + 12 <= key.length; i++) {
            String hex = HexFormat.of().formatHex(Arrays.copyOfRange(key, i, i + 12));
            assertFalse(text.contains(hex), "key bytes " + i + ".. in the trace");
        }
        assertFalse(text.contains("PRIVATE KEY"));
    }
}
