package dev.espfleet.flasher.loader;

import dev.espfleet.flasher.command.Command;
import dev.espfleet.flasher.targets.SpiRegisters;
import java.util.Map;

/** The SPI flash: SPI_ATTACH, its size from its JEDEC id, SPI_SET_PARAMS with that size; again after a re-sync. */
public final class FlashAttach {
    /** JEDEC capacity byte to bytes, the codes esptool knows (SPI and octal parts). */
    private static final Map<Integer, Integer> FLASH_SIZES = Map.ofEntries(
            Map.entry(0x12, 256 << 10), Map.entry(0x13, 512 << 10),
            Map.entry(0x14, 1 << 20), Map.entry(0x15, 2 << 20), Map.entry(0x16, 4 << 20),
            Map.entry(0x17, 8 << 20), Map.entry(0x18, 16 << 20), Map.entry(0x19, 32 << 20),
            Map.entry(0x1A, 64 << 20), Map.entry(0x1B, 128 << 20),
            Map.entry(0x1C, 256 << 20), Map.entry(0x20, 64 << 20),
            Map.entry(0x21, 128 << 20), Map.entry(0x22, 256 << 20),
            Map.entry(0x32, 256 << 10), Map.entry(0x33, 512 << 10),
            Map.entry(0x34, 1 << 20), Map.entry(0x35, 2 << 20), Map.entry(0x36, 4 << 20),
            Map.entry(0x37, 8 << 20), Map.entry(0x38, 16 << 20), Map.entry(0x39, 32 << 20),
            Map.entry(0x3A, 64 << 20));

    private final LoaderSession session;
    private final RegisterAccess registers;

    FlashAttach(LoaderSession session, RegisterAccess registers) {
        this.session = session;
        this.registers = registers;
    }

    /** SPI_ATTACH, then the flash size from its JEDEC id, then SPI_SET_PARAMS with that size. */
    void attach() {
        session.executeIdempotent(new Command.SpiAttach(0, !session.stubRunning()));
        int id = jedecId();
        Integer detected = FLASH_SIZES.get((id >> 16) & 0xFF);
        if (detected == null) {
            // as esptool: an id it cannot decode (or flash that did not answer) is taken as 4 MB, with a warning
            session.log().accept(String.format("warning: could not detect the flash size (JEDEC id %06x); assuming 4 MB: "
                    + "give --flash-size if the chip has less", id));
            detected = 4 << 20;
        }
        session.setFlashSize(detected);
        session.executeIdempotent(new Command.SpiSetParams(detected));
    }

    /** After a re-sync: the same flash, whose size is known, attached again. */
    void reattach() {
        session.executeIdempotent(new Command.SpiAttach(0, !session.stubRunning()));
        session.executeIdempotent(new Command.SpiSetParams(session.flashSize()));
    }

    /** JEDEC id (manufacturer | type << 8 | capacity << 16) through a raw SPI command, as esptool does. */
    public int jedecId() {
        SpiRegisters spi = session.spec().spi();
        int oldUsr = registers.read(spi.at(spi.usr()));
        int oldUsr2 = registers.read(spi.at(spi.usr2()));
        registers.write(spi.at(spi.misoDlen()), 24 - 1);
        registers.write(spi.at(spi.usr()), SpiRegisters.USR_COMMAND | SpiRegisters.USR_MISO);
        registers.write(spi.at(spi.usr2()), (8 - 1) << SpiRegisters.USR2_COMMAND_BITLEN_SHIFT | 0x9F);
        registers.write(spi.at(spi.w0()), 0);
        registers.write(spi.cmd(), SpiRegisters.CMD_USR);
        for (int i = 0; i < 10 && (registers.read(spi.cmd()) & SpiRegisters.CMD_USR) != 0; i++) {
            // wait for the transaction to finish
        }
        int id = registers.read(spi.at(spi.w0())) & 0xFFFFFF;
        registers.write(spi.at(spi.usr()), oldUsr);
        registers.write(spi.at(spi.usr2()), oldUsr2);
        return id;
    }
}
