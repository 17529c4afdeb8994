package dev.espfleet.flasher.sim;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.flasher.image.AppDescription;
import dev.espfleet.flasher.image.AppImage;
import dev.espfleet.flasher.image.BootloaderDescription;
import dev.espfleet.flasher.image.HostPayload;
import dev.espfleet.flasher.image.OtaData;
import dev.espfleet.flasher.targets.ChipSpec;
import dev.espfleet.nvs.PartitionEntry;
import dev.espfleet.nvs.PartitionTable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * What runs between a reset without the download strap and the application: the ROM's check of the
 * second-stage bootloader image at the chip's bootloader offset, then that bootloader's work as ESP-IDF v5's
 * does it (bootloader_utility.c): the partition table at {@link PartitionTable#DEFAULT_OFFSET}, the app slot
 * from {@code otadata}, the app image verified (magic, chip id, checksum, SHA-256). There is no CPU: the
 * bootloader image must be a valid image, whatever its code; the app image must carry a {@link HostPayload}.
 * Each line it prints is what the genuine ROM or bootloader prints at that point.
 */
final class SimBootloader {
    /** bootloader_utility.c's indexes: the factory app, the test app, then OTA slot numbers from 0. */
    static final int FACTORY_INDEX = -1;
    static final int TEST_APP_INDEX = -2;
    static final int SUBTYPE_FACTORY = 0x00;
    static final int SUBTYPE_TEST = 0x20;
    static final int SUBTYPE_OTA_FLAG = 0x10;
    static final int SUBTYPE_OTA_MASK = 0x0F;

    private final SimFlash flash;
    private final ChipSpec spec;
    private final boolean rollback;
    private final StringBuilder console = new StringBuilder();
    private long millis = 27;

    /** What the boot came to. */
    sealed interface Outcome {
        /** The ROM found no valid image header at the bootloader offset: it prints this word and tries again. */
        record InvalidHeader(int firstWord) implements Outcome {
        }

        /** Something a real chip would stop or reset on; {@code reboot}: it resets (bootloader_reset). */
        record Halted(boolean reboot) implements Outcome {
        }

        /** The app to run: its partition, description and the host payload (an ELF file). */
        record RunApp(PartitionEntry partition, AppDescription description, byte[] elf) implements Outcome {
        }
    }

    SimBootloader(SimFlash flash, ChipSpec spec, boolean rollback) {
        this.flash = flash;
        this.spec = spec;
        this.rollback = rollback;
    }

    /** What was printed so far (CR LF line ends, as on the chip's UART). */
    String console() {
        return console.toString();
    }

    Outcome boot() {
        int offset = spec.bootloaderOffset();
        byte[] head = flash.read(offset, AppImage.HEADER_SIZE);
        if ((head[0] & 0xFF) != AppImage.MAGIC) {
            return new Outcome.InvalidHeader(ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).getInt(0));
        }
        AppImage bootloader;
        byte[] bootloaderBytes = flash.read(offset, Math.min(flash.size() - offset, PartitionTable.DEFAULT_OFFSET - offset));
        try {
            bootloader = AppImage.parse(bootloaderBytes);
        } catch (EspfleetException e) {
            return new Outcome.InvalidHeader(ByteBuffer.wrap(head).order(ByteOrder.LITTLE_ENDIAN).getInt(0));
        }
        rom("configsip: 0, SPIWP:0xee");
        rom("clk_drv:0x00,q_drv:0x00,d_drv:0x00,cs0_drv:0x00,hd_drv:0x00,wp_drv:0x00");
        rom("mode:" + spiModeName(bootloader.spiMode()) + ", clock div:2");
        for (AppImage.Segment s : bootloader.segments()) {
            rom(String.format("load:0x%08x,len:%d", s.loadAddress(), s.data().length));
        }
        if (bootloader.checksum() != bootloader.computedChecksum()) {
            // the ROM's words on a bad checksum, then it stops (ets_main.c)
            rom(String.format("csum err:0x%02x!=0x%02x", bootloader.computedChecksum(), bootloader.checksum()));
            rom("ets_main.c 371 ");
            return new Outcome.Halted(false);
        }
        rom(String.format("entry 0x%08x", bootloader.entry()));
        BootloaderDescription desc = BootloaderDescription.of(bootloaderBytes)
                .orElse(new BootloaderDescription(0, 1, "v5.5", ""));
        log('I', "boot", "ESP-IDF " + desc.idfVersion() + " 2nd stage bootloader");
        if (!desc.dateTime().isEmpty()) {
            log('I', "boot", "compile time " + desc.dateTime());
        }
        Optional<PartitionTable> table = partitionTable();
        if (table.isEmpty()) {
            log('E', "boot", "load partition table error!");
            return new Outcome.Halted(true);
        }
        return selectAndLoad(table.get());
    }

    private Optional<PartitionTable> partitionTable() {
        PartitionTable table;
        try {
            table = PartitionTable.fromBinary(flash.read(PartitionTable.DEFAULT_OFFSET, PartitionTable.MAX_TABLE_LENGTH));
        } catch (EspfleetException e) {
            log('E', "flash_parts", "partition table: " + e.getMessage());
            log('E', "boot", "Failed to verify partition table");
            return Optional.empty();
        }
        if (table.entries().isEmpty()) {
            log('E', "flash_parts", "partition 0 invalid magic number 0xffff");
            log('E', "boot", "Failed to verify partition table");
            return Optional.empty();
        }
        log('I', "boot", "Partition Table:");
        log('I', "boot", "## Label            Usage          Type ST Offset   Length");
        int i = 0;
        for (PartitionEntry p : table.entries()) {
            log('I', "boot", String.format("%2d %-16s %-16s %02x %02x %08x %08x", i++, p.name(), usage(p), p.type(),
                    p.subtype(), p.offset(), p.size()));
        }
        log('I', "boot", "End of partition table");
        return Optional.of(table);
    }

    /** bootloader_utility_load_partition_table's names for what a partition is for. */
    private static String usage(PartitionEntry p) {
        if (p.type() == PartitionEntry.TYPE_APP) {
            if (p.subtype() == SUBTYPE_FACTORY) {
                return "factory app";
            }
            if (p.subtype() == SUBTYPE_TEST) {
                return "test app";
            }
            return (p.subtype() & ~SUBTYPE_OTA_MASK) == SUBTYPE_OTA_FLAG ? "OTA app" : "Unknown app";
        }
        if (p.type() == PartitionEntry.TYPE_DATA) {
            return switch (p.subtype()) {
                case 0x00 -> "OTA data";
                case 0x01 -> "RF data";
                case 0x02 -> "WiFi data";
                case 0x04 -> "NVS keys";
                case 0x05 -> "efuse";
                default -> "Unknown data";
            };
        }
        return "unknown";
    }

    /** The partitions the bootloader knows by index (bootloader_state_t). */
    record Slots(Optional<PartitionEntry> factory, Optional<PartitionEntry> test, List<PartitionEntry> ota,
            Optional<PartitionEntry> otadata) {
        static Slots of(PartitionTable table) {
            PartitionEntry[] ota = new PartitionEntry[16];
            Optional<PartitionEntry> factory = Optional.empty();
            Optional<PartitionEntry> test = Optional.empty();
            Optional<PartitionEntry> otadata = Optional.empty();
            int count = 0;
            for (PartitionEntry p : table.entries()) {
                if (p.type() == PartitionEntry.TYPE_APP) {
                    if (p.subtype() == SUBTYPE_FACTORY) {
                        factory = Optional.of(p);
                    } else if (p.subtype() == SUBTYPE_TEST) {
                        test = Optional.of(p);
                    } else if ((p.subtype() & ~SUBTYPE_OTA_MASK) == SUBTYPE_OTA_FLAG) {
                        ota[p.subtype() & SUBTYPE_OTA_MASK] = p;
                        count++;
                    }
                } else if (p.type() == PartitionEntry.TYPE_DATA && p.subtype() == PartitionEntry.SUBTYPE_DATA_OTA) {
                    otadata = Optional.of(p);
                }
            }
            List<PartitionEntry> slots = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                slots.add(ota[i]);
            }
            return new Slots(factory, test, slots, otadata);
        }

        /** index_to_partition: empty for an index the table has no partition for. */
        Optional<PartitionEntry> at(int index) {
            if (index == FACTORY_INDEX) {
                return factory;
            }
            if (index == TEST_APP_INDEX) {
                return test;
            }
            return index >= 0 && index < ota.size() ? Optional.ofNullable(ota.get(index)) : Optional.empty();
        }
    }

    /** The slot selection's result: where to start, and whether otadata was in its initial state (no factory). */
    record Selection(int index, boolean initialOtadata) {
    }

    /**
     * bootloader_utility_get_selected_boot_partition (ESP-IDF v5, without anti-rollback): no otadata partition:
     * factory; both entries invalid (erased, INVALID or ABORTED) or no OTA slots: factory if there is one, else
     * OTA 0 (and otadata is "initial" when neither entry has a sequence with a matching CRC); else the valid entry
     * with the higher ota_seq (CRC over ota_seq checked), slot (seq - 1) % slots; no valid one: factory. With
     * rollback, PENDING_VERIFY entries become ABORTED first (the image was not confirmed during its first boot)
     * and a NEW selected entry becomes PENDING_VERIFY; both changes are written back.
     */
    Selection select(Slots slots) {
        if (slots.otadata().isEmpty()) {
            return new Selection(FACTORY_INDEX, false);
        }
        PartitionEntry otadata = slots.otadata().get();
        if (otadata.size() < OtaData.PARTITION_SIZE) {
            log('E', "boot", String.format("ota_info partition size %d is too small (minimum %d bytes)", otadata.size(),
                    OtaData.PARTITION_SIZE));
            return new Selection(TEST_APP_INDEX - 1, false);
        }
        OtaData.Entry[] e = {
            OtaData.Entry.decode(flash.read((int) otadata.offset(), OtaData.ENTRY_SIZE), 0),
            OtaData.Entry.decode(flash.read((int) otadata.offset() + OtaData.COPY_STRIDE, OtaData.ENTRY_SIZE), 0),
        };
        if (rollback) {
            for (int i = 0; i < 2; i++) {
                if (e[i].state() == OtaData.STATE_PENDING_VERIFY) {
                    e[i] = e[i].withState(OtaData.STATE_ABORTED);
                    writeOtadata(otadata, i, e[i]);
                }
            }
        }
        if ((e[0].invalid() && e[1].invalid()) || slots.ota().isEmpty()) {
            if (slots.factory().isPresent()) {
                log('I', "boot", "Defaulting to factory image");
                return new Selection(FACTORY_INDEX, false);
            }
            log('I', "boot", "No factory image, trying OTA 0");
            boolean initial = (e[0].seq() == -1 || !e[0].crcMatches()) && (e[1].seq() == -1 || !e[1].crcMatches());
            return new Selection(0, initial);
        }
        int active = activeEntry(e);
        if (active >= 0) {
            long seq = Integer.toUnsignedLong(e[active].seq()) - 1;
            int index = (int) (seq % slots.ota().size());
            if (rollback && e[active].state() == OtaData.STATE_NEW) {
                writeOtadata(otadata, active, e[active].withState(OtaData.STATE_PENDING_VERIFY));
            }
            return new Selection(index, false);
        }
        if (slots.factory().isPresent()) {
            log('E', "boot", "ota data partition invalid, falling back to factory");
        } else {
            log('E', "boot", "ota data partition invalid and no factory, will try all partitions");
        }
        return new Selection(FACTORY_INDEX, false);
    }

    /** bootloader_common_get_active_otadata: of the valid entries, the one with the higher ota_seq (0 on a tie). */
    static int activeEntry(OtaData.Entry[] e) {
        boolean v0 = e[0].valid();
        boolean v1 = e[1].valid();
        if (v0 && v1) {
            return Integer.compareUnsigned(e[0].seq(), e[1].seq()) >= 0 ? 0 : 1;
        }
        return v0 ? 0 : v1 ? 1 : -1;
    }

    /** write_otadata: erase the copy's sector, write the entry. */
    private void writeOtadata(PartitionEntry otadata, int copy, OtaData.Entry entry) {
        int at = (int) otadata.offset() + copy * OtaData.COPY_STRIDE;
        flash.eraseCovering(at, SimFlash.SECTOR_SIZE);
        byte[] bytes = entry.encode();
        flash.program(at, bytes, 0, bytes.length);
    }

    /** bootloader_utility_load_boot_image: the selected index, down to factory, then up through the OTA slots. */
    private Outcome selectAndLoad(PartitionTable table) {
        Slots slots = Slots.of(table);
        Selection selection = select(slots);
        int start = selection.index();
        if (start == TEST_APP_INDEX - 1) {
            return new Outcome.Halted(true);
        }
        List<Integer> order = new ArrayList<>();
        for (int i = start; i >= FACTORY_INDEX; i--) {
            order.add(i);
        }
        for (int i = start + 1; i < slots.ota().size(); i++) {
            order.add(i);
        }
        for (int index : order) {
            Optional<PartitionEntry> part = slots.at(index);
            if (part.isEmpty() || part.get().size() == 0) {
                continue;
            }
            Optional<Outcome> loaded = tryLoad(part.get());
            if (loaded.isPresent()) {
                if (index > FACTORY_INDEX && selection.initialOtadata()) {
                    // set_actual_ota_seq: otadata[0] gets seq index + 1, VALID
                    OtaData.Entry actual = OtaData.Entry.of(index + 1, OtaData.STATE_VALID);
                    writeOtadata(slots.otadata().orElseThrow(), 0, actual);
                    log('I', "boot", "Set actual ota_seq=" + (index + 1) + " in otadata[0]");
                }
                if (loaded.get() instanceof Outcome.RunApp) {
                    log('I', "boot", "Disabling RNG early entropy source...");
                }
                return loaded.get();
            }
            log('E', "boot", index == FACTORY_INDEX ? "Factory app partition is not bootable"
                    : "OTA app partition slot " + index + " is not bootable");
        }
        if (slots.test().isPresent()) {
            Optional<Outcome> loaded = tryLoad(slots.test().get());
            if (loaded.isPresent()) {
                log('W', "boot", "Falling back to test app as only bootable partition");
                if (loaded.get() instanceof Outcome.RunApp) {
                    log('I', "boot", "Disabling RNG early entropy source...");
                }
                return loaded.get();
            }
        }
        log('E', "boot", "No bootable app partitions in the partition table");
        return new Outcome.Halted(true);
    }

    /** bootloader_load_image with verification: the checks and the messages of esp_image_format.c. */
    private Optional<Outcome> tryLoad(PartitionEntry part) {
        int offset = (int) part.offset();
        int size = (int) Math.min(part.size(), flash.size() - offset);
        byte[] bytes = flash.read(offset, size);
        if ((bytes[0] & 0xFF) != AppImage.MAGIC) {
            log('E', "esp_image", String.format("image at 0x%x has invalid magic byte (nothing flashed here?)", offset));
            return Optional.empty();
        }
        AppImage image;
        try {
            image = AppImage.parse(bytes);
        } catch (EspfleetException e) {
            log('E', "esp_image", String.format("image at 0x%x: %s", offset, e.getMessage()));
            return Optional.empty();
        }
        if (image.chipId() != spec.imageChipId()) {
            log('E', "boot_comm", String.format("mismatch chip ID, expected %d, found %d", spec.imageChipId(),
                    image.chipId()));
            return Optional.empty();
        }
        for (int i = 0; i < image.segments().size(); i++) {
            AppImage.Segment s = image.segments().get(i);
            boolean mapped = Integer.toUnsignedLong(s.loadAddress()) >= Integer.toUnsignedLong(spec.dromBase())
                    && Integer.toUnsignedLong(s.loadAddress()) < Integer.toUnsignedLong(spec.dromBase()) + 0x40_0000L;
            log('I', "esp_image", String.format("segment %d: paddr=%08x vaddr=%08x size=%05xh (%6d) %s", i,
                    offset + s.fileOffset(), s.loadAddress(), s.data().length, s.data().length, mapped ? "map" : "load"));
        }
        if (image.checksum() != image.computedChecksum()) {
            log('E', "esp_image", String.format("Checksum failed. Calculated 0x%x read 0x%x", image.computedChecksum(),
                    image.checksum()));
            return Optional.empty();
        }
        if (image.problem(bytes).isPresent()) {
            log('E', "esp_image", "Image hash failed - image is corrupt");
            return Optional.empty();
        }
        Optional<AppImage.Segment> payload = HostPayload.in(image);
        AppDescription description = AppDescription.of(bytes).orElse(null);
        log('I', "boot", String.format("Loaded app from partition at offset 0x%x", offset));
        if (payload.isEmpty() || description == null) {
            espfleet(String.format("the app at 0x%x (%s) has no host payload (a segment at 0x%08x): the simulated chip "
                    + "runs host builds of the firmware (espfleet's SimFirmware), not code built for the chip", offset,
                    description == null ? "no app description" : description.projectName() + " " + description.version(),
                    HostPayload.LOAD_ADDRESS));
            return Optional.of(new Outcome.Halted(false));
        }
        return Optional.of(new Outcome.RunApp(part, description, payload.get().data()));
    }

    private static String spiModeName(int mode) {
        return switch (mode) {
            case 0 -> "QIO";
            case 1 -> "QOUT";
            case 2 -> "DIO";
            case 3 -> "DOUT";
            default -> "UNKNOWN";
        };
    }

    private void rom(String line) {
        console.append(line).append("\r\n");
    }

    /** An ESP_LOG line of the bootloader: "I (31) boot: ...", with milliseconds since reset. */
    private void log(char level, String tag, String text) {
        String colour = switch (level) {
            case 'E' -> "\u001b[0;31m";
            case 'W' -> "\u001b[0;33m";
            default -> "\u001b[0;32m";
        };
        console.append(colour).append(level).append(" (").append(millis).append(") ").append(tag).append(": ")
                .append(text).append("\u001b[0m\r\n");
        millis += 3;
    }

    /** A line of the simulator itself, where a real chip would run code the simulator cannot. */
    void espfleet(String text) {
        console.append("espfleet-sim: ").append(text).append("\r\n");
    }
}
