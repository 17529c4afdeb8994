package dev.espfleet.flasher.loader;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.flasher.FlasherErrors;
import dev.espfleet.flasher.command.Command;
import dev.espfleet.flasher.command.Response;
import dev.espfleet.flasher.command.StatusFormat;
import dev.espfleet.flasher.command.Wire;
import dev.espfleet.flasher.connection.RomConnection;
import dev.espfleet.flasher.targets.ChipSpec;
import dev.espfleet.model.Chip;
import dev.espfleet.model.MacAddress;

/** Which chip answers, and what {@code chip-info} tells of it: MAC, revision, flash id and size. */
public final class ChipDetection {
    private final LoaderSession session;
    private final RegisterAccess registers;
    private final FlashAttach flash;

    ChipDetection(LoaderSession session, RegisterAccess registers, FlashAttach flash) {
        this.session = session;
        this.registers = registers;
        this.flash = flash;
    }

    /**
     * GET_SECURITY_INFO, whose reply carries the chip id on later ROMs; the ESP32 ROM does not know it, so
     * then the magic register tells. From then on replies are read with the chip's status format.
     */
    void detect() {
        RomConnection connection = session.connection();
        Chip found = null;
        try {
            Response r = connection.executeRaw(new Command.GetSecurityInfo());
            StatusFormat f = connection.formatOf(r);
            byte[] body = r.body(f);
            if (r.ok(f) && body.length >= 20) {
                int id = Wire.le(body).getInt(12);
                found = ChipSpec.bySecurityChipId(id).orElse(null);
            }
        } catch (FlasherErrors.Unsupported | FlasherErrors.Rejected | FlasherErrors.Ambiguous e) {
            // the ESP32 ROM does not know the command (or its answer was damaged): the magic register tells all
        }
        if (found == null) {
            int magic = registers.read(ChipSpec.MAGIC_REGISTER);
            found = ChipSpec.byMagic(magic).orElseThrow(() -> new EspfleetException(ExitStatus.JOB_FAILED,
                    String.format("unknown chip: magic register 0x%08X reads 0x%08X", ChipSpec.MAGIC_REGISTER, magic),
                    "espfleet knows " + Chip.choices(c -> true)));
        }
        session.chipDetected(found);
        session.log().accept("chip is " + found.displayName());
    }

    /** MAC (eFuses), revision, JEDEC id and size of the attached flash. */
    public ChipInfo info() {
        ChipSpec s = session.spec();
        MacAddress mac = MacAddress.of(s.macFrom(registers.read(s.macHigh()), registers.read(s.macLow())));
        String revision = s.revision() == null ? "unknown" : s.revision().decode(registers::read);
        return new ChipInfo(session.chip(), mac, revision, flash.jedecId(), session.flashSize());
    }
}
