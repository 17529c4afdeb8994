package dev.espfleet.bench.eol;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The last lines of a unit's console, made fit for a log: ANSI colour codes removed, other control characters
 * and invalid UTF-8 shown as '?', long lines cut. Also counts the ROM's reset banners ({@code rst:0x..}).
 */
final class ConsoleTail {
    static final int LINES = 40;
    static final int LINE_CHARS = 200;
    /** ESC [ parameters letter: the SGR colour codes of ESP_LOG, and any other CSI sequence. */
    private static final Pattern CSI = Pattern.compile("\u001b\\[[0-9;?]*[ -/]*[@-~]");
    /** The ESP32 family ROM's first line after a reset names its cause: {@code rst:0x1 (POWERON_RESET),boot:...}. */
    private static final Pattern ROM_BANNER = Pattern.compile("rst:0x[0-9a-f]+ \\(");

    private final ArrayDeque<String> lines = new ArrayDeque<>();
    private int romBanners;

    void add(byte[] raw) {
        String text = CSI.matcher(new String(raw, StandardCharsets.UTF_8)).replaceAll("");
        StringBuilder clean = new StringBuilder(Math.min(text.length(), LINE_CHARS + 3));
        for (int i = 0; i < text.length() && clean.length() < LINE_CHARS; i++) {
            char c = text.charAt(i);
            clean.append(c < 0x20 && c != '\t' || c == 0x7f || c == '\ufffd' ? '?' : c);
        }
        if (text.length() > LINE_CHARS) {
            clean.append("...");
        }
        String line = clean.toString().strip();
        if (ROM_BANNER.matcher(line).find()) {
            romBanners++;
        }
        if (line.isEmpty()) {
            return;
        }
        lines.addLast(line);
        if (lines.size() > LINES) {
            lines.removeFirst();
        }
    }

    List<String> lines() {
        return List.copyOf(lines);
    }

    Optional<String> last() {
        return Optional.ofNullable(lines.peekLast());
    }

    int romBanners() {
        return romBanners;
    }
}
