package dev.espfleet.cli;

import dev.espfleet.common.AtomicFiles;
import dev.espfleet.common.EspfleetException;
import dev.espfleet.flasher.flash.FlashReader;
import dev.espfleet.flasher.flash.FlashWriter;
import dev.espfleet.flasher.image.FlasherArgs;
import dev.espfleet.flasher.loader.RomLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code espfleet read-flash ADDR SIZE FILE}: through the ROM, 64 bytes a command, checked by MD5. */
@Command(name = "read-flash", mixinStandardHelpOptions = true,
        description = "Read flash into a file (through the ROM: slow, about 2 KB/s at 115200), checked against the chip's MD5; "
                + "the file is written mode 0600, since flash may hold keys.")
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
        if (length <= 0) {
            throw EspfleetException.badInput("read-flash SIZE " + size + ": expected at least 1 byte");
        }
        checkOutput(file);
        connection.connectOptions();
        ProgressPrinter progress = connection.console(spec.commandLine().getErr());
        try (RomLoader loader = connection.connect(progress)) {
            byte[] data = new FlashReader(loader).read(offset, length, progress);
            String md5 = loader.md5(offset, length);
            if (!md5.equals(FlashWriter.md5Hex(data))) {
                throw new dev.espfleet.common.EspfleetException(dev.espfleet.common.ExitStatus.JOB_FAILED,
                        "read data does not match the chip's MD5 of 0x" + Integer.toHexString(offset) + "+" + length
                                + " (read " + FlashWriter.md5Hex(data) + ", chip " + md5 + ")", "try again, maybe at a lower --baud");
            }
            // flash may hold keys (an identity partition): owner-only, whatever the umask
            AtomicFiles.writeSecret(file, data);
            progress.line(String.format("read %d bytes from 0x%08x into %s (MD5 %s)", length, offset, file, md5));
            loader.finish();
        } finally {
            progress.finish();
        }
        return 0;
    }

    /** The output must be a file (new or to be replaced) in an existing directory, before the port is opened. */
    static void checkOutput(Path out) {
        if (Files.isDirectory(out)) {
            throw EspfleetException.badInput("read-flash FILE " + out + " is a directory: give a file name, e.g. "
                    + out.resolve("flash.bin"));
        }
        if (Files.exists(out) && !Files.isRegularFile(out)) {
            throw EspfleetException.badInput("read-flash FILE " + out + " is not a regular file (a device or a pipe)");
        }
        Path parent = out.toAbsolutePath().getParent();
        if (parent != null && Files.exists(parent) && !Files.isDirectory(parent)) {
            throw EspfleetException.badInput("read-flash FILE " + out + ": " + parent + " is not a directory");
        }
    }
}
