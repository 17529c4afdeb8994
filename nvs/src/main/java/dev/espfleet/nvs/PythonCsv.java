package dev.espfleet.nvs;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import java.util.ArrayList;
import java.util.List;

/**
 * CSV read as Espressif's tools read it: a file opened in Python's text mode (universal newlines: CR LF
 * and a lone CR both become LF before anything else sees them), split into physical lines that the tool
 * may filter, then parsed by Python's {@code csv} module with its default "excel" dialect, non-strict.
 * That parser is followed state for state (CPython {@code Modules/_csv.c}, {@code parse_process_char}), so
 * a value comes out exactly as the Python tool gets it: a quote is special only at the start of a field,
 * {@code ""} inside quotes is one quote, and text after a closing quote is kept ({@code "ab"c} is
 * {@code abc}, {@code "ab" } is {@code "ab "}).
 *
 * <p>Where the Python tool would silently change a value, this reader refuses instead: a line filtered
 * out from the middle of a quoted value, and a quoted value never closed (Python takes the rest of the
 * file as its content). Where it stops, so does this reader: a field over {@link #FIELD_SIZE_LIMIT}
 * characters. Refusals name the file and line.
 */
final class PythonCsv {
    /**
     * One record and the physical line (1-based, after newline translation) it starts on. A blank line is a
     * record without cells, as Python's reader returns {@code []} for it ({@code csv.DictReader} skips it,
     * except as its header).
     */
    record Record(int line, List<String> cells) {
    }

    /**
     * Python's {@code csv.field_size_limit()} default: the reader stops ("field larger than field limit") on
     * a field of more characters (code points).
     */
    static final int FIELD_SIZE_LIMIT = 131_072;

    /** Which physical lines the tool drops before the CSV parser sees them. */
    enum LineFilter {
        /** {@code nvs_partition_gen.py generate}: lines starting with {@code #} are comments. */
        COMMENTS,
        /** {@code mfg_gen.py} ({@code strip_blank_lines}): blank and whitespace-only lines. */
        BLANK_LINES,
        /** espfleet's mfg {@code config.csv}: both (mfg_gen.py itself refuses comment lines there). */
        COMMENTS_AND_BLANK_LINES;

        boolean dropsComments() {
            return this != BLANK_LINES;
        }

        boolean dropsBlankLines() {
            return this != COMMENTS;
        }
    }

    private enum State { START_RECORD, START_FIELD, IN_FIELD, IN_QUOTED_FIELD, QUOTE_IN_QUOTED_FIELD, EAT_NEWLINE }

    private static final char DELIMITER = ',';
    private static final char QUOTE = '"';

    private final String name;
    private final List<Record> records = new ArrayList<>();
    private final List<String> fields = new ArrayList<>();
    private final StringBuilder field = new StringBuilder();
    private State state = State.START_RECORD;
    private int recordLine;
    private int quoteLine;

    private PythonCsv(String name) {
        this.name = name;
    }

    /** Python's universal newlines: CR LF and lone CR become LF. */
    static String universalNewlines(String text) {
        return text.indexOf('\r') < 0 ? text : text.replace("\r\n", "\n").replace('\r', '\n');
    }

    /**
     * The longest physical line read (characters): far above any CSV a Python tool is given, and what bounds
     * the memory of a streamed CSV, whose length is not bounded.
     */
    static final int MAX_LINE_CHARS = 8 << 20;

    /** The records of {@code text} (newlines already translated), blank lines included as empty records. */
    static List<Record> parse(String text, String name, LineFilter filter) {
        Reader reader = new Reader(new java.io.StringReader(text), name, filter);
        List<Record> records = new ArrayList<>();
        for (Record r = reader.next(); r != null; r = reader.next()) {
            records.add(r);
        }
        return records;
    }

    /**
     * Reads records one at a time from a character stream, so a CSV of any length is read in the memory of
     * one record: physical lines with Python's universal newlines (CR LF and lone CR become LF), filtered,
     * then parsed. {@link #parse} is this reader over a whole text.
     */
    static final class Reader {
        private final java.io.Reader in;
        private final PythonCsv csv;
        private final LineFilter filter;
        private final char[] buffer = new char[8192];
        private final StringBuilder line = new StringBuilder();
        private int position;
        private int limit;
        private boolean skipLineFeed;
        private boolean ended;
        private int lineNumber;

        Reader(java.io.Reader in, String name, LineFilter filter) {
            this.in = in;
            this.csv = new PythonCsv(name);
            this.filter = filter;
        }

        /** The next record, or null at the end; a decoding failure of {@code in} surfaces as its IOException. */
        Record nextOrThrow() throws java.io.IOException {
            while (csv.records.isEmpty()) {
                String physical = readLine();
                if (physical == null) {
                    if (!ended) {
                        ended = true;
                        csv.end();
                    }
                    return null;
                }
                lineNumber++;
                if (filter.dropsComments() && physical.startsWith("#")) {
                    csv.dropLine(lineNumber, "starts with '#'", "Espressif's generator drops such lines as comments");
                    continue;
                }
                if (filter.dropsBlankLines() && physical.isBlank()) {
                    csv.dropLine(lineNumber, "is blank", "mfg_gen.py drops blank lines");
                    continue;
                }
                csv.line(lineNumber, physical);
            }
            return csv.records.remove(0);
        }

        /** {@link #nextOrThrow} over a source that cannot fail (a text in memory). */
        Record next() {
            try {
                return nextOrThrow();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        /** The next physical line with its newline (translated to LF), the last one maybe without; null at the end. */
        private String readLine() throws java.io.IOException {
            line.setLength(0);
            while (true) {
                if (position == limit) {
                    limit = Math.max(0, in.read(buffer, 0, buffer.length));
                    position = 0;
                    if (limit == 0) {
                        return line.length() == 0 ? null : line.toString();
                    }
                }
                char c = buffer[position++];
                if (skipLineFeed) {
                    skipLineFeed = false;
                    if (c == '\n') {
                        continue;
                    }
                }
                if (c == '\r') {
                    skipLineFeed = true;
                    c = '\n';
                }
                line.append(c);
                if (c == '\n') {
                    return line.toString();
                }
                if (line.length() > MAX_LINE_CHARS) {
                    throw new EspfleetException(ExitStatus.BAD_INPUT, String.format("%s:%d: a line of more than %d"
                            + " characters; espfleet reads CSV lines up to that length", csv.name, lineNumber + 1,
                            MAX_LINE_CHARS));
                }
            }
        }
    }

    private void dropLine(int lineNumber, String what, String why) {
        if (state == State.IN_QUOTED_FIELD) {
            throw new EspfleetException(ExitStatus.BAD_INPUT, String.format(
                    "%s:%d: this line %s inside the quoted value that starts on line %d; %s, so the value would"
                            + " not be stored as written", name, lineNumber, what, quoteLine, why));
        }
    }

    private void line(int lineNumber, String line) {
        if (state == State.START_RECORD) {
            recordLine = lineNumber;
        }
        for (int i = 0; i < line.length(); i++) {
            process(line.charAt(i), lineNumber);
        }
        endOfLine();
        if (state == State.START_RECORD) {
            records.add(new Record(recordLine, List.copyOf(fields)));
            fields.clear();
        }
    }

    private void process(char c, int lineNumber) {
        switch (state) {
            case START_RECORD -> {
                if (c == '\n') {
                    state = State.EAT_NEWLINE;
                } else {
                    state = State.START_FIELD;
                    process(c, lineNumber);
                }
            }
            case START_FIELD -> {
                if (c == '\n') {
                    saveField();
                    state = State.EAT_NEWLINE;
                } else if (c == QUOTE) {
                    quoteLine = lineNumber;
                    state = State.IN_QUOTED_FIELD;
                } else if (c == DELIMITER) {
                    saveField();
                } else {
                    field.append(c);
                    state = State.IN_FIELD;
                }
            }
            case IN_FIELD -> {
                if (c == '\n') {
                    saveField();
                    state = State.EAT_NEWLINE;
                } else if (c == DELIMITER) {
                    saveField();
                    state = State.START_FIELD;
                } else {
                    field.append(c);
                }
            }
            case IN_QUOTED_FIELD -> {
                if (c == QUOTE) {
                    state = State.QUOTE_IN_QUOTED_FIELD;
                } else {
                    field.append(c);
                }
            }
            case QUOTE_IN_QUOTED_FIELD -> {
                if (c == QUOTE) {
                    field.append(c);
                    state = State.IN_QUOTED_FIELD;
                } else if (c == DELIMITER) {
                    saveField();
                    state = State.START_FIELD;
                } else if (c == '\n') {
                    saveField();
                    state = State.EAT_NEWLINE;
                } else {
                    // non-strict: text after the closing quote joins the field
                    field.append(c);
                    state = State.IN_FIELD;
                }
            }
            case EAT_NEWLINE -> {
                // only a newline can follow a newline within one physical line
            }
            default -> throw new IllegalStateException(state.toString());
        }
    }

    /** The end-of-line mark Python's reader processes after each physical line. */
    private void endOfLine() {
        switch (state) {
            case START_FIELD, IN_FIELD, QUOTE_IN_QUOTED_FIELD -> {
                saveField();
                state = State.START_RECORD;
            }
            case EAT_NEWLINE -> state = State.START_RECORD;
            default -> {
                // START_RECORD stays; IN_QUOTED_FIELD continues on the next line
            }
        }
    }

    private void end() {
        if (state == State.IN_QUOTED_FIELD) {
            throw new EspfleetException(ExitStatus.BAD_INPUT, String.format(
                    "%s:%d: the quoted value that starts on this line has no closing quote (\")", name, quoteLine));
        }
    }

    private void saveField() {
        int characters = field.codePointCount(0, field.length());
        if (characters > FIELD_SIZE_LIMIT) {
            throw new EspfleetException(ExitStatus.BAD_INPUT, String.format("%s:%d: a value of %d characters; Python's"
                    + " csv module, with which Espressif's tools read the CSV, stops on a value over %d characters (field"
                    + " larger than field limit); give large data in a file", name, recordLine, characters,
                    FIELD_SIZE_LIMIT));
        }
        fields.add(field.toString());
        field.setLength(0);
    }
}
