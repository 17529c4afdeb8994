package dev.espfleet.services;

import dev.espfleet.flasher.flash.FlashWriter;
import java.util.List;

/** What a write job did to each region, and how long the writing took. */
public record WriteReport(List<FlashWriter.RegionResult> regions, double seconds) {
    public WriteReport {
        regions = List.copyOf(regions);
    }

    public long skipped() {
        return regions.stream().filter(FlashWriter.RegionResult::skipped).count();
    }

    /** Bytes written (regions already on the chip left out). */
    public long bytesWritten() {
        return regions.stream().filter(r -> !r.skipped()).mapToLong(r -> r.region().data().length).sum();
    }
}
