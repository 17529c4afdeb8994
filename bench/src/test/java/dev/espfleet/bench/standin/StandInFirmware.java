package dev.espfleet.bench.standin;

import dev.espfleet.bench.BenchPort;
import dev.espfleet.flasher.image.FlashRegion;
import dev.espfleet.flasher.sim.LinkTiming;
import dev.espfleet.flasher.sim.SimConfig;
import dev.espfleet.flasher.sim.SimLink;
import dev.espfleet.flasher.sim.SimulatedEsp32;
import dev.espfleet.model.MacAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/** Test support: the application image the scripted firmware boots, and bench ports to boards running it. */
public final class StandInFirmware {
    private StandInFirmware() {
    }

    /**
     * An ESP-IDF app image's first kilobyte as ESP-IDF v5 lays it out for an ESP32: esp_image_header_t (magic
     * 0xE9, chip id 0 in bytes 12-13), the first segment's header, then esp_app_desc_t with {@code version}.
     */
    public static byte[] appImage(String version, String project) {
        ByteBuffer b = ByteBuffer.allocate(0x400).order(ByteOrder.LITTLE_ENDIAN);
        b.put(0, (byte) 0xE9).put(1, (byte) 4).put(2, (byte) 2).put(3, (byte) 0x20);
        b.putInt(4, 0x40081234);
        b.putInt(24, 0x3f400020).putInt(28, 0x100);
        b.putInt(32, 0xABCD5432);
        b.put(32 + 16, version.getBytes(StandardCharsets.US_ASCII));
        b.put(32 + 48, project.getBytes(StandardCharsets.US_ASCII));
        b.put(32 + 112, "v5.2.1".getBytes(StandardCharsets.US_ASCII));
        return b.array();
    }

    /** The app image as the region a bench writes at {@link ScriptedConsoleBoard#APP_OFFSET}. */
    public static FlashRegion appRegion(String version, String project) {
        return new FlashRegion("app.bin", ScriptedConsoleBoard.APP_OFFSET, appImage(version, project));
    }

    /** The MAC of simulated board {@code index}, as {@code sim:N} numbers them. */
    public static MacAddress mac(int index) {
        return MacAddress.of(new byte[] {0x24, 0x0a, (byte) 0xc4, (byte) 0xe5, (byte) (index >> 8), (byte) index});
    }

    /**
     * A simulated ESP32 with board {@code index}'s MAC, as {@code sim:N} makes it, whose ROM hands over to a canned
     * application (one that stays quiet) instead of booting its flash: the {@link ScriptedConsoleBoard} is that
     * application. (The simulated chip's own boot of a host build is tested in the flasher, host and services.)
     */
    public static SimulatedEsp32 chip(int index) {
        return new SimulatedEsp32(SimConfig.esp32().withMac(mac(index)).withAppLogInterval(Duration.ofDays(1)));
    }

    /** The bench port to {@code chip}, opened as a scripted board running {@code script}; {@code opened} hears each. */
    public static BenchPort port(String name, SimulatedEsp32 chip, ScriptedConsoleBoard.Script script,
                                 List<ScriptedConsoleBoard> opened) {
        return new BenchPort(name, () -> {
            ScriptedConsoleBoard board = new ScriptedConsoleBoard(new SimLink(chip, List.of(), LinkTiming.UNTIMED),
                    script);
            opened.add(board);
            return board;
        }, true);
    }
}
