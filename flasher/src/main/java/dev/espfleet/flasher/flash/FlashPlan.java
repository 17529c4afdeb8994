package dev.espfleet.flasher.flash;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.flasher.image.FlashRegion;
import dev.espfleet.flasher.image.FlasherArgs;
import dev.espfleet.flasher.image.ImageHeaderPatch;
import dev.espfleet.flasher.image.ImageCheck;
import dev.espfleet.flasher.loader.RomLoader;
import dev.espfleet.model.Chip;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * What a write job puts on a board, and the one check every write makes once the board is connected,
 * whichever command asked ({@code write-flash}, {@code flash}, the bench): the build is for the connected
 * chip, no image's header names another chip, the flash parameters are patched into the bootloader header as
 * asked, and the regions fit the chip's flash without overlapping.
 *
 * @param builtFor the chip a build is for (flasher_args.json's {@code extra_esptool_args.chip}); empty for
 *                 loose files, whose image headers are still checked
 */
public record FlashPlan(List<FlashRegion> regions, Optional<Chip> builtFor, HeaderSettings header) {

    /** Nothing to write but what {@link #plus} adds (a bench without {@code --build}). */
    public static final FlashPlan NONE = new FlashPlan(List.of(), Optional.empty(), HeaderSettings.KEEP);

    public FlashPlan {
        regions = List.copyOf(regions);
    }

    /** Loose files ({@code write-flash}): no chip expected but the one their image headers name. */
    public static FlashPlan of(List<FlashRegion> regions) {
        return new FlashPlan(regions, Optional.empty(), HeaderSettings.KEEP);
    }

    /** Every binary of an ESP-IDF build, for the chip it was built for. */
    public static FlashPlan of(FlasherArgs build) {
        Optional<Chip> chip = build.chip().map(name -> Chip.parse(name).orElseThrow(() -> EspfleetException.badInput(
                build.file() + ": extra_esptool_args.chip '" + name + "' is not a chip espfleet knows (expected "
                        + Chip.choices(c -> true) + ")")));
        return new FlashPlan(build.regions(), chip, HeaderSettings.KEEP);
    }

    /** The same plan with one more region (an identity or Wi-Fi NVS image). */
    public FlashPlan plus(FlashRegion region) {
        List<FlashRegion> more = new ArrayList<>(regions);
        more.add(region);
        return new FlashPlan(more, builtFor, header);
    }

    public FlashPlan withHeader(HeaderSettings settings) {
        return new FlashPlan(regions, builtFor, settings);
    }

    /**
     * The regions to write to the connected chip, checked: refused (exit 2, nothing written) when the build is
     * for another chip, an image is built for another chip, or the regions do not fit the chip's flash; the
     * bootloader header patched as {@link #header} asks ({@code notes} hears what was changed).
     */
    public List<FlashRegion> checkedFor(RomLoader loader, Consumer<String> notes) {
        Chip chip = loader.chip();
        builtFor.ifPresent(built -> {
            if (built != chip) {
                throw new EspfleetException(ExitStatus.BAD_INPUT, "the build is for " + built.idfName()
                        + ", but the connected chip is " + chip.displayName(), "connect the right board");
            }
        });
        List<FlashRegion> patched = new ArrayList<>();
        for (FlashRegion r : regions) {
            ImageCheck.requireChip(r, chip);
            ImageHeaderPatch.Result p = ImageHeaderPatch.apply(r, loader.spec(), header.mode(), header.freq(),
                    header.size(), loader.flashSize());
            p.note().ifPresent(notes);
            patched.add(p.region());
        }
        FlashWriter.validate(patched, loader.flashSize());
        return List.copyOf(patched);
    }

    /**
     * {@code --flash-mode/--flash-freq/--flash-size}: what to set in the bootloader image header ({@code keep}
     * leaves it). Checked when made, before a port is opened.
     */
    public record HeaderSettings(String mode, String freq, String size) {
        public static final HeaderSettings KEEP = new HeaderSettings(ImageHeaderPatch.KEEP, ImageHeaderPatch.KEEP,
                ImageHeaderPatch.KEEP);

        public HeaderSettings {
            ImageHeaderPatch.checkOptions(mode, freq, size);
        }
    }
}
