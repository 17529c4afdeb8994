package dev.espfleet.flasher.loader;

import dev.espfleet.flasher.FlasherErrors;
import dev.espfleet.flasher.connection.ConnectOptions;
import dev.espfleet.flasher.connection.ResetSequence;
import dev.espfleet.flasher.connection.Transport;
import java.io.IOException;

/** The resets {@code --before} and {@code --after} ask for, where the port has DTR/RTS to do them. */
public final class ResetControl {
    private final LoaderSession session;

    ResetControl(LoaderSession session) {
        this.session = session;
    }

    /** Runs the {@code --before} reset sequence if there is one and the port has the lines; false otherwise. */
    boolean intoLoader(int attempt) {
        Transport transport = session.transport();
        if (!transport.hasModemLines()) {
            return false;
        }
        try {
            switch (session.options().before()) {
                case DEFAULT_RESET -> ResetSequence.classic(transport, attempt % 2 == 1 ? 50 : 550);
                case USB_RESET -> ResetSequence.usbJtagSerial(transport);
                default -> {
                    return false;
                }
            }
        } catch (IOException e) {
            throw new FlasherErrors.LinkLost(transport.description(), e);
        }
        return true;
    }

    /**
     * {@code --after}: restart into the application where the port has the lines for it (on a chip's
     * USB-Serial/JTAG, or with {@code --before usb-reset}, by the USB sequence). True when the chip was reset.
     */
    public boolean afterJob() {
        if (session.options().after() != ConnectOptions.After.HARD_RESET) {
            return false;
        }
        Transport transport = session.transport();
        if (transport.hasModemLines()) {
            boolean usb = transport.usbSerialJtag() || session.options().before() == ConnectOptions.Before.USB_RESET;
            try {
                ResetSequence.hardReset(transport, usb);
                session.log().accept("hard reset" + (usb ? " (USB-Serial/JTAG)" : "") + ": the chip runs its application");
                return true;
            } catch (IOException e) {
                throw new FlasherErrors.LinkLost(transport.description(), e);
            }
        }
        session.log().accept("note: no DTR/RTS on " + transport.description() + ": press EN to run the application");
        return false;
    }
}
