package dev.espfleet.flasher.connection;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.flasher.flash.FlashOptions;
import dev.espfleet.flasher.flash.FlashReader;
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
import dev.espfleet.nvs.NvsEntry;
import dev.espfleet.nvs.NvsPartitionWriter;
import dev.espfleet.nvs.NvsVersion;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code --trace} shows every frame, except the bytes written to or read from a secret range, plain or
 * compressed, and the bytes read of data the secret-data detection recognises (an identity image).
 */
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

    private static final ConnectOptions OPTIONS = ConnectOptions.defaults().withBefore(ConnectOptions.Before.NO_RESET)
            .withAfter(ConnectOptions.After.NO_RESET);

    /** A simulated ESP32 holding {@code content} at {@code offset}, behind a trace into {@code trace}. */
    private static TracingTransport tracedChip(int offset, byte[] content, ByteArrayOutputStream trace) {
        SimulatedEsp32 chip = new SimulatedEsp32(SimConfig.esp32());
        chip.flash().load(offset, content);
        SimLink link = new SimLink(chip, List.of(), LinkTiming.UNTIMED, LinkNoise.NONE, 0.01);
        return new TracingTransport(link, new PrintStream(trace, true, StandardCharsets.UTF_8));
    }

    /** An identity image as provision writes it: NVS with the thing name and the PEM private key. */
    private static byte[] identityImage() {
        return NvsPartitionWriter.write(List.of(NvsEntry.namespace("identity"),
                NvsEntry.string("identity", "thing", "sensor-0001"), NvsEntry.string("identity", "priv_key", PEM)),
                0x6000, NvsVersion.V2);
    }

    /** No 12 bytes in a row of the key, as hex or as text, anywhere in the trace. */
    private static void assertKeyNotIn(String text) {
        byte[] key = PEM.getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i + 12 <= key.length; i++) {
            String hex = HexFormat.of().formatHex(Arrays.copyOfRange(key, i, i + 12));
            assertFalse(text.contains(hex), "key bytes " + i + ".. in the trace");
        }
        assertFalse(text.contains("PRIVATE KEY"));
    }

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void neverShowsTheBytesOfASecretRegion(boolean withStub) throws Exception {
        ByteArrayOutputStream trace = new ByteArrayOutputStream();
        SimLink link = new SimLink(new SimulatedEsp32(SimConfig.esp32()), List.of(), LinkTiming.UNTIMED, LinkNoise.NONE, 0.01);
        TracingTransport tracing = new TracingTransport(link, new PrintStream(trace, true, StandardCharsets.UTF_8));
        byte[] image = imageWithKey();
        tracing.redactFlashRange(0x9000, image.length);
        ConnectOptions options = OPTIONS;
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
        assertKeyNotIn(text);
    }

    /**
     * read-flash of an identity partition through the ROM (64 bytes a READ_FLASH_SLOW, each shown whole): no
     * one marked it secret, the detection recognises what was read, and the trace shows none of it, whether
     * the read ends with the MD5 that read-flash asks for or with the port closing.
     */
    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void neverShowsTheBytesReadFromAnIdentityImage(boolean md5After) {
        ByteArrayOutputStream trace = new ByteArrayOutputStream();
        byte[] image = identityImage();
        TracingTransport tracing = tracedChip(0x9000, image, trace);
        try (RomLoader loader = RomLoader.connect(tracing, OPTIONS, l -> {
        })) {
            assertArrayEquals(image, new FlashReader(loader).read(0x9000, image.length, ProgressListener.NONE));
            if (md5After) {
                assertEquals(FlashWriter.md5Hex(image), loader.md5(0x9000, image.length));
            }
        }
        String text = trace.toString(StandardCharsets.UTF_8);
        assertKeyNotIn(text);
        assertTrue(text.contains("chip< READ_FLASH_SLOW"), text);
        assertTrue(text.contains("<identity image: 64 bytes redacted"), text);
        assertEquals(md5After, text.contains("host> SPI_FLASH_MD5"));
    }

    /** Through the stub the data comes in 4 KB packets of READ_FLASH, each shown up to 96 bytes. */
    @Test
    void neverShowsTheBytesTheStubReadsOfSecretData() throws Exception {
        ByteArrayOutputStream trace = new ByteArrayOutputStream();
        byte[] image = imageWithKey();
        TracingTransport tracing = tracedChip(0x9000, image, trace);
        try (RomLoader loader = RomLoader.connect(tracing, OPTIONS, stub(), l -> {
        })) {
            assertArrayEquals(image, new FlashReader(loader).read(0x9000, image.length, ProgressListener.NONE));
        }
        String text = trace.toString(StandardCharsets.UTF_8);
        assertKeyNotIn(text);
        assertTrue(text.contains("host> READ_FLASH"), text);
        assertTrue(text.contains("<identity image: 4096 bytes redacted"), text);
    }

    /**
     * A long read is judged 64 KB at a time, so the trace of a whole flash does not wait for its end: the
     * ordinary window is shown when it is full, the one holding the key redacted.
     */
    @Test
    void judgesALongReadWindowByWindow() throws Exception {
        ByteArrayOutputStream trace = new ByteArrayOutputStream();
        byte[] ordinary = filler(TracingTransport.HOLD_LIMIT);
        byte[] flash = Arrays.copyOf(ordinary, ordinary.length + 0x8000);
        System.arraycopy(imageWithKey(), 0, flash, ordinary.length, 0x8000);
        TracingTransport tracing = tracedChip(0x100000, flash, trace);
        try (RomLoader loader = RomLoader.connect(tracing, OPTIONS, stub(), l -> {
        })) {
            assertArrayEquals(flash, new FlashReader(loader).read(0x100000, flash.length, ProgressListener.NONE));
        }
        String text = trace.toString(StandardCharsets.UTF_8);
        assertKeyNotIn(text);
        for (int at = 0; at < ordinary.length; at += 0x1000) {
            assertTrue(text.contains(HexFormat.of().formatHex(Arrays.copyOfRange(ordinary, at, at + 96))), "packet at " + at);
        }
        assertEquals(8, text.split("<identity image: 4096 bytes redacted", -1).length - 1, text);
    }

    /** A range the caller marks secret is hidden when read too, whatever its bytes look like. */
    @Test
    void neverShowsTheBytesReadFromARangeMarkedSecret() {
        ByteArrayOutputStream trace = new ByteArrayOutputStream();
        byte[] data = filler(0x1000);
        TracingTransport tracing = tracedChip(0x9000, data, trace);
        tracing.redactFlashRange(0x9000, data.length);
        try (RomLoader loader = RomLoader.connect(tracing, OPTIONS, l -> {
        })) {
            new FlashReader(loader).read(0x9000, data.length, ProgressListener.NONE);
        }
        String text = trace.toString(StandardCharsets.UTF_8);
        for (int i = 0; i + 12 <= data.length; i += 12) {
            assertFalse(text.contains(HexFormat.of().formatHex(Arrays.copyOfRange(data, i, i + 12))), "bytes " + i);
        }
        assertTrue(text.contains("<identity image: 64 bytes redacted"), text);
    }

    /** Everything else is read as ever: ordinary flash is shown. */
    @Test
    void showsTheBytesReadFromOrdinaryFlash() {
        ByteArrayOutputStream trace = new ByteArrayOutputStream();
        byte[] data = filler(0x1000);
        TracingTransport tracing = tracedChip(0x9000, data, trace);
        try (RomLoader loader = RomLoader.connect(tracing, OPTIONS, l -> {
        })) {
            new FlashReader(loader).read(0x9000, data.length, ProgressListener.NONE);
        }
        String text = trace.toString(StandardCharsets.UTF_8);
        assertFalse(text.contains("redacted"), text);
        for (int i = 0; i < data.length; i += 64) {
            assertTrue(text.contains(HexFormat.of().formatHex(Arrays.copyOfRange(data, i, i + 64))), "bytes " + i);
        }
    }
}
