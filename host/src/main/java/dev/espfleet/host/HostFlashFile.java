package dev.espfleet.host;

import dev.espfleet.common.AtomicFiles;
import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.flasher.image.FlashRegion;
import dev.espfleet.generator.config.DeviceConfig;
import dev.espfleet.nvs.PartitionEntry;
import dev.espfleet.nvs.PartitionTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A whole flash file for the host runtime's {@code --flash}, laid out as a bench writes a chip: the
 * {@link SimFirmware} regions (bootloader, partition table, otadata, app in the first app slot) and each of the
 * unit's NVS images ({@link HostNvsImages}: the identity) at its partition's offset; the rest erased (0xFF).
 * The file holds the device's private key: it is written mode 0600, atomically.
 */
public final class HostFlashFile {
    private HostFlashFile() {
    }

    /** The regions {@link #write} puts into the file, in flash order. */
    public static List<FlashRegion> regions(DeviceConfig config, Path unit, Path workDir) {
        SimFirmware firmware = SimFirmware.build(config, workDir.resolve("sim-firmware"));
        List<FlashRegion> regions = new ArrayList<>(firmware.regions());
        PartitionTable table = PartitionTable.fromBinary(regions.stream()
                .filter(r -> r.offset() == PartitionTable.DEFAULT_OFFSET).findFirst().orElseThrow().data());
        for (Map.Entry<String, Path> image : HostNvsImages.prepare(config, unit, workDir.resolve("nvs")).entrySet()) {
            PartitionEntry partition = table.entries().stream().filter(p -> p.name().equals(image.getKey())).findFirst()
                    .orElseThrow(() -> new EspfleetException(ExitStatus.INTERNAL, "the partition table has no partition '"
                            + image.getKey() + "' for the unit's NVS image"));
            byte[] data = read(image.getValue());
            if (data.length > partition.size()) {
                throw EspfleetException.badInput(String.format("the NVS image for '%s' is %d bytes, larger than the "
                        + "partition (%d bytes)", partition.name(), data.length, partition.size()));
            }
            regions.add(new FlashRegion(image.getKey() + " (" + image.getValue().getFileName() + ")",
                    (int) partition.offset(), data).asSecret());
        }
        regions.sort(java.util.Comparator.comparingInt(FlashRegion::offset));
        return regions;
    }

    /** Writes the flash file of {@code config}'s flash size with {@code regions} (0600, atomically). */
    public static void write(DeviceConfig config, List<FlashRegion> regions, Path flashFile) {
        byte[] flash = new byte[config.flashSize().bytes()];
        Arrays.fill(flash, (byte) 0xFF);
        for (FlashRegion r : regions) {
            if (r.offset() + r.data().length > flash.length) {
                throw EspfleetException.badInput(String.format("%s at 0x%x does not fit in the %d MB flash",
                        r.name(), r.offset(), flash.length >> 20));
            }
            System.arraycopy(r.data(), 0, flash, r.offset(), r.data().length);
        }
        AtomicFiles.writeSecret(flashFile, flash);
    }

    private static byte[] read(Path file) {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new EspfleetException(ExitStatus.JOB_FAILED, "cannot read " + file + ": " + AtomicFiles.describe(e));
        }
    }
}
