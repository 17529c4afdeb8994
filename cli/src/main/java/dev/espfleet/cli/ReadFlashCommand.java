package dev.espfleet.cli;

import dev.espfleet.flasher.image.FlasherArgs;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code espfleet read-flash ADDR SIZE FILE}: through the ROM, 64 bytes a command, checked by MD5. */
@Command(name = "read-flash", mixinStandardHelpOptions = true,
        description = "Read flash into a file (through the ROM: slow, about 2 KB/s at 115200), checked against the chip's MD5; "
                + "the file is written mode 0600, since flash may hold keys.")
public final class ReadFlashCommand extends ChipCommand {
    @Parameters(index = "0", paramLabel = "ADDR")
    String address;

    @Parameters(index = "1", paramLabel = "SIZE")
    String size;

    @Parameters(index = "2", paramLabel = "FILE")
    Path file;

    @Override
    int onChip(ProgressPrinter console) {
        int offset = FlasherArgs.parseOffset(address, "ADDR");
        int length = FlasherArgs.parseOffset(size, "SIZE");
        String md5 = flash.read(connection.port(), offset, length, file, console);
        console.line(String.format("read %d bytes from 0x%08x into %s (MD5 %s)", length, offset, file, md5));
        return 0;
    }
}
