package dev.espfleet.cli;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.flasher.command.Opcode;
import dev.espfleet.flasher.sim.Fault;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The hidden {@code --sim-fault N:KIND@OPCODE#K}: a fault at the first connection of simulated board N. */
final class SimFaults {
    private static final Pattern FORM = Pattern.compile("(\\d{1,4}):([A-Za-z_]+)@([A-Za-z_]+)#(\\d{1,6})");

    private SimFaults() {
    }

    static Map<Integer, List<Fault>> parse(List<String> options) {
        Map<Integer, List<Fault>> faults = new HashMap<>();
        for (String option : options) {
            Matcher m = FORM.matcher(option.strip());
            Fault.Kind kind = null;
            Opcode opcode = null;
            if (m.matches()) {
                try {
                    kind = Fault.Kind.valueOf(m.group(2).toUpperCase(Locale.ROOT));
                    opcode = Opcode.valueOf(m.group(3).toUpperCase(Locale.ROOT));
                } catch (IllegalArgumentException e) {
                    kind = null;
                }
            }
            if (kind == null || opcode == null || Integer.parseInt(m.group(4)) < 1) {
                throw EspfleetException.badInput("--sim-fault " + option + ": expected N:KIND@OPCODE#K, e.g. "
                        + "2:DISCONNECT@FLASH_DATA#3 (KIND one of " + List.of(Fault.Kind.values()) + ")");
            }
            faults.computeIfAbsent(Integer.parseInt(m.group(1)), n -> new ArrayList<>())
                    .add(Fault.at(kind, opcode, Integer.parseInt(m.group(4))));
        }
        return faults;
    }
}
