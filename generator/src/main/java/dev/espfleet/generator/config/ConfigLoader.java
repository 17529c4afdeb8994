package dev.espfleet.generator.config;

import dev.espfleet.common.InputFiles;
import dev.espfleet.common.EspfleetException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Optional;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.Node;

/**
 * Reads a device config (YAML) into a {@link DeviceConfig}, checking it with {@link ConfigSchema} against the
 * limits of ESP-IDF and AWS IoT Core. Every problem is collected with its line and column, and all of them are
 * thrown together in one {@link ConfigException}.
 */
public final class ConfigLoader {
    private ConfigLoader() {
    }

    /**
     * A device config is a few kilobytes; the bound keeps a wrong file ({@code /dev/zero}, a disk image)
     * from filling the heap, and keeps the YAML scanner's cost (which grows faster than linearly with a
     * long scalar) to a fraction of a second.
     */
    public static final int MAX_CONFIG_BYTES = 1 << 20;
    /**
     * YAML nesting beyond this is refused before the tree is built: the composer recurses once per level,
     * so 100,000 '[' would overflow the stack. A real config nests about five levels.
     */
    public static final int MAX_NESTING = 50;

    public static DeviceConfig load(Path file) {
        String text;
        try {
            byte[] bytes = InputFiles.read(file, MAX_CONFIG_BYTES, "device config");
            text = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            throw EspfleetException.badInput(file + ": not UTF-8 text; a device config is a YAML file");
        }
        DeviceConfig config = parse(file.toString(), file.getFileName().toString(), text);
        if (config.jobs().otaSigningKey().isPresent()) {
            Path dir = file.toAbsolutePath().getParent();
            Path key = dir.resolve(config.jobs().otaSigningKey().get());
            config = config.withJobs(config.jobs().withOtaSigningKeyPem(OtaSigningKey.read(key, file)));
        }
        return config;
    }

    /**
     * @param location how problems name the file (the path the user gave)
     * @param sourceName the file name recorded in generated sources
     */
    public static DeviceConfig parse(String location, String sourceName, String text) {
        ProblemCollector problems = new ProblemCollector(location);
        Optional<Node> root;
        try {
            LoadSettings settings = LoadSettings.builder().setLabel(location).setAllowDuplicateKeys(true)
                    .setCodePointLimit(MAX_CONFIG_BYTES).setMaxAliasesForCollections(MAX_NESTING).build();
            Optional<TooDeep> tooDeep = nestedTooDeep(settings, text);
            if (tooDeep.isPresent()) {
                problems.add(tooDeep.get().mark(), "", "invalid YAML: nested more than " + MAX_NESTING
                        + " levels deep; a device config nests a few levels");
                throw new ConfigException(problems.problems());
            }
            root = new Compose(settings).composeString(text);
        } catch (MarkedYamlEngineException e) {
            problems.add(e.getProblemMark().orElse(null), "", "invalid YAML: " + e.getProblem());
            throw new ConfigException(problems.problems());
        } catch (YamlEngineException e) {
            problems.add((org.snakeyaml.engine.v2.exceptions.Mark) null, "", "invalid YAML: " + e.getMessage());
            throw new ConfigException(problems.problems());
        }
        if (root.isEmpty()) {
            problems.add((Node) null, "", "the config is empty; start from one of the files in examples/");
            throw new ConfigException(problems.problems());
        }
        Optional<YamlSection> top = YamlSection.of(root.get(), "", problems);
        if (top.isEmpty()) {
            throw new ConfigException(problems.problems());
        }
        Values config = Values.read(ConfigSchema.CONFIG, top.get());
        config.check();
        if (!problems.isEmpty()) {
            throw new ConfigException(problems.problems());
        }
        return ConfigSchema.deviceConfig(config, sourceName);
    }

    /**
     * Where the text first nests deeper than {@link #MAX_NESTING}, found from the parser's event stream
     * (which, unlike the composer, does not recurse).
     */
    private static Optional<TooDeep> nestedTooDeep(LoadSettings settings, String text) {
        int depth = 0;
        for (org.snakeyaml.engine.v2.events.Event event : new org.snakeyaml.engine.v2.api.lowlevel.Parse(settings)
                .parseString(text)) {
            switch (event.getEventId()) {
                case SequenceStart, MappingStart -> {
                    if (++depth > MAX_NESTING) {
                        return Optional.of(new TooDeep(event.getStartMark().orElse(null)));
                    }
                }
                case SequenceEnd, MappingEnd -> depth--;
                default -> {
                    // scalars, aliases and document events do not nest
                }
            }
        }
        return Optional.empty();
    }

    private record TooDeep(org.snakeyaml.engine.v2.exceptions.Mark mark) {
    }

    static String fmt(double d) {
        return d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString((long) d) : Double.toString(d);
    }
}
