package dev.espfleet.flasher.connection;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;

/** Raw TCP, as esptool's {@code socket://HOST:PORT}: bytes in and out, no baud rate, no modem lines. */
public final class SocketTransport implements Transport {
    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final String name;

    private SocketTransport(Socket socket, String name) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
        this.name = name;
    }

    /** Connects to {@code socket://host:port}. */
    public static SocketTransport open(String url) {
        URI uri;
        try {
            uri = URI.create(url);
        } catch (IllegalArgumentException e) {
            throw EspfleetException.badInput("not a socket URL: " + url + " (expected socket://HOST:PORT)");
        }
        if (uri.getHost() == null || uri.getPort() < 0) {
            throw EspfleetException.badInput("not a socket URL: " + url + " (expected socket://HOST:PORT)");
        }
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 5000);
            return new SocketTransport(s, url);
        } catch (IOException e) {
            try {
                s.close();
            } catch (IOException ignored) {
                // reporting the connect failure
            }
            throw new EspfleetException(ExitStatus.UNAVAILABLE, "cannot connect to " + url + ": " + e.getMessage(),
                    "is the server (e.g. 'espfleet sim --listen') running on that port?", e);
        }
    }

    @Override
    public void write(byte[] data) throws IOException {
        out.write(data);
        out.flush();
    }

    @Override
    public int read(byte[] buffer, Duration timeout) throws IOException {
        if (in.available() > 0) {
            return in.read(buffer, 0, Math.min(buffer.length, in.available()));
        }
        if (timeout.isZero()) {
            return 0;
        }
        socket.setSoTimeout((int) Math.max(1, timeout.toMillis()));
        try {
            int n = in.read(buffer);
            if (n < 0) {
                throw new IOException("connection closed by " + name);
            }
            return n;
        } catch (SocketTimeoutException e) {
            return 0;
        }
    }

    @Override
    public void setBaudRate(int baud) {
        // raw TCP carries no baud rate
    }

    @Override
    public boolean hasModemLines() {
        return false;
    }

    @Override
    public void setDtr(boolean asserted) {
        // no modem lines over raw TCP
    }

    @Override
    public void setRts(boolean asserted) {
        // no modem lines over raw TCP
    }

    @Override
    public String description() {
        return name;
    }

    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing left to do
        }
    }
}
