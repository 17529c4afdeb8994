package dev.espfleet.host;

import dev.espfleet.common.AtomicFiles;
import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.generator.config.DeviceConfig;
import dev.espfleet.generator.model.PartitionLayout;
import dev.espfleet.nvs.NvsCsv;
import dev.espfleet.nvs.NvsEntry;
import dev.espfleet.nvs.NvsImage;
import dev.espfleet.nvs.NvsLayout;
import dev.espfleet.nvs.NvsPartitionReader;
import dev.espfleet.nvs.NvsVersion;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The NVS partition images a host run starts with, from a provisioned unit folder: the unit's
 * {@code identity.bin} when it already holds everything the firmware reads, otherwise an image built from
 * its {@code identity.csv} with the nvs library, plus the Wi-Fi keys the firmware insists on (a host is
 * already on its network, so their values only need to exist).
 */
public final class HostNvsImages {
    /** The SSID written when the unit has none; the host runtime logs it and uses the host's network. */
    public static final String HOST_SSID = "host-network";

    private HostNvsImages() {
    }

    /** Partition label to image file, for the runtime's {@code --nvs LABEL=FILE}. */
    public static Map<String, Path> prepare(DeviceConfig config, Path unit, Path workDir) {
        DeviceConfig.Identity identity = config.identity();
        DeviceConfig.Wifi wifi = config.wifi();
        boolean wifiAlongside = wifi.partition().equals(identity.partition());
        Map<String, Path> images = new LinkedHashMap<>();
        Path provisioned = unit.resolve("identity.bin");
        Path csv = unit.resolve("identity.csv");
        try {
            if (Files.isRegularFile(provisioned) && (!wifiAlongside || holdsSsid(provisioned, wifi))) {
                images.put(identity.partition().value(), provisioned);
            } else if (Files.isRegularFile(csv)) {
                List<NvsCsv.Row> rows = new ArrayList<>(NvsCsv.read(List.of(csv)));
                boolean hasSsid = rows.stream().anyMatch(r -> wifi.namespace().value().equals(r.entry().namespace())
                        && wifi.ssidKey().value().equals(r.entry().key()));
                if (wifiAlongside && !hasSsid) {
                    rows.addAll(wifiRows(wifi));
                }
                // named by role, not by label: a label may hold any printable ASCII, '/' included
                Path image = workDir.resolve("identity-partition.bin");
                Files.createDirectories(workDir);
                // the identity image holds the private key: owner-only, like key.pem
                AtomicFiles.writeSecret(image, NvsCsv.write(rows, identity.partitionSize(), NvsVersion.V2, null));
                images.put(identity.partition().value(), image);
            } else {
                throw new EspfleetException(ExitStatus.BAD_INPUT, unit + " holds neither identity.bin nor identity.csv",
                        "provision it first: espfleet provision --config CONFIG --thing THING --out " + unit);
            }
            if (identity.keyBornOnDevice()) {
                // the partition the device keeps its key in, erased as the factory leaves it (the device opens it
                // encrypted; what it writes there lives in the run's memory, as every --nvs image's writes)
                Path image = workDir.resolve("device-keys-partition.bin");
                Files.createDirectories(workDir);
                byte[] erased = new byte[PartitionLayout.DEVICE_KEYS_SIZE];
                java.util.Arrays.fill(erased, (byte) 0xFF);
                AtomicFiles.writeSecret(image, erased);
                images.put(PartitionLayout.DEVICE_KEYS, image);
            }
            if (!wifiAlongside) {
                Path image = workDir.resolve("wifi-partition.bin");
                Files.createDirectories(workDir);
                AtomicFiles.writeSecret(image, NvsCsv.write(wifiRows(wifi), NvsLayout.MIN_PARTITION_SIZE * 2,
                        NvsVersion.V2, null));
                images.put(wifi.partition().value(), image);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return images;
    }

    private static boolean holdsSsid(Path image, DeviceConfig.Wifi wifi) throws IOException {
        NvsImage read = NvsPartitionReader.read(Files.readAllBytes(image));
        return read.items().stream().anyMatch(e -> wifi.namespace().value().equals(e.namespace())
                && wifi.ssidKey().value().equals(e.key()));
    }

    private static List<NvsCsv.Row> wifiRows(DeviceConfig.Wifi wifi) {
        String where = "(Wi-Fi for the host run)";
        return List.of(new NvsCsv.Row(NvsEntry.namespace(wifi.namespace().value()), where),
                new NvsCsv.Row(NvsEntry.string(wifi.namespace().value(), wifi.ssidKey().value(), HOST_SSID), where));
    }
}
