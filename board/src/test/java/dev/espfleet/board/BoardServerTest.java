package dev.espfleet.board;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.zxing.common.BitMatrix;
import com.google.zxing.qrcode.decoder.Decoder;
import dev.espfleet.common.EspfleetException;
import dev.espfleet.services.BenchOutcome;
import dev.espfleet.services.BenchSession;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.Assertions;

/** The board's HTTP side, without a browser: headers, who may ask, actions, labels, the live stream. */
class BoardServerTest {
    static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    @TempDir
    Path tmp;
    BoardServer board;
    BenchSession session;
    CompletableFuture<BenchOutcome> run;

    @AfterEach
    void stop() throws Exception {
        if (run != null && !run.isDone()) {
            session.stop();
        }
        if (run != null) {
            run.get(30, TimeUnit.SECONDS);
        }
        if (board != null) {
            board.close();
        }
    }

    /** A bench of {@code boards} simulated boards with its board on {@code listen}; the run started. */
    private String start(int boards, Map<Integer, List<dev.espfleet.flasher.sim.Fault>> faulty, String listen) {
        session = SimBench.prepare(tmp, boards, faulty, 0);
        board = BoardServer.start(session, BoardAddress.parse(listen), Clock.systemUTC());
        run = SimBench.run(session, board.events());
        return "http://127.0.0.1:" + board.port() + "/";
    }

    private static HttpResponse<String> get(String url) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(String url, String form, Map<String, String> headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.ofString(form))
                .header("Content-Type", "application/x-www-form-urlencoded");
        headers.forEach(request::header);
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String csrf(String page) {
        Matcher m = Pattern.compile("<meta name=\"espfleet-csrf\" content=\"([^\"]+)\">").matcher(page);
        assertTrue(m.find(), page);
        return m.group(1);
    }

    private void awaitState(String url, String fragment) throws Exception {
        long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        String state = "";
        while (System.nanoTime() < end) {
            state = get(url + "api/state").body();
            if (state.contains(fragment)) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("no " + fragment + " in " + state);
    }

    @Test
    void everyResponseCarriesTheStrictContentSecurityPolicy() throws Exception {
        String url = start(1, Map.of(), "127.0.0.1:0");
        for (String path : List.of("", "board.js", "board.css", "label.css", "label.js", "favicon.svg", "api/state",
                "no-such-page", "label?thing=nobody")) {
            HttpResponse<String> r = get(url + path);
            assertEquals("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
                    + "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
                    r.headers().firstValue("Content-Security-Policy").orElse(""), path);
            assertEquals("nosniff", r.headers().firstValue("X-Content-Type-Options").orElse(""), path);
            assertEquals("no-referrer", r.headers().firstValue("Referrer-Policy").orElse(""), path);
        }
        assertEquals(404, get(url + "no-such-page").statusCode());
        assertEquals("text/javascript; charset=utf-8", get(url + "board.js").headers().firstValue("Content-Type")
                .orElse(""));
    }

    /** Every file the board serves names no other origin: no CDN, no web font, no absolute URL to fetch. */
    @Test
    void thePageAndItsFilesNameNoOtherOrigin() throws Exception {
        String url = start(1, Map.of(), "127.0.0.1:0");
        Pattern elsewhere = Pattern.compile("(?i)(https?|wss?|ftp):|(src|href|url)\\s*[=(]\\s*[\"']?//|@import|@font-face");
        for (String path : List.of("", "board.js", "board.css", "label.css", "label.js")) {
            Matcher m = elsewhere.matcher(get(url + path).body());
            assertFalse(m.find(), "/" + path + " names another origin: " + (m.hitEnd() ? "" : m.group()));
        }
    }

    @Test
    void onLoopbackTheBoardAnswersOnlyToItsLoopbackNames() throws Exception {
        String url = start(1, Map.of(), "127.0.0.1:0");
        assertEquals(200, get(url).statusCode());
        assertEquals(200, get("http://localhost:" + board.port() + "/").statusCode());
        // a page of another site whose name was re-pointed at 127.0.0.1 (DNS rebinding) sends its own name
        String answer = rawGet("attacker.example:" + board.port());
        assertTrue(answer.startsWith("HTTP/1.1 403"), answer);
        assertTrue(answer.contains("This board answers only as http://127.0.0.1:" + board.port() + "/"), answer);
    }

    private String rawGet(String host) throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), board.port())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(("GET /api/state HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void anActionNeedsThePagesCsrfValueAndItsOwnOriginThenTheBenchServiceDecides() throws Exception {
        String url = start(1, Map.of(1, List.of(SimBench.CABLE_PULLED)), "127.0.0.1:0");
        String csrf = csrf(get(url).body());
        awaitState(url, "\"retryable\":true");

        HttpResponse<String> none = post(url + "api/retry", "port=sim-1", Map.of());
        assertEquals(403, none.statusCode());
        assertEquals("{\"error\":\"this action must come from the board's own page (reload it)\"}", none.body());
        assertEquals(403, post(url + "api/retry", "port=sim-1", Map.of("X-Espfleet-Csrf", csrf + "x")).statusCode());
        assertEquals(403, post(url + "api/retry", "port=sim-1", Map.of("X-Espfleet-Csrf", csrf,
                "Origin", "http://attacker.example")).statusCode());
        HttpResponse<String> unknown = post(url + "api/pause", "port=sim-9", Map.of("X-Espfleet-Csrf", csrf));
        assertEquals(409, unknown.statusCode());
        assertEquals("{\"error\":\"no port 'sim-9' on this bench (ports: sim-1)\"}", unknown.body());
        assertEquals(400, HTTP.send(HttpRequest.newBuilder(URI.create(url + "api/pause"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"port\":\"sim-1\"}")).header("X-Espfleet-Csrf", csrf)
                .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString()).statusCode());
        assertEquals(409, post(url + "api/pause", "port=sim-1&operator=" + "x".repeat(41),
                Map.of("X-Espfleet-Csrf", csrf)).statusCode(), "an operator name too long");

        HttpResponse<String> retry = post(url + "api/retry", "port=sim-1&operator=Ana+L%C3%BAcia",
                Map.of("X-Espfleet-Csrf", csrf, "Origin", url.substring(0, url.length() - 1)));
        assertEquals(200, retry.statusCode(), retry.body());
        assertEquals("{\"message\":\"sim-1 serves its failed board again\"}", retry.body());
        assertEquals(0, run.get(60, TimeUnit.SECONDS).failed(), "the retried board passed");
        String audit = java.nio.file.Files.readString(tmp.resolve("units/audit.jsonl"));
        assertTrue(audit.contains("\"event\":\"operator-retry\",\"from\":\"board 127.0.0.1\",\"operator\":\"Ana Lúcia\","
                + "\"port\":\"sim-1\""), audit);
        HttpResponse<String> late = post(url + "api/stop", "", Map.of("X-Espfleet-Csrf", csrf));
        assertEquals(409, late.statusCode());
        assertEquals("{\"error\":\"the bench has ended: it takes no more actions\"}", late.body());
    }

    @Test
    void aDoneUnitsLabelCarriesAQrCodeThatReadsBackAsItsThingName() throws Exception {
        String url = start(1, Map.of(), "127.0.0.1:0");
        run.get(60, TimeUnit.SECONDS);
        assertEquals(404, get(url + "label?thing=env-sensor-240ac4e59999").statusCode(), "not a unit of this run");

        HttpResponse<String> label = get(url + "label?thing=" + SimBench.thing(1));
        assertEquals(200, label.statusCode());
        String page = label.body();
        assertTrue(page.contains("<p class=\"thing\">env-sensor-240ac4e50001</p>"), page);
        assertTrue(page.contains("<p class=\"mac\">MAC 24:0a:c4:e5:00:01</p>"), page);
        assertTrue(page.contains("<p class=\"station\">line-1</p>"), page);
        Matcher svg = Pattern.compile("<svg class=\"qr\" viewBox=\"0 0 (\\d+) \\1\".*?<path fill=\"#000\" d=\"([^\"]+)\"/>"
                + "</svg>").matcher(page);
        assertTrue(svg.find(), page);
        assertEquals(SimBench.thing(1), decodeQr(Integer.parseInt(svg.group(1)), svg.group(2)));
    }

    /** The SVG's dark modules (runs "Mx,yhNv1h-Nz") back into a module matrix, read by ZXing's own QR decoder. */
    static String decodeQr(int sizeWithQuietZone, String path) throws Exception {
        int size = sizeWithQuietZone - 2 * UnitLabel.QUIET_ZONE;
        BitMatrix modules = new BitMatrix(size);
        Matcher run = Pattern.compile("M(\\d+),(\\d+)h(\\d+)v1h-\\3z").matcher(path);
        int end = 0;
        while (run.find()) {
            assertEquals(end, run.start(), "one run after another: " + path);
            end = run.end();
            int x = Integer.parseInt(run.group(1)) - UnitLabel.QUIET_ZONE;
            int y = Integer.parseInt(run.group(2)) - UnitLabel.QUIET_ZONE;
            modules.setRegion(x, y, Integer.parseInt(run.group(3)), 1);
        }
        assertEquals(path.length(), end);
        return new Decoder().decode(modules).getText();
    }

    @Test
    void theLiveStreamStartsWithTheWholeBoard() throws Exception {
        String url = start(2, Map.of(), "127.0.0.1:0");
        HttpResponse<java.io.InputStream> stream = HTTP.send(HttpRequest.newBuilder(URI.create(url + "events")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertEquals(200, stream.statusCode());
        assertEquals("text/event-stream; charset=utf-8", stream.headers().firstValue("Content-Type").orElse(""));
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
            assertEquals("retry: 1000", lines.readLine());
            assertEquals("", lines.readLine());
            assertEquals("event: state", lines.readLine());
            String data = lines.readLine();
            assertTrue(data.startsWith("data: {\"version\":"), data);
            Map<?, ?> state = new org.openqa.selenium.json.Json().toType(data.substring(6), Map.class);
            assertEquals(List.of("sim-1", "sim-2"), ((List<?>) state.get("ports")).stream()
                    .map(p -> ((Map<?, ?>) p).get("port")).toList());
        }
    }

    @Test
    void beyondLoopbackEveryRequestNeedsTheTokenWhichACookieThenCarries() throws Exception {
        String url = start(1, Map.of(), "0.0.0.0:0");
        assertTrue(board.tokenRequired());
        String token = board.url().substring(board.url().indexOf("?token=") + 7);
        assertEquals(43, token.length());
        for (String path : List.of("", "board.js", "events", "api/state", "label?thing=x")) {
            assertEquals(401, get(url + path).statusCode(), path);
        }
        assertEquals(401, get(url + "api/state?token=" + token.toUpperCase()).statusCode());
        HttpResponse<String> first = get(url + "?token=" + token);
        assertEquals(303, first.statusCode());
        assertEquals("/", first.headers().firstValue("Location").orElse(""));
        String cookie = first.headers().firstValue("Set-Cookie").orElse("");
        assertEquals("espfleet_board_" + board.port() + "=" + token + "; Path=/; HttpOnly; SameSite=Strict", cookie);
        HttpResponse<String> page = HTTP.send(HttpRequest.newBuilder(URI.create(url)).header("Cookie",
                cookie.substring(0, cookie.indexOf(';'))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, page.statusCode());
        assertTrue(page.body().contains("<h1>Bench line-1</h1>"), page.body());
        // the token's absence gets the same answer as a wrong one: nothing about it is told
        assertEquals(get(url).body(), get(url + "?token=x").body());
    }

    @Test
    void tokensAreComparedWhole() {
        assertTrue(BoardAccess.same("abc", "abc"));
        assertFalse(BoardAccess.same("abc", "abd"));
        assertFalse(BoardAccess.same("abc", "ab"));
        assertFalse(BoardAccess.same("abc", ""));
    }

    @Test
    void anAddressIsPortOrHostAndPort() {
        assertTrue(BoardAddress.parse("8080").loopback());
        assertEquals("127.0.0.1", BoardAddress.parse("8080").host());
        assertTrue(BoardAddress.parse("[::1]:0").loopback());
        assertFalse(BoardAddress.parse("0.0.0.0:8080").loopback());
        for (String bad : List.of("", "http", "80800", "-1", "127.0.0.1:", ":8080", "::1:8080")) {
            EspfleetException e = Assertions.assertThrows(EspfleetException.class, () -> BoardAddress.parse(bad));
            assertTrue(e.getMessage().startsWith("--ui " + bad + ": "), e.getMessage());
        }
    }
}
