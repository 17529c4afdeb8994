package dev.espfleet.generator.config;

/**
 * One thing wrong with a config, located: {@code file:line:col: path: message}. Line and column are
 * 1-based, as editors count them.
 */
public record ConfigProblem(String file, int line, int column, String path, String message)
        implements Comparable<ConfigProblem> {

    @Override
    public String toString() {
        return file + ":" + line + ":" + column + ": " + (path.isEmpty() ? "" : path + ": ") + message;
    }

    @Override
    public int compareTo(ConfigProblem o) {
        int c = Integer.compare(line, o.line);
        return c != 0 ? c : Integer.compare(column, o.column);
    }
}
