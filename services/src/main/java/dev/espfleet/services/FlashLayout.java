package dev.espfleet.services;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.flasher.image.FlasherArgs;
import dev.espfleet.generator.config.DeviceConfig;
import dev.espfleet.generator.model.PartitionLayout;
import dev.espfleet.nvs.PartitionEntry;
import dev.espfleet.nvs.PartitionLabel;
import dev.espfleet.nvs.PartitionTable;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;

/**
 * The partitions a config's firmware has ({@code partitions.csv} of the generated project, from
 * {@link PartitionLayout}): where the identity and the default NVS partition are, which a build of the
 * project must agree with before anything is written into them.
 */
public record FlashLayout(List<Partition> partitions) {

    /** One partition: its label, flash offset and size in bytes. */
    public record Partition(PartitionLabel label, int offset, int size) {
    }

    public FlashLayout {
        partitions = List.copyOf(partitions);
    }

    static FlashLayout of(DeviceConfig config) {
        return new FlashLayout(PartitionLayout.of(config).stream()
                .map(r -> new Partition(PartitionLabel.of(r.name()), r.offset(), r.size())).toList());
    }

    /** The partition called {@code label}; the config's table has it (the identity's, {@code nvs}, ...). */
    public Partition partition(PartitionLabel label) {
        return partitions.stream().filter(p -> p.label().equals(label)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no partition '" + label + "' in the layout"));
    }

    /**
     * Refuses a build whose partition table puts any of the {@code written} partitions elsewhere than this
     * layout (or leaves it out): the images written there would land where the firmware does not look.
     */
    public void requireMatchedBy(FlasherArgs build, Path buildDir, Collection<Partition> written) {
        requireMatchedBy(build.partitionTable(), buildDir.toString(), written);
    }

    /** As {@link #requireMatchedBy(FlasherArgs, Path, Collection)}, for a partition table from {@code source}. */
    public void requireMatchedBy(PartitionTable table, String source, Collection<Partition> written) {
        for (Partition p : written) {
            PartitionEntry entry = table.find(p.label().value()).orElseThrow(() -> EspfleetException.badInput(
                    source + " has no partition named '" + p.label() + "' (it has: " + String.join(", ",
                            table.entries().stream().map(PartitionEntry::name).toList())
                            + "): the build is not from this config (run espfleet build again)"));
            if (entry.offset() != p.offset() || entry.size() != p.size()) {
                throw EspfleetException.badInput(String.format("%s puts partition '%s' at 0x%x (0x%x bytes), the config"
                        + " at 0x%x (0x%x bytes): the build is not from this config (run espfleet build again)",
                        source, p.label(), entry.offset(), entry.size(), p.offset(), p.size()));
            }
        }
    }
}
