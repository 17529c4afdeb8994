package dev.espfleet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Command;

/** The names {@link EspfleetCommand#SUBCOMMANDS} picks commands by are the ones their annotations give. */
class CommandTreeTest {
    @Test
    void everyListedNameIsTheCommandsOwnAndNoClassIsListedTwice() {
        List<Class<?>> seen = new ArrayList<>();
        check(EspfleetCommand.SUBCOMMANDS, seen);
        assertEquals(seen.size(), seen.stream().distinct().count(), "a class listed twice: " + seen);
    }

    private static void check(List<EspfleetCommand.Sub> subs, List<Class<?>> seen) {
        List<String> names = new ArrayList<>();
        for (EspfleetCommand.Sub sub : subs) {
            Command command = sub.type().getAnnotation(Command.class);
            assertEquals(command.name(), sub.name(), sub.type().getName());
            assertEquals(0, command.subcommands().length, sub.type().getName()
                    + ": its subcommands belong in EspfleetCommand.SUBCOMMANDS, which builds only the one a run names");
            names.add(sub.name());
            seen.add(sub.type());
            check(sub.subcommands(), seen);
        }
        assertEquals(names.size(), names.stream().distinct().count(), "a name listed twice at one level: " + names);
    }

    @Test
    void aFullTreeHasEveryCommand() {
        picocli.CommandLine all = Main.newCommandLine(new String[] {"--help"});
        assertEquals(EspfleetCommand.SUBCOMMANDS.stream().map(EspfleetCommand.Sub::name).toList(),
                List.copyOf(all.getSubcommands().keySet()));
        assertEquals(List.of("generate", "encrypt", "dump", "decrypt", "keygen", "mfg", "bench"),
                List.copyOf(all.getSubcommands().get("nvs").getSubcommands().keySet()));
    }
}
