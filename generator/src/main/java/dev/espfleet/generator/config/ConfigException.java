package dev.espfleet.generator.config;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import java.util.List;

/** A config with one or more problems; the message lists every one of them, one per line. */
public final class ConfigException extends EspfleetException {
    private final List<ConfigProblem> problems;

    public ConfigException(List<ConfigProblem> problems) {
        super(ExitStatus.BAD_INPUT, summary(problems));
        this.problems = problems.stream().sorted().toList();
    }

    /** One {@code file:line:col: path: message} line per problem, in file order. */
    @Override
    public List<String> details() {
        return problems.stream().map(ConfigProblem::toString).toList();
    }

    public List<ConfigProblem> problems() {
        return problems;
    }

    private static String summary(List<ConfigProblem> problems) {
        String file = problems.isEmpty() ? "config" : problems.get(0).file();
        return "invalid config " + file + ": " + problems.size() + (problems.size() == 1 ? " problem" : " problems");
    }
}
