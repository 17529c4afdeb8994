package dev.espfleet.cli;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * A device's first MQTT 3.1.1 exchange over mutual TLS: CONNECT, then CONNACK. The broker's certificate
 * is verified against the given CA and host name; there is no way to switch that off.
 */
final class MqttConnectProbe {
    /** MQTT 3.1.1 section 2.2.1: control packet types in the high nibble of the first byte. */
    private static final int CONNECT = 0x10;
    private static final int CONNACK = 0x20;
    /** Section 3.1.2.1-3.1.2.2: protocol name "MQTT", level 4. */
    private static final byte[] PROTOCOL_NAME = "MQTT".getBytes(StandardCharsets.US_ASCII);
    private static final int PROTOCOL_LEVEL = 4;
    /** Section 3.1.2.4: clean session. */
    private static final int CLEAN_SESSION = 0x02;
    private static final int KEEP_ALIVE_SECONDS = 60;
    private static final int READ_TIMEOUT_MILLIS = 10_000;

    /** What the broker answered: a CONNACK return code, or why there was none. */
    record Outcome(boolean connackReceived, int returnCode, String failure) {
        boolean accepted() {
            return connackReceived && returnCode == 0;
        }

        @Override
        public String toString() {
            return connackReceived ? "CONNACK return code " + returnCode : "no CONNACK: " + failure;
        }
    }

    private MqttConnectProbe() {
    }

    static Outcome connect(int port, String serverName, List<X509Certificate> trusted, PrivateKey key,
                           List<X509Certificate> chain, String clientId) throws GeneralSecurityException, IOException {
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(keyManagers(key, chain), trustManagers(trusted), null);
        try (Socket tcp = new Socket(InetAddress.getLoopbackAddress(), port);
             SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket(tcp, serverName, port, true)) {
            SSLParameters params = socket.getSSLParameters();
            params.setEndpointIdentificationAlgorithm("HTTPS");
            socket.setSSLParameters(params);
            socket.setSoTimeout(READ_TIMEOUT_MILLIS);
            try {
                socket.startHandshake();
                OutputStream out = socket.getOutputStream();
                out.write(connectPacket(clientId));
                out.flush();
                DataInputStream in = new DataInputStream(socket.getInputStream());
                int type = in.readUnsignedByte();
                int length = in.readUnsignedByte();
                if (type != CONNACK || length != 2) {
                    return new Outcome(false, -1, String.format("expected CONNACK 0x20 0x02, got 0x%02x 0x%02x",
                            type, length));
                }
                in.readUnsignedByte(); // acknowledge flags
                return new Outcome(true, in.readUnsignedByte(), null);
            } catch (EOFException e) {
                return new Outcome(false, -1, "the broker closed the connection");
            } catch (IOException e) {
                // TLS alerts (bad_certificate, decrypt_error, ...) and resets: the broker refused us.
                return new Outcome(false, -1, e.toString());
            }
        }
    }

    static byte[] connectPacket(String clientId) {
        byte[] id = clientId.getBytes(StandardCharsets.UTF_8);
        int remaining = 2 + PROTOCOL_NAME.length + 1 + 1 + 2 + 2 + id.length;
        if (remaining > 127) {
            throw new IllegalArgumentException("client id too long for a one-byte remaining length");
        }
        ByteBuffer packet = ByteBuffer.allocate(2 + remaining); // big-endian, as MQTT section 1.5.2 requires
        packet.put((byte) CONNECT).put((byte) remaining)
                .putShort((short) PROTOCOL_NAME.length).put(PROTOCOL_NAME)
                .put((byte) PROTOCOL_LEVEL).put((byte) CLEAN_SESSION).putShort((short) KEEP_ALIVE_SECONDS)
                .putShort((short) id.length).put(id);
        return packet.array();
    }

    private static javax.net.ssl.KeyManager[] keyManagers(PrivateKey key, List<X509Certificate> chain)
            throws GeneralSecurityException, IOException {
        char[] password = "in-memory".toCharArray();
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("device", key, password, chain.toArray(X509Certificate[]::new));
        // SunX509 presents the certificate as it is (even expired), which is what these tests need.
        KeyManagerFactory factory = KeyManagerFactory.getInstance("SunX509");
        factory.init(store, password);
        return factory.getKeyManagers();
    }

    private static javax.net.ssl.TrustManager[] trustManagers(List<X509Certificate> trusted)
            throws GeneralSecurityException, IOException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        for (int i = 0; i < trusted.size(); i++) {
            store.setCertificateEntry("ca" + i, trusted.get(i));
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(store);
        return factory.getTrustManagers();
    }
}
