package dev.espfleet.flasher.sim;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.flasher.targets.ChipSpec;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A boot of a flash file without a simulated chip around it (what {@code espfleet run-host --flash-file} does at
 * each start and after each {@code esp_restart()}): the simulated ROM and second-stage bootloader
 * ({@link SimBootloader}) pick the app slot from {@code otadata} (with app rollback: PENDING_VERIFY becomes
 * ABORTED, NEW becomes PENDING_VERIFY, written back to the file) and give the app's host payload to run.
 */
public final class FlashFileBoot {
    /** The app the bootloader loaded: its partition label, version, host payload (an ELF) and the boot log. */
    public record App(String partition, String version, byte[] elf, String console) {
    }

    private FlashFileBoot() {
    }

    /**
     * Boots {@code flashFile} ({@code flashSize} bytes). Throws {@code EspfleetException} (exit 1) with the
     * bootloader's log when there is no app to run or its payload cannot run on this machine.
     */
    public static App boot(Path flashFile, int flashSize, ChipSpec spec, boolean rollback) {
        SimFlash flash = SimFlash.file(flashFile, flashSize);
        SimBootloader loader = new SimBootloader(flash, spec, rollback);
        SimBootloader.Outcome outcome = loader.boot();
        flash.force();
        String console = loader.console();
        if (outcome instanceof SimBootloader.Outcome.RunApp run) {
            Optional<String> problem = SimApp.unsuitable(run.elf());
            if (problem.isPresent()) {
                throw new EspfleetException(ExitStatus.JOB_FAILED, "the app in partition '" + run.partition().name()
                        + "' of " + flashFile + " cannot run here: " + problem.get());
            }
            return new App(run.partition().name(), run.description().version(), run.elf(), console);
        }
        throw new EspfleetException(ExitStatus.JOB_FAILED, "the bootloader found no app to run in " + flashFile
                + " (its log: " + console.strip().replace("\r\n", " | ") + ")");
    }
}
