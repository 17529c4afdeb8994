package dev.espfleet.nvs;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;

/**
 * Sizes and offsets as Espressif's tools take them: hex with {@code 0x} or decimal, optionally with a
 * K/M (or KB/MB, as {@code --flash-size 4MB}) suffix of 1024 / 1048576.
 */
public final class PartitionSize {
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

    /** An NVS partition size, checked as {@link NvsPartitionWriter#checkPartitionSize} does. */
    public static int nvs(String text) {
        long size = parse(text, "partition size");
        NvsPartitionWriter.checkPartitionSize(size);
        return (int) size;
    }
}
