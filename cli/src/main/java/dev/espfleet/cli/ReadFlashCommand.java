package dev.espfleet.cli;

import dev.espfleet.common.AtomicFiles;
import dev.espfleet.flasher.FlashWriter;
import dev.espfleet.flasher.RomLoader;
import dev.espfleet.flasher.job.FlasherArgs;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code espfleet read-flash ADDR SIZE FILE}: through the ROM, 64 bytes a command, checked by MD5. */
@Command(name = "read-flash", mixinStandardHelpOptions = true,
        description = "Read flash into a file (through the ROM: slow, about 2 KB/s at 115200), checked against the chip's MD5.")
public final class ReadFlashCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Mixin
    ConnectionOptions connection;

    @Parameters(index = "0", paramLabel = "ADDR")
    String address;

    @Parameters(index = "1", paramLabel = "SIZE")
    String size;

    @Parameters(index = "2", paramLabel = "FILE")
    Path file;

    @Override
    public Integer call() {
        int offset = FlasherArgs.parseOffset(address, "ADDR");
        int length = FlasherArgs.parseOffset(size, "SIZE");
        PrintWriter err = spec.commandLine().getErr();
        try (RomLoader loader = connection.connect(err)) {
            ProgressPrinter progress = new ProgressPrinter(err);
            byte[] data = loader.readFlash(offset, length, progress);
            String md5 = loader.md5(offset, length);
            if (!md5.equals(FlashWriter.md5Hex(data))) {
                throw new dev.espfleet.common.EspfleetException(dev.espfleet.common.ExitStatus.JOB_FAILED,
                        "read data does not match the chip's MD5 of 0x" + Integer.toHexString(offset) + "+" + length
                                + " (read " + FlashWriter.md5Hex(data) + ", chip " + md5 + ")", "try again, maybe at a lower --baud");
            }
            AtomicFiles.write(file, data);
            err.printf("%nread %d bytes from 0x%08x into %s (MD5 %s)%n", length, offset, file, md5);
            loader.finish();
            err.flush();
        }
        return 0;
    }
}
