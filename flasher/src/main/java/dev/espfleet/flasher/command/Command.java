package dev.espfleet.flasher.command;

import java.nio.ByteBuffer;
import java.time.Duration;

/**
 * A request to the ROM loader. Each command is a record that knows its opcode, payload, checksum and how
 * long to wait for the reply; {@link #encode()} is the one serializer (header: direction 0x00, opcode,
 * 16-bit payload length, 32-bit checksum, all little-endian; then the payload).
 */
public sealed interface Command {
    Opcode opcode();

    byte[] payload();

    /** Only the data commands carry a checksum; the others send 0. */
    default int checksum() {
        return 0;
    }

    default Duration timeout() {
        return Timeouts.DEFAULT;
    }

    default byte[] encode() {
        byte[] payload = payload();
        ByteBuffer b = Wire.le(Wire.HEADER_SIZE + payload.length);
        b.put((byte) Wire.DIRECTION_REQUEST).put((byte) opcode().code()).putShort((short) payload.length)
                .putInt(checksum()).put(payload);
        return b.array();
    }

    /** The 36-byte SYNC pattern (07 07 12 20, then 32 times 0x55) lets the ROM measure the baud rate. */
    record Sync() implements Command {
        public Opcode opcode() {
            return Opcode.SYNC;
        }

        public byte[] payload() {
            byte[] p = new byte[36];
            p[0] = 0x07;
            p[1] = 0x07;
            p[2] = 0x12;
            p[3] = 0x20;
            java.util.Arrays.fill(p, 4, 36, (byte) 0x55);
            return p;
        }

        public Duration timeout() {
            return Timeouts.SYNC;
        }
    }

    record ReadReg(int address) implements Command {
        public Opcode opcode() {
            return Opcode.READ_REG;
        }

        public byte[] payload() {
            return Wire.words(address);
        }
    }

    /** Writes {@code (value & mask) | (old & ~mask)}, then waits {@code delayMicros}. */
    record WriteReg(int address, int value, int mask, int delayMicros) implements Command {
        public WriteReg(int address, int value) {
            this(address, value, 0xFFFFFFFF, 0);
        }

        public Opcode opcode() {
            return Opcode.WRITE_REG;
        }

        public byte[] payload() {
            return Wire.words(address, value, mask, delayMicros);
        }
    }

    /** Tells the ROM the flash geometry: id 0, total size, 64 KB block, 4 KB sector, 256 B page, status mask. */
    record SpiSetParams(int totalSize) implements Command {
        public Opcode opcode() {
            return Opcode.SPI_SET_PARAMS;
        }

        public byte[] payload() {
            return Wire.words(0, totalSize, 64 * 1024, 4 * 1024, 256, 0xFFFF);
        }
    }

    /** Attaches the SPI flash; the ROM form takes the pin config word and 4 more zero bytes, the stub's not. */
    record SpiAttach(int pinConfig, boolean romForm) implements Command {
        public Opcode opcode() {
            return Opcode.SPI_ATTACH;
        }

        public byte[] payload() {
            return romForm ? Wire.words(pinConfig, 0) : Wire.words(pinConfig);
        }
    }

    /**
     * Erases the sectors under {@code [offset, offset + eraseSize)} and prepares a plain write of
     * {@code blocks} blocks. The ESP32 ROM takes exactly four words; later ROMs take a fifth (encrypted).
     */
    record FlashBegin(int eraseSize, int blocks, int blockSize, int offset, boolean fifthWord) implements Command {
        public Opcode opcode() {
            return Opcode.FLASH_BEGIN;
        }

        public byte[] payload() {
            return fifthWord ? Wire.words(eraseSize, blocks, blockSize, offset, 0)
                    : Wire.words(eraseSize, blocks, blockSize, offset);
        }

        public Duration timeout() {
            return Timeouts.perMb(Timeouts.ERASE_REGION_PER_MB, eraseSize);
        }
    }

    /** One block of a plain write: data length, sequence number, two zero words, data. */
    record FlashData(int sequence, byte[] data) implements Command {
        public Opcode opcode() {
            return Opcode.FLASH_DATA;
        }

        public byte[] payload() {
            return dataPayload(sequence, data);
        }

        public int checksum() {
            return Wire.checksum(data);
        }

        public Duration timeout() {
            return Timeouts.perMb(Timeouts.ERASE_WRITE_PER_MB, data.length);
        }
    }

    /** Leaves flash mode; {@code reboot} runs the application, otherwise the loader stays. */
    record FlashEnd(boolean reboot) implements Command {
        public Opcode opcode() {
            return Opcode.FLASH_END;
        }

        public byte[] payload() {
            return Wire.words(reboot ? 0 : 1);
        }
    }

    /** Starts a compressed write of {@code uncompressedSize} bytes sent as {@code blocks} compressed blocks. */
    record FlashDeflBegin(int uncompressedSize, int blocks, int blockSize, int offset, boolean fifthWord)
            implements Command {
        public Opcode opcode() {
            return Opcode.FLASH_DEFL_BEGIN;
        }

        public byte[] payload() {
            return fifthWord ? Wire.words(uncompressedSize, blocks, blockSize, offset, 0)
                    : Wire.words(uncompressedSize, blocks, blockSize, offset);
        }

        public Duration timeout() {
            return Timeouts.perMb(Timeouts.ERASE_REGION_PER_MB, uncompressedSize);
        }
    }

    /** @param inflatedSize what this block inflates to on the chip, which it writes before answering */
    record FlashDeflData(int sequence, byte[] data, int inflatedSize) implements Command {
        public Opcode opcode() {
            return Opcode.FLASH_DEFL_DATA;
        }

        public byte[] payload() {
            return dataPayload(sequence, data);
        }

        public int checksum() {
            return Wire.checksum(data);
        }

        public Duration timeout() {
            return Timeouts.perMb(Timeouts.ERASE_WRITE_PER_MB, Math.max(inflatedSize, data.length));
        }
    }

    record FlashDeflEnd(boolean reboot) implements Command {
        public Opcode opcode() {
            return Opcode.FLASH_DEFL_END;
        }

        public byte[] payload() {
            return Wire.words(reboot ? 0 : 1);
        }
    }

    /** MD5 of a flash region; the ROM answers 32 lowercase hex digits, the stub 16 raw bytes. */
    record SpiFlashMd5(int address, int size) implements Command {
        public Opcode opcode() {
            return Opcode.SPI_FLASH_MD5;
        }

        public byte[] payload() {
            return Wire.words(address, size, 0, 0);
        }

        public Duration timeout() {
            return Timeouts.perMb(Timeouts.MD5_PER_MB, size);
        }
    }

    /** New baud rate, and the old one (0 when talking to the ROM). */
    record ChangeBaudrate(int newBaud, int oldBaud) implements Command {
        public Opcode opcode() {
            return Opcode.CHANGE_BAUDRATE;
        }

        public byte[] payload() {
            return Wire.words(newBaud, oldBaud);
        }
    }

    record GetSecurityInfo() implements Command {
        public Opcode opcode() {
            return Opcode.GET_SECURITY_INFO;
        }

        public byte[] payload() {
            return new byte[0];
        }
    }

    /** Reads up to {@link #MAX_SIZE} bytes of flash through the ROM (no stub needed). */
    record ReadFlashSlow(int address, int size) implements Command {
        public static final int MAX_SIZE = 64;

        public Opcode opcode() {
            return Opcode.READ_FLASH_SLOW;
        }

        public byte[] payload() {
            return Wire.words(address, size);
        }
    }

    record MemBegin(int size, int blocks, int blockSize, int offset) implements Command {
        public Opcode opcode() {
            return Opcode.MEM_BEGIN;
        }

        public byte[] payload() {
            return Wire.words(size, blocks, blockSize, offset);
        }
    }

    record MemData(int sequence, byte[] data) implements Command {
        public Opcode opcode() {
            return Opcode.MEM_DATA;
        }

        public byte[] payload() {
            return dataPayload(sequence, data);
        }

        public int checksum() {
            return Wire.checksum(data);
        }
    }

    /** Jumps to {@code entry} (0 with {@code noEntry}); the reply may be lost in the jump. */
    record MemEnd(boolean noEntry, int entry) implements Command {
        public Opcode opcode() {
            return Opcode.MEM_END;
        }

        public byte[] payload() {
            return Wire.words(noEntry ? 1 : 0, entry);
        }

        public Duration timeout() {
            return Timeouts.MEM_END;
        }
    }

    /** Stub only. */
    record EraseRegion(int offset, int size) implements Command {
        public Opcode opcode() {
            return Opcode.ERASE_REGION;
        }

        public byte[] payload() {
            return Wire.words(offset, size);
        }

        public Duration timeout() {
            return Timeouts.perMb(Timeouts.ERASE_REGION_PER_MB, size);
        }
    }

    /** Stub only: erases the whole flash. */
    record EraseFlash() implements Command {
        public Opcode opcode() {
            return Opcode.ERASE_FLASH;
        }

        public byte[] payload() {
            return new byte[0];
        }

        public Duration timeout() {
            return Duration.ofSeconds(120);
        }
    }

    /**
     * Stub only: the stub answers, then streams {@code length} bytes in packets of {@code packetSize}, keeping
     * at most {@code inFlight} unacknowledged, and ends with the 16-byte MD5 of what it sent.
     */
    record ReadFlash(int offset, int length, int packetSize, int inFlight) implements Command {
        public Opcode opcode() {
            return Opcode.READ_FLASH;
        }

        public byte[] payload() {
            return Wire.words(offset, length, packetSize, inFlight);
        }
    }

    private static byte[] dataPayload(int sequence, byte[] data) {
        ByteBuffer b = Wire.le(16 + data.length);
        b.putInt(data.length).putInt(sequence).putInt(0).putInt(0).put(data);
        return b.array();
    }
}
