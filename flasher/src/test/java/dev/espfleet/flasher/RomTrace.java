package dev.espfleet.flasher;

import dev.espfleet.flasher.command.Wire;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** One transcript of the genuine ESP32 ROM (test resources rom-traces/): frames in order, with direction. */
public record RomTrace(String name, List<Frame> frames) {

    public record Frame(int line, boolean fromHost, String command, byte[] packet) {
    }

    public static RomTrace load(String name) {
        try (InputStream in = RomTrace.class.getResourceAsStream("/rom-traces/" + name)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource rom-traces/" + name);
            }
            List<Frame> frames = new ArrayList<>();
            String[] lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n");
            for (int i = 0; i < lines.length; i++) {
                String l = lines[i].strip();
                if (l.isEmpty() || l.startsWith("#")) {
                    continue;
                }
                String[] f = l.split("\\s+");
                frames.add(new Frame(i + 1, f[0].equals("host>"), f[1], Wire.unhex(f[2])));
            }
            return new RomTrace(name, frames);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static byte[] resource(String name) {
        try (InputStream in = RomTrace.class.getResourceAsStream("/rom-traces/" + name)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
