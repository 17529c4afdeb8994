package dev.espfleet.nvs;

/**
 * Something wrong in an NVS image that the reader skipped: a page ({@code entry} -1) or an entry it could
 * not use. {@code offset} is the byte offset in the image of the page header or entry.
 */
public record NvsProblem(int page, int entry, int offset, String message) {
    @Override
    public String toString() {
        return message;
    }
}
