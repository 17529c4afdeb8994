package dev.espfleet.host;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Test support: one generated firmware running as a Linux process; its console (stderr) is kept. */
final class HostDevice implements AutoCloseable {
    private final Process process;
    private final StringBuffer console = new StringBuffer();

    private HostDevice(Process process) {
        this.process = process;
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    console.append(line).append('\n');
                }
            } catch (IOException ended) {
                // the process went away
            }
        }, "device console");
        reader.setDaemon(true);
        reader.start();
    }

    static HostDevice start(List<String> command) throws IOException {
        return new HostDevice(new ProcessBuilder(command).redirectErrorStream(true).start());
    }

    /** A device whose console goes to a file (for fleets of hundreds: no reader thread each). */
    static Process startLoggingTo(List<String> command, java.nio.file.Path console) throws IOException {
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(console.toFile())).start();
    }

    String console() {
        return "\n--- device console ---\n" + console;
    }

    boolean alive() {
        return process.isAlive();
    }

    /** SIGKILL: the process vanishes without a DISCONNECT, as a device losing power. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(10, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }
}
