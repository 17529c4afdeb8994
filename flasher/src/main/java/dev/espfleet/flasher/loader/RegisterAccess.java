package dev.espfleet.flasher.loader;

import dev.espfleet.flasher.command.Command;

/** READ_REG and WRITE_REG: eFuses, the magic register, the SPI controller. Both may be sent again safely. */
public final class RegisterAccess {
    private final LoaderSession session;

    RegisterAccess(LoaderSession session) {
        this.session = session;
    }

    public int read(int address) {
        return session.executeIdempotent(new Command.ReadReg(address)).value();
    }

    public void write(int address, int value) {
        session.executeIdempotent(new Command.WriteReg(address, value));
    }
}
