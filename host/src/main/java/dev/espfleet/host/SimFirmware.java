package dev.espfleet.host;

import dev.espfleet.common.AtomicFiles;
import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.flasher.image.AppDescription;
import dev.espfleet.flasher.image.FlashRegion;
import dev.espfleet.flasher.image.OtaData;
import dev.espfleet.flasher.targets.ChipSpec;
import dev.espfleet.generator.config.DeviceConfig;
import dev.espfleet.generator.render.GeneratedProject;
import dev.espfleet.generator.render.ProjectRenderer;
import dev.espfleet.generator.render.ProjectWriter;
import dev.espfleet.nvs.PartitionEntry;
import dev.espfleet.nvs.PartitionTable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The firmware a bench writes to a simulated chip, as {@code idf.py flash} would write a real one: the
 * second-stage bootloader at the chip's bootloader offset, the partition table, the initial {@code otadata}
 * (all 0xFF, when the layout has one), and the app image at the first app slot, the app being the config's
 * firmware built for Linux with the host runtime and packed by {@link HostAppImage}. The bench adds the identity
 * region and writes them like any build; the simulated chip then boots the app (flasher's {@code sim} package).
 *
 * <p>Built once per content: the key is the SHA-256 of the generated project's files, the host runtime's sources
 * and the build's flags, so a bench with many boards (or many runs) builds once, and a change to the config or
 * to espfleet builds again. The cache is {@code cacheDir/<key>/}: {@code bootloader.bin},
 * {@code partition-table.bin}, {@code ota_data_initial.bin}, {@code app.bin} and the project it came from.
 */
public final class SimFirmware {
    /** Bumped when what this class writes changes in a way the key does not see. */
    private static final String LAYOUT_VERSION = "sim-firmware-1";
    private static final Map<String, Object> LOCKS = new ConcurrentHashMap<>();

    private final List<FlashRegion> regions;
    private final AppDescription description;
    private final Path directory;

    private SimFirmware(List<FlashRegion> regions, AppDescription description, Path directory) {
        this.regions = List.copyOf(regions);
        this.description = description;
        this.directory = directory;
    }

    /**
     * The regions for {@code config} on a simulated chip, built into {@code cacheDir} unless they are there
     * already. Throws {@code EspfleetException}: exit 3 without gcc or a library header, 1 when the build fails.
     */
    public static SimFirmware build(DeviceConfig config, Path cacheDir) {
        GeneratedProject project = new ProjectRenderer().render(config);
        String key = key(project);
        Path dir = cacheDir.resolve(key);
        synchronized (LOCKS.computeIfAbsent(dir.toAbsolutePath().toString(), k -> new Object())) {
            if (!Files.isRegularFile(dir.resolve("app.bin"))) {
                buildInto(project, config, cacheDir, dir);
            }
            return load(config, dir);
        }
    }

    /** bootloader, partition table, otadata (when the layout has it), app: in flash order. */
    public List<FlashRegion> regions() {
        return regions;
    }

    /** The firmware version the app reports (esp_app_desc_t.version: the config's product.firmware_version). */
    public String version() {
        return description.version();
    }

    /** The app image's description (project name, version, ESP-IDF version, the ELF's SHA-256). */
    public AppDescription description() {
        return description;
    }

    /** Where the build lives (the project, the ELF, the images). */
    public Path directory() {
        return directory;
    }

    private static String key(GeneratedProject project) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(LAYOUT_VERSION.getBytes(StandardCharsets.UTF_8));
            for (Map.Entry<String, byte[]> f : project.files().entrySet()) {
                md.update(f.getKey().getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0);
                md.update(f.getValue());
            }
            for (String source : HostAppBuild.SOURCES) {
                md.update(source.getBytes(StandardCharsets.UTF_8));
                try (InputStream in = HostAppBuild.class.getResourceAsStream(HostAppBuild.RESOURCE_ROOT + source)) {
                    if (in == null) {
                        throw new EspfleetException(ExitStatus.INTERNAL, "host runtime source " + source
                                + " is missing from the espfleet jar");
                    }
                    md.update(in.readAllBytes());
                }
            }
            md.update(String.join(" ", HostAppBuild.flags()).getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(md.digest()).substring(0, 24);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 missing from the JDK", e);
        }
    }

    private static void buildInto(GeneratedProject generated, DeviceConfig config, Path cacheDir, Path dir) {
        try {
            AtomicFiles.createPrivateDirectories(cacheDir);
            Path work = Files.createTempDirectory(cacheDir, ".building-"); // owner only
            try {
                Path project = work.resolve("project");
                ProjectWriter.write(generated, project);
                Path elf = HostAppBuild.build(project, work.resolve("build"), false);
                byte[] elfBytes = Files.readAllBytes(elf);
                int flashSize = config.flashSize().bytes();
                PartitionTable table = PartitionTable.fromCsv(Files.readString(project.resolve("partitions.csv")),
                        "partitions.csv", PartitionTable.DEFAULT_OFFSET);
                Files.write(work.resolve("bootloader.bin"), HostAppImage.bootloader(config.target(), flashSize));
                Files.write(work.resolve("partition-table.bin"), table.toBinary());
                Optional<PartitionEntry> otadata = otadata(table);
                if (otadata.isPresent()) {
                    Files.write(work.resolve("ota_data_initial.bin"), OtaData.initial((int) otadata.get().size()));
                }
                Files.copy(elf, work.resolve("app.elf"));
                // app.bin last: its presence marks a complete build
                Files.write(work.resolve("app.bin"), HostAppImage.pack(project, elfBytes, flashSize));
                deleteTree(work.resolve("build"));
                // what the simulated chips run: nobody else may change it, whatever the umask was
                denyOthersWrite(work);
                try {
                    Files.move(work, dir, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException e) {
                    if (!Files.isRegularFile(dir.resolve("app.bin"))) {
                        throw e; // another process did not finish it either
                    }
                }
            } finally {
                if (Files.exists(work)) {
                    deleteTree(work);
                }
            }
        } catch (IOException e) {
            throw new EspfleetException(ExitStatus.JOB_FAILED, "cannot build the simulated firmware in " + cacheDir + ": "
                    + AtomicFiles.describe(e));
        }
    }

    private static void denyOthersWrite(Path tree) throws IOException {
        try (Stream<Path> all = Files.walk(tree)) {
            for (Path p : all.toList()) {
                java.util.Set<java.nio.file.attribute.PosixFilePermission> perms = Files.getPosixFilePermissions(p);
                if (perms.removeAll(List.of(java.nio.file.attribute.PosixFilePermission.GROUP_WRITE,
                        java.nio.file.attribute.PosixFilePermission.OTHERS_WRITE))) {
                    Files.setPosixFilePermissions(p, perms);
                }
            }
        }
    }

    private static SimFirmware load(DeviceConfig config, Path dir) {
        try {
            PartitionTable table = PartitionTable.fromBinary(Files.readAllBytes(dir.resolve("partition-table.bin")));
            List<FlashRegion> regions = new ArrayList<>();
            regions.add(new FlashRegion("bootloader.bin", ChipSpec.of(config.target()).bootloaderOffset(),
                    Files.readAllBytes(dir.resolve("bootloader.bin"))));
            regions.add(new FlashRegion("partition-table.bin", PartitionTable.DEFAULT_OFFSET,
                    Files.readAllBytes(dir.resolve("partition-table.bin"))));
            Optional<PartitionEntry> otadata = otadata(table);
            if (otadata.isPresent()) {
                regions.add(new FlashRegion("ota_data_initial.bin", (int) otadata.get().offset(),
                        Files.readAllBytes(dir.resolve("ota_data_initial.bin"))));
            }
            byte[] app = Files.readAllBytes(dir.resolve("app.bin"));
            PartitionEntry slot = firstAppSlot(table);
            if (app.length > slot.size()) {
                throw EspfleetException.badInput(String.format("the simulated app image is %d bytes, larger than "
                        + "partition '%s' (%d bytes)", app.length, slot.name(), slot.size()));
            }
            regions.add(new FlashRegion("app.bin (host build for the simulated chip)", (int) slot.offset(), app));
            regions.sort(Comparator.comparingInt(FlashRegion::offset));
            return new SimFirmware(regions, AppDescription.require(app, dir.resolve("app.bin").toString()), dir);
        } catch (IOException e) {
            throw new EspfleetException(ExitStatus.JOB_FAILED, "cannot read the simulated firmware in " + dir + ": "
                    + AtomicFiles.describe(e));
        }
    }

    private static Optional<PartitionEntry> otadata(PartitionTable table) {
        return table.entries().stream().filter(e -> e.type() == PartitionEntry.TYPE_DATA
                && e.subtype() == PartitionEntry.SUBTYPE_DATA_OTA).findFirst();
    }

    /** Where idf.py flash puts the app: the factory partition, else ota_0, else the first app partition. */
    static PartitionEntry firstAppSlot(PartitionTable table) {
        List<PartitionEntry> apps = table.entries().stream().filter(PartitionEntry::isApp).toList();
        return apps.stream().filter(e -> e.subtype() == 0x00).findFirst()
                .or(() -> apps.stream().filter(e -> e.subtype() == 0x10).findFirst())
                .or(() -> apps.stream().findFirst())
                .orElseThrow(() -> EspfleetException.badInput("the partition table has no app partition"));
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
