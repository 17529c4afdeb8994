package dev.espfleet.bench.console;

import java.util.Optional;
import java.util.OptionalLong;

/**
 * A device's {@code state}: a milestone reached (and, in answer to a {@code query}, the latest one).
 *
 * @param name      the milestone as the frame names it
 * @param milestone the same, when this bench knows it
 * @param thing     with {@code mqtt_connected}: the client id it connected as
 */
public record StateReport(String name, Optional<Milestone> milestone, Optional<String> thing, OptionalLong uptimeMs)
        implements DeviceReport {
    public boolean is(Milestone m) {
        return milestone.equals(Optional.of(m));
    }
}
