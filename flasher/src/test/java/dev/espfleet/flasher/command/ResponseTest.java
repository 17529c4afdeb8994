package dev.espfleet.flasher.command;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Status bytes as the ROM and the stub send them, and what only a damaged reply can look like. */
class ResponseTest {
    private static Response.Outcome outcome(StatusFormat format, int... status) {
        byte[] data = new byte[status.length];
        for (int i = 0; i < status.length; i++) {
            data[i] = (byte) status[i];
        }
        return new Response(Opcode.FLASH_DATA.code(), 0, data).outcome(format);
    }

    @Test
    void readsTheEsp32RomsFourStatusBytes() {
        assertEquals(Response.Verdict.DONE, outcome(StatusFormat.rom(4), 0, 0, 0, 0).verdict());
        Response.Outcome refused = outcome(StatusFormat.rom(4), 1, 5, 0, 0);
        assertEquals(Response.Verdict.REFUSED, refused.verdict());
        assertEquals(RomError.INVALID_MESSAGE, refused.error());
        assertEquals(RomError.INVALID_CRC, outcome(StatusFormat.rom(2), 1, 7).error());
    }

    @Test
    void readsTheStubsErrorCodeFirst() {
        assertEquals(Response.Verdict.DONE, outcome(StatusFormat.STUB, 0, 0).verdict());
        Response.Outcome refused = outcome(StatusFormat.STUB, 0xC1, 0);
        assertEquals(Response.Verdict.REFUSED, refused.verdict());
        assertEquals(RomError.BAD_DATA_CHECKSUM, refused.error());
    }

    @Test
    void statusBytesNoLoaderSendsAreGarbledNotARefusalWithError0() {
        // a bit flipped in the status byte of "done": no error code
        assertEquals(Response.Verdict.GARBLED, outcome(StatusFormat.rom(4), 1, 0, 0, 0).verdict());
        assertEquals(Response.Verdict.GARBLED, outcome(StatusFormat.rom(4), 0, 5, 0, 0).verdict());
        assertEquals(Response.Verdict.GARBLED, outcome(StatusFormat.rom(4), 3, 5, 0, 0).verdict());
        assertEquals(Response.Verdict.GARBLED, outcome(StatusFormat.rom(4), 1, 5, 0, 4).verdict());
        assertEquals(Response.Verdict.GARBLED, outcome(StatusFormat.rom(2), 1, 0x42).verdict());
        assertEquals(Response.Verdict.GARBLED, outcome(StatusFormat.STUB, 1, 0).verdict());
        assertEquals(Response.Verdict.GARBLED, outcome(StatusFormat.rom(4), 0, 0).verdict(), "shorter than its status");
    }
}
