package dev.espfleet.flasher.targets;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** The chips espfleet can talk to, each with its {@link ChipSpec}. */
public enum Chip {
    ESP32(new ChipSpec("ESP32", new int[] {0x00F01D83}, -1, 4, 4,
            0x3FF5A008, 0x3FF5A004, true, SpiRegisters.esp32(0x3FF42000), 0, 0x1000,
            // seen in ../shared/rom-traces (ESP32 ECO3 ROM): eFuse BLK0 words 3-6, APB_CTRL_DATE,
            // UART0 clock divider (40 MHz crystal at 115200), GPIO strapping (download mode)
            Map.of(0x3FF5A00C, 0x00008000, 0x3FF5A010, 0x00000000, 0x3FF5A014, 0x00100000,
                    0x3FF5A018, 0x00000000, 0x3FF6607C, 0x96042000, 0x3FF40014, 0x0000015A,
                    0x3FF44038, 0x0000000F),
            Chip::esp32Revision, Frequencies.CLASSIC)),
    ESP32S2(new ChipSpec("ESP32-S2", new int[] {0x000007C6}, -1, 2, 5,
            0x3F41A048, 0x3F41A044, false, SpiRegisters.later(0x3F402000), 2, 0x1000, Map.of(), null, Frequencies.CLASSIC)),
    ESP32S3(new ChipSpec("ESP32-S3", new int[] {0x00000009}, 9, 2, 5,
            0x60007048, 0x60007044, false, SpiRegisters.later(0x60002000), 9, 0x0, Map.of(), null, Frequencies.CLASSIC)),
    ESP32C3(new ChipSpec("ESP32-C3", new int[] {0x6921506F, 0x1B31506F, 0x4881606F, 0x4361606F}, 5, 2, 5,
            0x60008848, 0x60008844, false, SpiRegisters.later(0x60002000), 5, 0x0, Map.of(), null, Frequencies.CLASSIC)),
    ESP32C6(new ChipSpec("ESP32-C6", new int[] {0x2CE0806F}, 13, 2, 5,
            0x600B0848, 0x600B0844, false, SpiRegisters.later(0x60003000), 13, 0x0, Map.of(), null, Map.of("80m", 0x0, "40m", 0x0, "20m", 0x2))),
    ESP32H2(new ChipSpec("ESP32-H2", new int[] {0xD7B73E80}, 16, 2, 5,
            0x600B0848, 0x600B0844, false, SpiRegisters.later(0x60003000), 16, 0x0, Map.of(), null, Map.of("48m", 0xF, "24m", 0x0, "16m", 0x1, "12m", 0x2)));

    private final ChipSpec spec;

    /** Flash frequency codes in the image header (esptool's FLASH_FREQUENCY of each chip class). */
    private static final class Frequencies {
        static final Map<String, Integer> CLASSIC = Map.of("80m", 0xF, "40m", 0x0, "26m", 0x1, "20m", 0x2);
    }

    Chip(ChipSpec spec) {
        this.spec = spec;
    }

    public ChipSpec spec() {
        return spec;
    }

    /** The lowercase name used on the command line, e.g. {@code esp32s3}. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<Chip> byMagic(int magic) {
        return Arrays.stream(values()).filter(c -> Arrays.stream(c.spec.magicValues()).anyMatch(m -> m == magic))
                .findFirst();
    }

    public static Optional<Chip> bySecurityChipId(int id) {
        return Arrays.stream(values()).filter(c -> c.spec.securityChipId() == id && id >= 0).findFirst();
    }

    public static Optional<Chip> byCliName(String name) {
        String n = name.toLowerCase(Locale.ROOT).replace("-", "");
        return Arrays.stream(values()).filter(c -> c.cliName().equals(n)).findFirst();
    }

    /**
     * ESP32 revision (esptool's ESP32ROM.get_major/minor_chip_version): bit 15 of eFuse word 3, bit 20 of
     * word 5 and bit 31 of APB_CTRL_DATE combine to 0, 1, 3 or 7 for v0..v3; the minor is word 5 bits 24-25.
     */
    private static String esp32Revision(java.util.function.IntUnaryOperator reg) {
        int word3 = reg.applyAsInt(0x3FF5A00C);
        int word5 = reg.applyAsInt(0x3FF5A014);
        int apbDate = reg.applyAsInt(0x3FF6607C);
        int combined = ((apbDate >>> 31) & 1) << 2 | ((word5 >>> 20) & 1) << 1 | ((word3 >>> 15) & 1);
        int major = switch (combined) {
            case 0 -> 0;
            case 1 -> 1;
            case 3 -> 2;
            case 7 -> 3;
            default -> -1;
        };
        int minor = (word5 >>> 24) & 0x3;
        return major < 0 ? "unknown" : "v" + major + "." + minor;
    }
}
