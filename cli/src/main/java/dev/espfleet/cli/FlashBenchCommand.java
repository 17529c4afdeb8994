package dev.espfleet.cli;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.flasher.image.StubImage;
import dev.espfleet.flasher.sim.FlashBenchmark;
import dev.espfleet.flasher.sim.FlashTiming;
import java.nio.file.Path;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code espfleet flash-bench}: ROM-path or stub write rate on the timed simulated link, as a Markdown table. */
@Command(name = "flash-bench", mixinStandardHelpOptions = true,
        description = "Measure the write rate through the ROM path or the stub on a timed simulated link (baud/10 is the"
                + " wire limit).")
public final class FlashBenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--baud", split = ",", defaultValue = "115200,460800,921600", paramLabel = "BAUD[,BAUD...]",
            description = "Baud rates to measure. Default: ${DEFAULT-VALUE}.")
    List<Integer> bauds;

    @Option(names = "--size", defaultValue = "129024", paramLabel = "BYTES",
            description = "Image size. Through the ROM compressible data goes compressed only where the compressed "
                    + "write's spill ends inside the image's last sector (1 KB to just under 4 KB short of a multiple of 32 KB, "
                    + "as the default 126 KB); otherwise plain. Default: ${DEFAULT-VALUE}.")
    int size;

    @Option(names = "--turnaround-ms", defaultValue = "1.0", paramLabel = "MS",
            description = "Time from the end of a request to the start of its reply (USB latency plus ROM work). Default: ${DEFAULT-VALUE}.")
    double turnaroundMs;

    @Option(names = "--clock", defaultValue = "both", paramLabel = "real|virtual|both",
            description = "real: sleep on the wire and measure wall time (host CPU and machine load included); "
                    + "virtual: the link's own clock (the protocol alone). Default: ${DEFAULT-VALUE}.")
    String clock;

    private StubImage stubImage;

    @Option(names = "--stub", paramLabel = "FILE|stand-in",
            description = "Write through esptool's stub (16 KB blocks) instead of the ROM: its JSON file, or 'stand-in' for"
                    + " a stand-in of its size (the simulator runs no uploaded code).")
    String stub;

    @Option(names = "--flash", defaultValue = "gd25q32", paramLabel = "gd25q32|w25q32|none",
            description = "The simulated chip's flash and its typical erase and program times (gd25q32: the ROM traces'"
                    + " module, 64 KB block erase 250 ms, page 0.6 ms; w25q32: 150 ms, 0.4 ms; none: no flash time)."
                    + " Default: ${DEFAULT-VALUE}.")
    String flash;

    @Override
    public Integer call() {
        List<Boolean> clocks = switch (clock) {
            case "real" -> List.of(false);
            case "virtual" -> List.of(true);
            case "both" -> List.of(true, false);
            default -> throw EspfleetException.badInput("--clock " + clock + ": expected real, virtual or both");
        };
        if (size < 4096 || size > 4 << 20) {
            throw EspfleetException.badInput("--size " + size + " is out of range (4096..4194304)");
        }
        FlashTiming flashTiming;
        try {
            flashTiming = FlashTiming.named(flash);
        } catch (IllegalArgumentException e) {
            throw EspfleetException.badInput("--flash " + flash + ": expected gd25q32, w25q32 or none");
        }
        PrintWriter out = spec.commandLine().getOut();
        Duration turnaround = Duration.ofNanos((long) (turnaroundMs * 1_000_000));
        stubImage = stub == null ? null : stub.equals("stand-in") ? FlashBenchmark.standInStub()
                : StubImage.load(Path.of(stub));
        out.printf("%s, %d-byte image at 0x10000, turnaround %.2f ms, flash %s, %s%n%n", stubImage == null
                ? "ROM path (1 KB blocks)" : "stub path (" + stubImage.source() + ", 16 KB blocks)", size, turnaroundMs,
                flashTiming.name(), Runtime.version());
        out.println("| clock | baud | data | sent | time (s) | flash work (s) | waited for flash (s) | payload rate (B/s)"
                + " | % of baud/10 |");
        out.println("|---|---:|---|---|---:|---:|---:|---:|---:|");
        out.flush();
        for (boolean virtual : clocks) {
            for (int baud : bauds) {
                for (String kind : List.of("incompressible", "compressible")) {
                    printRow(out, virtual, baud, kind, turnaround, flashTiming);
                }
            }
        }
        return 0;
    }

    private void printRow(PrintWriter out, boolean virtual, int baud, String kind, Duration turnaround,
            FlashTiming flashTiming) {
        byte[] image = kind.equals("incompressible") ? FlashBenchmark.incompressible(size) : FlashBenchmark.compressible(size);
        if (!virtual) {
            // warm the JIT on the same work first, so the timed run measures compiled code
            FlashBenchmark.run(baud, kind, image, turnaround, true, stubImage, flashTiming);
        }
        FlashBenchmark.Result r = FlashBenchmark.run(baud, kind, image, turnaround, virtual, stubImage, flashTiming);
        out.printf("| %s | %d | %s | %s | %.2f | %.2f | %.2f | %.0f | %.1f %% |%n", virtual ? "virtual" : "real", baud, kind,
                r.compressed() ? "deflate, " + r.wireBytes() + " B" : "plain, " + r.wireBytes() + " B",
                r.seconds(), r.flashWorkSeconds(), r.flashWaitSeconds(), r.rate(), r.percentOfWire());
        out.flush();
    }
}
