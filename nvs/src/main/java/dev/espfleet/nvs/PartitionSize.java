package dev.espfleet.nvs;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import java.util.regex.Pattern;

/**
 * Sizes and offsets as Espressif's tools take them. Partition tables and flash sizes ({@code gen_esp32part.py},
 * esptool): hex with {@code 0x} or decimal, optionally with a K/M (or KB/MB, as {@code --flash-size 4MB})
 * suffix of 1024 / 1048576. An NVS partition size ({@code nvs_partition_gen.py}'s {@code size}, read with
 * Python's {@code int(size, 0)}): hex with {@code 0x} or decimal only.
 */
public final class PartitionSize {
    /** What {@code int(size, 0)} reads that espfleet takes: 0x-hex, or decimal without leading zeros. */
    private static final Pattern NVS_SIZE = Pattern.compile("0[xX][0-9a-fA-F]+|[1-9][0-9]*|0");

    private PartitionSize() {
    }

    public static long parse(String text, String what) {
        String t = text.strip();
        if (t.endsWith("B") || t.endsWith("b")) {
            t = t.substring(0, t.length() - 1);
        }
        long unit = 1;
        if (t.endsWith("K") || t.endsWith("k")) {
            unit = 1024;
            t = t.substring(0, t.length() - 1);
        } else if (t.endsWith("M") || t.endsWith("m")) {
            unit = 1024 * 1024;
            t = t.substring(0, t.length() - 1);
        }
        try {
            long v = t.startsWith("0x") || t.startsWith("0X") ? Long.parseLong(t.substring(2), 16) : Long.parseLong(t);
            if (v < 0) {
                throw new NumberFormatException();
            }
            return Math.multiplyExact(v, unit);
        } catch (NumberFormatException | ArithmeticException e) {
            throw new EspfleetException(ExitStatus.BAD_INPUT,
                    what + " '" + text + "' is not a size; give hex (0x6000) or decimal (24576)");
        }
    }

    /**
     * An NVS partition size as {@code nvs_partition_gen.py} takes it (hex {@code 0x6000} or decimal
     * {@code 24576}; no K/M suffix, which the Python tool rejects), checked as
     * {@link NvsPartitionWriter#checkPartitionSize} does.
     */
    public static int nvs(String text) {
        String t = text.strip();
        if (!NVS_SIZE.matcher(t).matches()) {
            throw new EspfleetException(ExitStatus.BAD_INPUT, "partition size '" + text + "' is not a number of bytes;"
                    + " give hex (0x6000) or decimal (24576), as nvs_partition_gen.py takes it (no K/M suffix)");
        }
        long size;
        try {
            size = t.length() > 1 && (t.charAt(1) == 'x' || t.charAt(1) == 'X') ? Long.parseLong(t.substring(2), 16)
                    : Long.parseLong(t);
        } catch (NumberFormatException e) {
            size = Long.MAX_VALUE;
        }
        NvsPartitionWriter.checkPartitionSize(size);
        return (int) size;
    }
}
