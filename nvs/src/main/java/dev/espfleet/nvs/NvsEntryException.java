package dev.espfleet.nvs;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;

/**
 * An entry the writer cannot store; {@link #entryIndex()} is its position in the list handed to the writer,
 * so that a caller (the CSV reader) can name the file and line it came from.
 */
public final class NvsEntryException extends EspfleetException {
    private final int entryIndex;
    private final String detail;

    public NvsEntryException(int entryIndex, String detail) {
        super(ExitStatus.BAD_INPUT, "entry " + (entryIndex + 1) + ": " + detail);
        this.entryIndex = entryIndex;
        this.detail = detail;
    }

    public int entryIndex() {
        return entryIndex;
    }

    /** The message without the entry number. */
    public String detail() {
        return detail;
    }
}
