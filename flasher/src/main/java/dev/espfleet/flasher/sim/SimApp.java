package dev.espfleet.flasher.sim;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The application a simulated chip runs: the host payload of its app image (a Linux ELF executable) as a child
 * process. Its standard output (and error) is what the chip sends on its UART; what the host sends goes to its
 * standard input. The process reads its NVS partitions from the simulated flash's file (through the partition
 * table) and takes the chip's eFuse MAC: {@code APP --flash FILE --partition-table-offset 0x8000 --mac MAC}
 * (host/runtime). An exit with {@link #RESTART_EXIT_CODE} is {@code esp_restart()}.
 */
final class SimApp {
    /** The host runtime's exit status for esp_restart() (host/runtime/runtime.h, ESPFLEET_RESTART_EXIT_CODE). */
    static final int RESTART_EXIT_CODE = 100;
    /** The host runtime's exit status when app_main returned: the firmware halted (it stays alive on a chip). */
    static final int HALTED_EXIT_CODE = 1;

    /** Output nobody has read beyond this is dropped (a UART keeps nothing for a listener that is not there). */
    static final int MAX_UNREAD_OUTPUT = 1 << 20;
    private static final int EM_X86_64 = 62;
    private static final int EM_AARCH64 = 183;

    /** Apps still running, stopped when the JVM ends: a simulated chip's application must not outlive it. */
    private static final java.util.Set<SimApp> LIVE = java.util.concurrent.ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(a -> a.process.destroyForcibly()),
                "espfleet-sim-app-reaper"));
    }

    private final Process process;
    private final Path executable;
    private final LinkedBlockingQueue<byte[]> toStdin = new LinkedBlockingQueue<>();
    private final ByteArrayOutputStream output;
    private volatile boolean killed;
    private volatile Integer exitCode;

    private SimApp(Process process, Path executable, ByteArrayOutputStream output) {
        this.process = process;
        this.executable = executable;
        this.output = output;
    }

    /**
     * Why {@code elf} cannot run here, or empty: a 64-bit little-endian ELF executable (ET_EXEC or ET_DYN) for
     * System V or Linux, for this machine's processor (x86-64 or AArch64).
     */
    static Optional<String> unsuitable(byte[] elf) {
        if (elf.length < 64 || elf[0] != 0x7F || elf[1] != 'E' || elf[2] != 'L' || elf[3] != 'F') {
            return Optional.of("the host payload is not an ELF file (it starts " + hex(elf, 4) + ")");
        }
        if (elf[4] != 2 || elf[5] != 1) {
            return Optional.of("the host payload is not a 64-bit little-endian ELF (class " + elf[4] + ", data "
                    + elf[5] + ")");
        }
        if (elf[7] != 0 && elf[7] != 3) {
            return Optional.of("the host payload is an ELF for OS ABI " + elf[7] + ", not Linux");
        }
        ByteBuffer b = ByteBuffer.wrap(elf).order(ByteOrder.LITTLE_ENDIAN);
        int type = b.getShort(16) & 0xFFFF;
        if (type != 2 && type != 3) {
            return Optional.of("the host payload is an ELF of type " + type + ", not an executable");
        }
        int machine = b.getShort(18) & 0xFFFF;
        int expected = hostMachine();
        if (machine != expected) {
            return Optional.of("the host payload is an ELF for machine " + machineName(machine) + "; this host runs "
                    + machineName(expected) + " (" + System.getProperty("os.arch") + ")");
        }
        return Optional.empty();
    }

    static int hostMachine() {
        String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
        return arch.equals("aarch64") || arch.equals("arm64") ? EM_AARCH64 : EM_X86_64;
    }

    private static String machineName(int machine) {
        return switch (machine) {
            case EM_X86_64 -> "x86-64";
            case EM_AARCH64 -> "AArch64";
            case 94 -> "Xtensa";
            case 243 -> "RISC-V";
            default -> "e_machine " + machine;
        };
    }

    private static String hex(byte[] b, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(n, b.length); i++) {
            sb.append(String.format("%02x ", b[i] & 0xFF));
        }
        return sb.toString().strip();
    }

    /**
     * Starts {@code elf} (already checked by {@link #unsuitable}); what it prints is appended to {@code output}
     * (under its lock), and {@code onExit} hears the exit status once all of its output has been appended,
     * unless the app was {@link #kill}ed.
     */
    static SimApp start(byte[] elf, Path flashFile, int tableOffset, String mac, ByteArrayOutputStream output,
            java.util.function.IntConsumer onExit) throws IOException {
        Path exe = Files.createTempFile("espfleet-sim-app-", "",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Files.write(exe, elf);
        ProcessBuilder builder = new ProcessBuilder(List.of(exe.toString(), "--flash", flashFile.toString(),
                "--partition-table-offset", String.format("0x%x", tableOffset), "--mac", mac)).redirectErrorStream(true);
        Process p = null;
        for (int attempt = 1; p == null; attempt++) {
            try {
                p = builder.start();
            } catch (IOException e) {
                // "Text file busy": another thread's child, forked while the file was open for writing, still holds
                // it for a moment
                if (attempt == 5 || e.getMessage() == null || !e.getMessage().contains("busy")) {
                    Files.deleteIfExists(exe);
                    throw e;
                }
                try {
                    Thread.sleep(20L * attempt);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
        SimApp app = new SimApp(p, exe, output);
        LIVE.add(app);
        Thread out = new Thread(() -> app.pumpOutput(onExit), "espfleet-sim-app-out");
        out.setDaemon(true);
        out.start();
        Thread in = new Thread(app::pumpInput, "espfleet-sim-app-in");
        in.setDaemon(true);
        in.start();
        return app;
    }

    private void pumpOutput(java.util.function.IntConsumer onExit) {
        byte[] buf = new byte[4096];
        try (InputStream in = process.getInputStream()) {
            int n;
            while ((n = in.read(buf)) > 0) {
                synchronized (output) {
                    if (output.size() > MAX_UNREAD_OUTPUT) {
                        output.reset(); // nobody reads the UART: what was sent is gone, as on a wire
                    }
                    output.write(buf, 0, n);
                }
            }
        } catch (IOException e) {
            // the process is gone
        }
        try {
            int code = process.waitFor();
            exitCode = code;
            LIVE.remove(this);
            deleteExecutable();
            if (!killed) {
                onExit.accept(code);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void pumpInput() {
        try (OutputStream stdin = process.getOutputStream()) {
            while (!killed && process.isAlive()) {
                byte[] bytes = toStdin.poll(100, TimeUnit.MILLISECONDS);
                if (bytes != null) {
                    stdin.write(bytes);
                    stdin.flush();
                }
            }
        } catch (IOException e) {
            // the app closed its input or ended
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Bytes the host sent on the UART, for the app's standard input (never blocks the caller). */
    void send(byte[] bytes) {
        if (!killed && bytes.length > 0) {
            toStdin.add(bytes.clone());
        }
    }

    boolean alive() {
        return process.isAlive();
    }

    Optional<Integer> exitCode() {
        return Optional.ofNullable(exitCode);
    }

    long pid() {
        return process.pid();
    }

    /** A reset: the process is killed at once (SIGKILL), as EN low stops a chip; waits until it is gone. */
    void kill() {
        killed = true;
        process.destroyForcibly();
        LIVE.remove(this);
        try {
            process.waitFor(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        deleteExecutable();
    }

    private void deleteExecutable() {
        try {
            Files.deleteIfExists(executable);
        } catch (IOException e) {
            executable.toFile().deleteOnExit();
        }
    }
}
