package dev.espfleet.flasher.sim;

import dev.espfleet.flasher.targets.Chip;
import java.util.HashMap;
import java.util.Map;

/**
 * What the simulated chip is: which chip, its MAC, its flash (size and JEDEC manufacturer/type), and whether
 * it powers up in download mode (as with BOOT held) or runs its application until reset into the loader.
 * {@code registers} overrides register values of the chip's ROM seed (another chip's eFuses).
 */
public record SimConfig(Chip chip, byte[] mac, int flashSize, int jedecManufacturer, int jedecDeviceType,
        boolean startInDownloadMode, Map<Integer, Integer> registers) {

    /** The chip of ../shared/rom-traces: ESP32, MAC 24:0a:c4:00:00:01, 4 MB GigaDevice gd25q32 (c8 40 16). */
    public static SimConfig esp32() {
        return new SimConfig(Chip.ESP32, new byte[] {0x24, 0x0a, (byte) 0xc4, 0x00, 0x00, 0x01}, 4 << 20, 0xC8, 0x40,
                true, Map.of());
    }

    public SimConfig withChip(Chip c) {
        return new SimConfig(c, mac, flashSize, jedecManufacturer, jedecDeviceType, startInDownloadMode, registers);
    }

    public SimConfig withMac(byte[] m) {
        return new SimConfig(chip, m, flashSize, jedecManufacturer, jedecDeviceType, startInDownloadMode, registers);
    }

    public SimConfig withFlashSize(int size) {
        return new SimConfig(chip, mac, size, jedecManufacturer, jedecDeviceType, startInDownloadMode, registers);
    }

    public SimConfig withStartInDownloadMode(boolean download) {
        return new SimConfig(chip, mac, flashSize, jedecManufacturer, jedecDeviceType, download, registers);
    }

    public SimConfig withRegister(int address, int value) {
        Map<Integer, Integer> r = new HashMap<>(registers);
        r.put(address, value);
        return new SimConfig(chip, mac, flashSize, jedecManufacturer, jedecDeviceType, startInDownloadMode, Map.copyOf(r));
    }

    /** JEDEC capacity byte: log2 of the size in bytes (0x16 for 4 MB). */
    public int jedecCapacity() {
        return Integer.numberOfTrailingZeros(flashSize);
    }
}
