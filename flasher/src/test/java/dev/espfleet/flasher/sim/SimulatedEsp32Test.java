package dev.espfleet.flasher.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.espfleet.flasher.command.Command;
import dev.espfleet.flasher.command.Opcode;
import dev.espfleet.flasher.command.Response;
import dev.espfleet.flasher.command.RomError;
import dev.espfleet.flasher.command.StatusFormat;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The ROM behaviours the traces' README describes, one at a time. */
class SimulatedEsp32Test {
    private SimulatedEsp32 chip;

    @BeforeEach
    void synced() {
        chip = new SimulatedEsp32(SimConfig.esp32());
        assertEquals(8, chip.handle(new Command.Sync().encode()).size());
    }

    private Response one(Command c) {
        List<byte[]> replies = chip.handle(c.encode());
        assertEquals(1, replies.size(), "replies to " + c.opcode());
        return Response.parse(replies.get(0));
    }

    @Test
    void ignoresEverythingUntilSync() {
        SimulatedEsp32 fresh = new SimulatedEsp32(SimConfig.esp32());
        assertEquals(0, fresh.handle(new Command.ReadReg(0x40001000).encode()).size());
    }

    @Test
    void refusesAFifthFlashBeginWord() {
        Response r = one(new Command.FlashBegin(0x1000, 4, 0x400, 0x10000, true));
        assertEquals(Response.Verdict.REFUSED, r.outcome(StatusFormat.rom(4)).verdict());
        assertEquals(RomError.INVALID_MESSAGE, r.outcome(StatusFormat.rom(4)).error());
    }

    @Test
    void refusesDeflateBlocksOver4k() {
        assertEquals(RomError.INVALID_MESSAGE, one(new Command.FlashDeflBegin(0x8000, 1, 0x2000, 0x10000, false)).outcome(StatusFormat.rom(4)).error());
        assertEquals(Response.Verdict.DONE, one(new Command.FlashDeflBegin(0x8000, 8, 0x1000, 0x10000, false)).outcome(StatusFormat.rom(4)).verdict());
    }

    @Test
    void flashBeginErasesWholeSectorsAndWritesOnlyClearBits() {
        byte[] old = new byte[0x3000];
        Arrays.fill(old, (byte) 0x0F);
        chip.flash().load(0x10000, old);
        assertEquals(Response.Verdict.DONE, one(new Command.FlashBegin(0x400, 1, 0x400, 0x10000, false)).outcome(StatusFormat.rom(4)).verdict());
        byte[] sector = chip.flash().read(0x10000, 0x1000);
        byte[] erased = new byte[0x1000];
        Arrays.fill(erased, (byte) 0xFF);
        assertArrayEquals(erased, sector, "the whole first sector is erased");
        assertEquals(0x0F, chip.flash().read(0x11000, 1)[0], "the next sector is not");
        byte[] block = new byte[0x400];
        Arrays.fill(block, (byte) 0xF0);
        assertEquals(Response.Verdict.DONE, one(new Command.FlashData(0, block)).outcome(StatusFormat.rom(4)).verdict());
        assertEquals((byte) 0xF0, chip.flash().read(0x10000, 1)[0]);
        // writing again without erasing can only clear bits: F0 & 3C = 30
        one(new Command.FlashBegin(0, 0, 0x400, 0x11000, false));
        chip.flash().program(0x10000, new byte[] {0x3C}, 0, 1);
        assertEquals(0x30, chip.flash().read(0x10000, 1)[0]);
    }

    @Test
    void rejectsABlockWithABadChecksumWithoutWritingIt() {
        one(new Command.FlashBegin(0x400, 1, 0x400, 0x10000, false));
        byte[] block = new byte[0x400];
        byte[] packet = new Command.FlashData(0, block).encode();
        packet[4] ^= 0x01;
        Response r = Response.parse(chip.handle(packet).get(0));
        assertEquals(RomError.INVALID_CRC, r.outcome(StatusFormat.rom(4)).error());
        assertEquals((byte) 0xFF, chip.flash().read(0x10000, 1)[0]);
    }

    @Test
    void aCompressedWriteSpillsToThe64kBoundary() {
        chip.flash().load(0x1A000, new byte[0x7000]);
        one(new Command.FlashDeflBegin(0xA000, 1, 0x400, 0x10000, false));
        assertEquals((byte) 0xFF, chip.flash().read(0x1F000, 1)[0], "0x1a000..0x1ffff changed");
        assertEquals((byte) 0x00, chip.flash().read(0x20000, 1)[0]);
    }

    @Test
    void answersAnUnknownOpcode8TimesUnderThePreviousRepliesOpcode() {
        one(new Command.ReadReg(0x40001000));
        List<byte[]> replies = chip.handle(new Command.GetSecurityInfo().encode());
        assertEquals(8, replies.size(), "as in unsupported-reply-repeats.log");
        for (byte[] packet : replies) {
            Response r = Response.parse(packet);
            assertEquals(Opcode.READ_REG.code(), r.opcode());
            assertEquals(0x00F01D83, r.value());
            assertArrayEquals(new byte[] {1, 5, 0, 0}, r.data());
        }
    }

    @Test
    void md5IsAnsweredAs32HexDigits() {
        Response r = one(new Command.SpiFlashMd5(0, 0x1000));
        assertEquals(36, r.data().length);
        assertEquals(SimulatedEsp32.md5Hex(chip.flash().read(0, 0x1000)), new String(r.body(StatusFormat.rom(4)), java.nio.charset.StandardCharsets.US_ASCII));
    }

    @Test
    void keepsTheMacCrcInEfuseWord2() {
        assertEquals(0x5F, SimulatedEsp32.macCrc8(new byte[] {0x24, 0x0a, (byte) 0xc4, 0, 0, 1}));
        assertEquals(0x005F240A, one(new Command.ReadReg(0x3FF5A008)).value());
    }

    @Test
    void changesBaudRateAfterReplying() {
        assertEquals(Response.Verdict.DONE, one(new Command.ChangeBaudrate(921600, 0)).outcome(StatusFormat.rom(4)).verdict());
        assertEquals(921600, chip.baud());
    }
}
