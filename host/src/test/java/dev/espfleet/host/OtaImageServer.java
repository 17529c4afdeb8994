package dev.espfleet.host;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import dev.espfleet.provisioning.Pem;

/**
 * Test support: an HTTPS server (the JDK's HttpsServer) presenting a certificate of the bench CA for localhost,
 * serving one image at {@code /<name>} as S3 serves an object: 200 with Content-Length. It can cut the next
 * {@code n} downloads after a number of bytes (the connection closes with the body unfinished), and counts requests.
 */
final class OtaImageServer implements AutoCloseable {
    private final HttpsServer server;
    private final AtomicInteger requests = new AtomicInteger();
    private final AtomicInteger cutsLeft = new AtomicInteger();
    private volatile int cutAfter;

    private OtaImageServer(HttpsServer server) {
        this.server = server;
    }

    static OtaImageServer start(Path certificate, Path key, String name, byte[] image) throws Exception {
        KeyStore keys = KeyStore.getInstance("PKCS12");
        keys.load(null, null);
        keys.setKeyEntry("server", Pem.readPrivateKey(key), new char[0],
                Pem.readCertificates(certificate).toArray(new Certificate[0]));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(keys, new char[0]);
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), null, new SecureRandom());
        HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(tls));
        OtaImageServer ota = new OtaImageServer(server);
        server.createContext("/" + name, exchange -> {
            ota.requests.incrementAndGet();
            boolean cut = ota.cutsLeft.getAndUpdate(n -> Math.max(0, n - 1)) > 0;
            exchange.getResponseHeaders().add("Content-Type", "application/octet-stream");
            exchange.sendResponseHeaders(200, image.length);
            OutputStream body = exchange.getResponseBody();
            try {
                if (cut) {
                    body.write(image, 0, Math.min(ota.cutAfter, image.length));
                    body.flush();
                    throw new IOException("cut");
                }
                body.write(image);
                body.close();
            } catch (IOException e) {
                exchange.close(); // closes the socket: the client sees the body end early
            }
        });
        server.setExecutor(Executors.newCachedThreadPool());
        server.start();
        return ota;
    }

    /** https://localhost:PORT/name */
    String url(String name) {
        return "https://localhost:" + server.getAddress().getPort() + "/" + name;
    }

    /** The next {@code downloads} downloads end after {@code bytes} bytes of the body. */
    void cutNext(int downloads, int bytes) {
        cutAfter = bytes;
        cutsLeft.set(downloads);
    }

    int requests() {
        return requests.get();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
