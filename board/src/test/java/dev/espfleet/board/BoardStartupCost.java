package dev.espfleet.board;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * What the board's server and QR code cost a cold JVM, for docs/bench.md: run it in a fresh JVM per figure,
 * {@code java -cp <board classes, test classes, qrcodegen, zxing core> dev.espfleet.board.BoardStartupCost
 * server|qrcodegen|qrcodegen-matrix|zxing}. Prints milliseconds; asserts nothing.
 */
public final class BoardStartupCost {
    private BoardStartupCost() {
    }

    public static void main(String[] args) throws Exception {
        long start = System.nanoTime();
        switch (args[0]) {
            case "server" -> {
                HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
                server.createContext("/", ex -> {
                    byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
                    ex.sendResponseHeaders(200, body.length);
                    try (OutputStream out = ex.getResponseBody()) {
                        out.write(body);
                    }
                });
                server.start();
                long listening = System.nanoTime();
                try (Socket s = new Socket(InetAddress.getLoopbackAddress(), server.getAddress().getPort())) {
                    s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
                    s.getInputStream().readAllBytes();
                }
                long answered = System.nanoTime();
                server.stop(0);
                System.out.printf("jdk httpserver: listening after %.1f ms, first answer after %.1f ms%n",
                        (listening - start) / 1e6, (answered - start) / 1e6);
            }
            case "qrcodegen" -> {
                String svg = UnitLabel.qrSvg("env-sensor-240ac4e50001");
                long first = System.nanoTime();
                UnitLabel.qrSvg("env-sensor-240ac4e50002");
                long second = System.nanoTime();
                System.out.printf("qrcodegen: first label QR (SVG, %d chars) after %.1f ms, the next in %.2f ms%n",
                        svg.length(), (first - start) / 1e6, (second - first) / 1e6);
            }
            case "qrcodegen-matrix" -> {
                io.nayuki.qrcodegen.QrCode.encodeText("env-sensor-240ac4e50001", io.nayuki.qrcodegen.QrCode.Ecc.MEDIUM);
                long first = System.nanoTime();
                io.nayuki.qrcodegen.QrCode.encodeText("env-sensor-240ac4e50002", io.nayuki.qrcodegen.QrCode.Ecc.MEDIUM);
                long second = System.nanoTime();
                System.out.printf("qrcodegen: first QR matrix after %.1f ms, the next in %.2f ms%n",
                        (first - start) / 1e6, (second - first) / 1e6);
            }
            case "zxing" -> {
                var writer = new com.google.zxing.qrcode.QRCodeWriter();
                writer.encode("env-sensor-240ac4e50001", com.google.zxing.BarcodeFormat.QR_CODE, 0, 0);
                long first = System.nanoTime();
                writer.encode("env-sensor-240ac4e50002", com.google.zxing.BarcodeFormat.QR_CODE, 0, 0);
                long second = System.nanoTime();
                System.out.printf("zxing core: first QR matrix after %.1f ms, the next in %.2f ms%n",
                        (first - start) / 1e6, (second - first) / 1e6);
            }
            default -> throw new IllegalArgumentException("server, qrcodegen or zxing");
        }
    }
}
