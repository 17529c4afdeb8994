package dev.espfleet.cli;

import dev.espfleet.common.AtomicFiles;
import dev.espfleet.common.EspfleetException;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;

/**
 * The few device-config fields {@code provision} needs ({@code aws.endpoint}, {@code product.name}), read
 * without the full config model. Stands in for the generator's config loader until the two are merged.
 */
record DeviceConfigFields(Optional<String> endpoint, Optional<String> productName) {

    static DeviceConfigFields none() {
        return new DeviceConfigFields(Optional.empty(), Optional.empty());
    }

    static DeviceConfigFields read(Path file) {
        Object root;
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            root = new Load(LoadSettings.builder().setLabel(file.toString()).build()).loadFromReader(in);
        } catch (IOException e) {
            throw EspfleetException.badInput("cannot read config " + file + ": " + AtomicFiles.describe(e));
        } catch (MarkedYamlEngineException e) {
            String where = e.getProblemMark().map(m -> ":" + (m.getLine() + 1) + ":" + (m.getColumn() + 1)).orElse("");
            throw EspfleetException.badInput(file + where + ": invalid YAML: " + e.getProblem());
        } catch (YamlEngineException e) {
            throw EspfleetException.badInput(file + ": invalid YAML: " + e.getMessage());
        }
        Map<?, ?> top = root instanceof Map<?, ?> m ? m : Map.of();
        return new DeviceConfigFields(string(file, top, "aws", "endpoint"), string(file, top, "product", "name"));
    }

    private static Optional<String> string(Path file, Map<?, ?> top, String section, String field) {
        Object s = top.get(section);
        if (!(s instanceof Map<?, ?> m) || m.get(field) == null) {
            return Optional.empty();
        }
        Object value = m.get(field);
        if (!(value instanceof String text)) {
            throw EspfleetException.badInput(file + ": " + section + "." + field + ": expected a string, got "
                    + value);
        }
        return Optional.of(text);
    }
}
