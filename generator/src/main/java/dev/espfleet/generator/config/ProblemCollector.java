package dev.espfleet.generator.config;

import java.util.ArrayList;
import java.util.List;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.nodes.Node;

/** Collects every problem of one config file so that all of them are reported at once. */
final class ProblemCollector {
    private final String file;
    private final List<ConfigProblem> problems = new ArrayList<>();

    ProblemCollector(String file) {
        this.file = file;
    }

    void add(Node at, String path, String message) {
        Mark mark = at == null ? null : at.getStartMark().orElse(null);
        add(mark, path, message);
    }

    void add(Mark mark, String path, String message) {
        int line = mark == null ? 1 : mark.getLine() + 1;
        int column = mark == null ? 1 : mark.getColumn() + 1;
        problems.add(new ConfigProblem(file, line, column, path, message));
    }

    boolean isEmpty() {
        return problems.isEmpty();
    }

    List<ConfigProblem> problems() {
        return problems.stream().sorted().toList();
    }
}
