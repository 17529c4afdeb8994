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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

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

    /**
     * The four measurements of rom-traces/README.md: a whole compressed write through the ROM on flash
     * pre-filled with 0xA5 changes exactly the image and the range after it, nothing else.
     */
    @ParameterizedTest(name = "{0} bytes at 0x{1} change 0x{2}..0x{3}")
    @CsvSource({"40960, 10000, 1a000, 1ffff", "65536, 10000, 20000, 27fff", "8192, 11000, 13000, 18fff",
        "262144, 10000, 50000, 57fff"})
    void aCompressedWriteChangesFlashPastTheImageAsTheRealRomDid(int size, String offsetHex, String fromHex,
            String toHex) throws Exception {
        int offset = Integer.parseInt(offsetHex, 16);
        int changedFrom = Integer.parseInt(fromHex, 16);
        int changedTo = Integer.parseInt(toHex, 16);
        byte[] before = new byte[chip.flash().size()];
        Arrays.fill(before, (byte) 0xA5);
        chip.flash().load(0, before);
        byte[] image = new byte[size];
        new java.util.Random(size).nextBytes(image);
        java.io.ByteArrayOutputStream z = new java.io.ByteArrayOutputStream();
        try (java.util.zip.DeflaterOutputStream out = new java.util.zip.DeflaterOutputStream(z)) {
            out.write(image);
        }
        byte[] compressed = z.toByteArray();
        int blocks = (compressed.length + 0x3FF) / 0x400;
        assertEquals(Response.Verdict.DONE, one(new Command.FlashDeflBegin(size, blocks, 0x400, offset, false))
                .outcome(StatusFormat.rom(4)).verdict());
        for (int seq = 0; seq < blocks; seq++) {
            byte[] block = Arrays.copyOfRange(compressed, seq * 0x400, Math.min(compressed.length, (seq + 1) * 0x400));
            assertEquals(Response.Verdict.DONE, one(new Command.FlashDeflData(seq, block, 0x400))
                    .outcome(StatusFormat.rom(4)).verdict());
        }
        byte[] after = chip.flash().read(0, chip.flash().size());
        assertArrayEquals(image, Arrays.copyOfRange(after, offset, offset + size));
        assertEquals(offset + size, changedFrom, "the README's change starts where the image ends");
        for (int a = 0; a < after.length; a++) {
            if (a >= offset && a < offset + size) {
                continue;
            }
            boolean changed = after[a] != (byte) 0xA5;
            boolean expected = a >= changedFrom && a <= changedTo;
            if (changed != expected) {
                throw new AssertionError(String.format("0x%x %s, expected %s", a, changed ? "changed" : "kept",
                        expected ? "changed" : "kept"));
            }
        }
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

    /** rom-traces/README.md: resending a block after a checksum error got 01 05; a new FLASH_BEGIN recovered. */
    @Test
    void afterAChecksumErrorTheRomTakesNoMoreBlocksOfThatWriteUntilFlashBegin() {
        one(new Command.FlashBegin(0x800, 2, 0x400, 0x10000, false));
        byte[] block = new byte[0x400];
        Arrays.fill(block, (byte) 0x11);
        byte[] bad = new Command.FlashData(0, block).encode();
        bad[4] ^= 0x01;
        assertEquals(RomError.INVALID_CRC, Response.parse(chip.handle(bad).get(0)).outcome(StatusFormat.rom(4)).error());
        Response resent = one(new Command.FlashData(0, block));
        assertEquals(RomError.INVALID_MESSAGE, resent.outcome(StatusFormat.rom(4)).error());
        assertEquals((byte) 0xFF, chip.flash().read(0x10000, 1)[0], "nothing written");
        one(new Command.FlashBegin(0x800, 2, 0x400, 0x10000, false));
        assertEquals(Response.Verdict.DONE, one(new Command.FlashData(0, block)).outcome(StatusFormat.rom(4)).verdict());
        assertEquals((byte) 0x11, chip.flash().read(0x10000, 1)[0]);
    }

    @Test
    void theSilentVariantDoesNotAnswerFurtherBlocks() {
        chip = new SimulatedEsp32(SimConfig.esp32().withAfterBadChecksum(SimConfig.AfterBadChecksum.SILENCE));
        chip.handle(new Command.Sync().encode());
        one(new Command.FlashBegin(0x800, 2, 0x400, 0x10000, false));
        byte[] bad = new Command.FlashData(0, new byte[0x400]).encode();
        bad[4] ^= 0x01;
        assertEquals(1, chip.handle(bad).size());
        assertEquals(0, chip.handle(new Command.FlashData(0, new byte[0x400]).encode()).size());
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
