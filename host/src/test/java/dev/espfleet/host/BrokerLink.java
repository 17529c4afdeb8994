package dev.espfleet.host;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Test support: one device's network path to the broker, a TCP relay on a loopback port of its own that
 * the test can cut and restore. Up, it relays each connection to the broker's port byte for byte (TLS
 * passes through unchanged: the device still checks the broker's certificate and name). Cut, it accepts
 * each connection, notes when, and closes it at once, as a listener on a dead broker's port would; the
 * connections it was relaying are closed too.
 *
 * <p>Why not the broker's own port: another device of the same test class may be dialling it, and its
 * attempts would be counted as this device's. Why a cut separate from the broker: the broker can be
 * started again, and the shadow service stand-in subscribed, before the device can reach it (AWS's shadow
 * service is never away while devices can connect; a get published before the stand-in subscribed would be
 * dropped by the broker and never answered).
 */
final class BrokerLink implements AutoCloseable {
    private final ServerSocket server;
    private final int brokerPort;
    /** Guarded by this. */
    private boolean up = true;
    /** Guarded by this: both ends of every connection being relayed. */
    private final Set<Socket> relayed = new HashSet<>();
    /** Guarded by this: when each connection that arrived while cut was accepted (System.nanoTime, ms). */
    private final List<Long> dropped = new ArrayList<>();

    private BrokerLink(ServerSocket server, int brokerPort) {
        this.server = server;
        this.brokerPort = brokerPort;
    }

    /** A link, up, to the broker on the loopback port {@code brokerPort}. */
    static BrokerLink to(int brokerPort) throws IOException {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        BrokerLink link = new BrokerLink(server, brokerPort);
        Thread acceptor = new Thread(link::acceptLoop, "broker link :" + server.getLocalPort());
        acceptor.setDaemon(true);
        acceptor.start();
        return link;
    }

    /** The broker address to give the device: the link's port, with the name the broker's certificate has. */
    String uri() {
        return "mqtts://localhost:" + server.getLocalPort();
    }

    /** From now on every connection is noted and closed at once; the ones being relayed are closed now. */
    synchronized void cut() {
        up = false;
        relayed.forEach(BrokerLink::closeQuietly);
        relayed.clear();
    }

    /** Connections are relayed to the broker again. */
    synchronized void restore() {
        up = true;
    }

    /**
     * When the first {@code count} connections that arrived while the link was cut were accepted
     * (System.nanoTime in ms); fewer when the timeout ends first.
     */
    synchronized List<Long> awaitDroppedConnections(int count, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        for (long left = timeout.toMillis(); dropped.size() < count && left > 0;
                left = (end - System.nanoTime()) / 1_000_000) {
            wait(left);
        }
        return List.copyOf(dropped.subList(0, Math.min(count, dropped.size())));
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            Socket device;
            try {
                device = server.accept();
            } catch (IOException closed) {
                return;
            }
            long at = System.nanoTime() / 1_000_000;
            synchronized (this) {
                if (!up) {
                    dropped.add(at);
                    notifyAll();
                    closeQuietly(device);
                    continue;
                }
            }
            relay(device);
        }
    }

    private void relay(Socket device) {
        Socket broker;
        try {
            broker = new Socket(InetAddress.getLoopbackAddress(), brokerPort);
        } catch (IOException brokerAway) {
            closeQuietly(device); // the broker is not there: the device's connection ends, as it would
            return;
        }
        synchronized (this) {
            if (!up) { // cut while the broker was being dialled
                closeQuietly(device);
                closeQuietly(broker);
                return;
            }
            relayed.add(device);
            relayed.add(broker);
        }
        Pair pair = new Pair(device, broker);
        pair.pump(device, broker);
        pair.pump(broker, device);
    }

    /** The two ends of one relayed connection; closed once both directions have ended. */
    private final class Pair {
        private final Socket a;
        private final Socket b;
        private int ended; // guarded by this

        Pair(Socket a, Socket b) {
            this.a = a;
            this.b = b;
        }

        void pump(Socket from, Socket to) {
            Thread t = new Thread(() -> {
                byte[] buffer = new byte[16 * 1024];
                try {
                    InputStream in = from.getInputStream();
                    OutputStream out = to.getOutputStream();
                    for (int n; (n = in.read(buffer)) >= 0; ) {
                        out.write(buffer, 0, n);
                        out.flush();
                    }
                    to.shutdownOutput(); // pass the end of the stream on, as the network would
                    directionEnded(false);
                } catch (IOException reset) {
                    directionEnded(true);
                }
            }, "broker link relay");
            t.setDaemon(true);
            t.start();
        }

        private void directionEnded(boolean abort) {
            boolean both;
            synchronized (this) {
                both = ++ended == 2;
            }
            if (abort || both) {
                synchronized (BrokerLink.this) {
                    relayed.remove(a);
                    relayed.remove(b);
                }
                closeQuietly(a);
                closeQuietly(b);
            }
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        cut();
    }
}
