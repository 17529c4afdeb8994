package dev.espfleet.flasher.sim;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/**
 * Serves one simulated chip over raw TCP (esptool's {@code socket://}), one client at a time; the chip and
 * its flash live as long as the server, so a write can be verified by the next connection. TCP has no baud
 * rate, so the link follows the chip's.
 */
public final class SimServer implements AutoCloseable {
    /** How long a new client waits for the previous one to let go of the simulated UART. */
    private static final long BUSY_WAIT_MILLIS = 2000;

    private final SimulatedEsp32 chip;
    private final List<Fault> faults;
    private final ServerSocket server;
    private final Thread acceptor;
    private final Consumer<String> log;
    /** Faults count across connections: the plan describes one session of the chip. */
    private final SimLink link;
    private volatile boolean closed;

    public SimServer(SimulatedEsp32 chip, List<Fault> faults, String host, int port, Consumer<String> log)
            throws IOException {
        this.chip = chip;
        this.faults = List.copyOf(faults);
        this.log = log;
        this.server = new ServerSocket();
        server.setReuseAddress(true);
        server.bind(new InetSocketAddress(host, port));
        this.link = new SimLink(chip, this.faults, LinkTiming.UNTIMED);
        this.acceptor = new Thread(this::acceptLoop, "espfleet-sim-accept");
        acceptor.setDaemon(true);
    }

    public SimServer start() {
        acceptor.start();
        // a chip powered up in application mode boots now, as a board does, whether or not anyone listens yet
        try {
            link.pump();
        } catch (IOException e) {
            log.accept("boot: " + e.getMessage());
        }
        return this;
    }

    public int port() {
        return server.getLocalPort();
    }

    public SimulatedEsp32 chip() {
        return chip;
    }

    /** Blocks until the server is closed. */
    public void join() throws InterruptedException {
        acceptor.join();
    }

    private void acceptLoop() {
        java.util.concurrent.Semaphore uart = new java.util.concurrent.Semaphore(1);
        while (!closed) {
            Socket s;
            try {
                s = server.accept();
            } catch (IOException e) {
                if (!closed) {
                    log.accept("accept failed: " + e.getMessage());
                }
                continue;
            }
            Thread t = new Thread(() -> {
                try {
                    // one UART, one client: a client that is just leaving gets a moment to finish; one that
                    // stays connected (socat holding a pseudo-terminal) makes the next one be refused at once
                    if (!uart.tryAcquire(BUSY_WAIT_MILLIS, java.util.concurrent.TimeUnit.MILLISECONDS)) {
                        log.accept("refused " + s.getRemoteSocketAddress() + ": busy with another client");
                        closeQuietly(s);
                        return;
                    }
                } catch (InterruptedException e) {
                    closeQuietly(s);
                    return;
                }
                try (s) {
                    s.setTcpNoDelay(true);
                    log.accept("client connected from " + s.getRemoteSocketAddress());
                    serve(s, link);
                    log.accept("client disconnected");
                } catch (IOException e) {
                    if (!closed) {
                        log.accept("connection ended: " + e.getMessage());
                    }
                } finally {
                    uart.release();
                }
            }, "espfleet-sim-client");
            t.setDaemon(true);
            t.start();
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // refused anyway
        }
    }

    private void serve(Socket s, SimLink link) throws IOException {
        InputStream in = s.getInputStream();
        OutputStream out = s.getOutputStream();
        Thread pump = new Thread(() -> {
            byte[] buf = new byte[8192];
            try {
                while (!s.isClosed()) {
                    int n = link.read(buf, Duration.ofMillis(100));
                    if (n > 0) {
                        out.write(buf, 0, n);
                        out.flush();
                    }
                }
            } catch (IOException e) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // closing anyway
                }
            }
        }, "espfleet-sim-out");
        pump.setDaemon(true);
        pump.start();
        byte[] buf = new byte[8192];
        try {
            int n;
            while ((n = in.read(buf)) >= 0) {
                link.setBaudRate(chip.baud());
                link.write(java.util.Arrays.copyOf(buf, n));
                link.setBaudRate(chip.baud());
            }
        } finally {
            s.close();
            try {
                pump.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        synchronized (link) {
            chip.close();
        }
        try {
            server.close();
        } catch (IOException ignored) {
            // closing
        }
    }
}
