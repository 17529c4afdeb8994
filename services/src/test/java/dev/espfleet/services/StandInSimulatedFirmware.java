package dev.espfleet.services;

import dev.espfleet.bench.standin.ScriptedConsoleBoard;
import dev.espfleet.bench.standin.StandInFirmware;
import dev.espfleet.flasher.image.FlashRegion;
import dev.espfleet.generator.config.DeviceConfig;
import dev.espfleet.generator.render.ProjectRenderer;
import dev.espfleet.nvs.PartitionTable;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Test stand-in for the host module's SimFirmware until it lands: the generated project's partition table and an
 * app image carrying the config's firmware version, which the scripted console board boots.
 */
final class StandInSimulatedFirmware implements SimulatedFirmware {
    final List<Path> caches = new CopyOnWriteArrayList<>();
    private final Optional<String> partitionsCsv;

    StandInSimulatedFirmware() {
        this(Optional.empty());
    }

    /** With {@code partitionsCsv} as its partition table instead of the generated one. */
    StandInSimulatedFirmware(Optional<String> partitionsCsv) {
        this.partitionsCsv = partitionsCsv;
    }

    @Override
    public Build build(DeviceConfig config, Path cacheDir) {
        caches.add(cacheDir);
        String csv = partitionsCsv.orElseGet(() -> new ProjectRenderer().render(config).text("partitions.csv"));
        byte[] table = PartitionTable.fromCsv(csv, "partitions.csv", PartitionTable.DEFAULT_OFFSET).toBinary();
        String version = config.product().firmwareVersion();
        return new Build(List.of(new FlashRegion("partition-table.bin", PartitionTable.DEFAULT_OFFSET, table),
                new FlashRegion("app.bin", ScriptedConsoleBoard.APP_OFFSET,
                        StandInFirmware.appImage(version, config.product().name()))), version);
    }
}
