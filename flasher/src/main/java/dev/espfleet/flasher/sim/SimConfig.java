package dev.espfleet.flasher.sim;

import dev.espfleet.model.Chip;
import dev.espfleet.model.MacAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What the simulated chip is: which chip, its MAC, its flash (size and JEDEC manufacturer/type), and whether
 * it powers up in download mode (as with BOOT held) or runs its application until reset into the loader.
 * {@code registers} overrides register values of the chip's ROM seed (another chip's eFuses).
 *
 * @param appLogInterval    how often the running application prints a log line; zero for an application that
 *                          prints its boot banner only
 * @param afterBadChecksum  what the ROM answers to further FLASH_DATA of a write after it refused a block for
 *                          its checksum (rom-traces/README.md: 01 05, or nothing for 3 s, until a new FLASH_BEGIN)
 * @param flashFile         a file that holds the flash (created erased if missing, kept afterwards); empty: memory
 * @param appRollback       the bootloader was built with CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE (espfleet's generated
 *                          firmware is not): a PENDING_VERIFY otadata entry becomes ABORTED at boot
 * @param flashTiming       how long its flash takes to erase and program, charged on a timed link
 */
public record SimConfig(Chip chip, MacAddress mac, int flashSize, int jedecManufacturer, int jedecDeviceType,
        boolean startInDownloadMode, Map<Integer, Integer> registers, Duration appLogInterval,
        AfterBadChecksum afterBadChecksum, Optional<Path> flashFile, boolean appRollback, FlashTiming flashTiming) {

    /** The two answers seen from the genuine ROM after it refused a FLASH_DATA block for its checksum. */
    public enum AfterBadChecksum {
        /** Status 01 05 (invalid message) to every further block of that write. */
        INVALID_MESSAGE,
        /** No answer at all to further blocks of that write. */
        SILENCE
    }

    /** The chip of the ROM traces: ESP32, MAC 24:0a:c4:00:00:01, 4 MB GigaDevice gd25q32 (c8 40 16). */
    public static SimConfig esp32() {
        return new SimConfig(Chip.ESP32, MacAddress.parse("24:0a:c4:00:00:01"), 4 << 20, 0xC8, 0x40,
                true, Map.of(), Duration.ZERO, AfterBadChecksum.INVALID_MESSAGE, Optional.empty(), false, FlashTiming.GD25Q32);
    }

    public SimConfig withChip(Chip c) {
        return new SimConfig(c, mac, flashSize, jedecManufacturer, jedecDeviceType, startInDownloadMode, registers,
                appLogInterval, afterBadChecksum, flashFile, appRollback, flashTiming);
    }

    public SimConfig withMac(MacAddress m) {
        return new SimConfig(chip, m, flashSize, jedecManufacturer, jedecDeviceType, startInDownloadMode, registers,
                appLogInterval, afterBadChecksum, flashFile, appRollback, flashTiming);
    }

    public SimConfig withFlashSize(int size) {
        return new SimConfig(chip, mac, size, jedecManufacturer, jedecDeviceType, startInDownloadMode, registers,
                appLogInterval, afterBadChecksum, flashFile, appRollback, flashTiming);
    }

    public SimConfig withStartInDownloadMode(boolean download) {
        return new SimConfig(chip, mac, flashSize, jedecManufacturer, jedecDeviceType, download, registers,
                appLogInterval, afterBadChecksum, flashFile, appRollback, flashTiming);
    }

    public SimConfig withRegister(int address, int value) {
        Map<Integer, Integer> r = new HashMap<>(registers);
        r.put(address, value);
        return new SimConfig(chip, mac, flashSize, jedecManufacturer, jedecDeviceType, startInDownloadMode,
                Map.copyOf(r), appLogInterval, afterBadChecksum, flashFile, appRollback, flashTiming);
    }

    /** An application that keeps logging, one line every {@code interval}, while it runs. */
    public SimConfig withAppLogInterval(Duration interval) {
        return new SimConfig(chip, mac, flashSize, jedecManufacturer, jedecDeviceType, startInDownloadMode, registers,
                interval, afterBadChecksum, flashFile, appRollback, flashTiming);
    }

    public SimConfig withAfterBadChecksum(AfterBadChecksum answer) {
        return new SimConfig(chip, mac, flashSize, jedecManufacturer, jedecDeviceType, startInDownloadMode, registers,
                appLogInterval, answer, flashFile, appRollback, flashTiming);
    }

    /** Flash held in {@code file} (created erased at the flash size if missing, kept afterwards). */
    public SimConfig withFlashFile(Path file) {
        return new SimConfig(chip, mac, flashSize, jedecManufacturer, jedecDeviceType, startInDownloadMode, registers,
                appLogInterval, afterBadChecksum, Optional.of(file), appRollback, flashTiming);
    }

    /** A bootloader built with app rollback (CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE). */
    public SimConfig withAppRollback(boolean rollback) {
        return new SimConfig(chip, mac, flashSize, jedecManufacturer, jedecDeviceType, startInDownloadMode, registers,
                appLogInterval, afterBadChecksum, flashFile, rollback, flashTiming);
    }

    /** Flash that erases and programs in {@code timing}'s time (on a timed link). */
    public SimConfig withFlashTiming(FlashTiming timing) {
        return new SimConfig(chip, mac, flashSize, jedecManufacturer, jedecDeviceType, startInDownloadMode, registers,
                appLogInterval, afterBadChecksum, flashFile, appRollback, timing);
    }

    /** JEDEC capacity byte: log2 of the size in bytes (0x16 for 4 MB). */
    public int jedecCapacity() {
        return Integer.numberOfTrailingZeros(flashSize);
    }
}
