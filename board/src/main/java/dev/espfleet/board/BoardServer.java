package dev.espfleet.board;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.espfleet.bench.BenchPort;
import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.services.BenchEvents;
import dev.espfleet.services.BenchService;
import dev.espfleet.services.BenchSession;
import dev.espfleet.services.Operator;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The operator's board ({@code espfleet bench --ui}): a page per bench, live over server-sent events, with the
 * operator's actions going to the {@link BenchSession} like any front end's. Served by the JDK's own HTTP server
 * (module jdk.httpserver): no dependency, and it starts in a few milliseconds.
 *
 * <p>Every response carries a strict Content-Security-Policy: the page runs only its own script and style from this
 * server, and may connect nowhere else.
 */
public final class BoardServer implements AutoCloseable {
    /** Nothing but this server's own files: no inline script or style, no other origin, no framing. */
    static final String CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
            + "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
    /**
     * A live stream ends after this and the page's EventSource opens another at once (it keeps the board's state
     * whole: each stream begins with a full snapshot).
     */
    static final Duration STREAM_LIFETIME = Duration.ofSeconds(60);
    /** While a board is in flight its elapsed time goes on: a snapshot at least this often. */
    static final long TICK_MILLIS = 1000;
    /** Progress comes at every flash block: a snapshot at most this often. */
    static final long MIN_GAP_MILLIS = 200;
    /** Live streams at once (screens on the line, a supervisor's laptop); more get 503. */
    static final int MAX_STREAMS = 16;
    static final int MAX_FORM_BYTES = 4096;

    static {
        // Deadlines on the JDK server (read once, when its first server is made): a request must arrive within
        // 30 s and a response end within 90 s, live streams included (they end after STREAM_LIFETIME). A client
        // that stops reading holds a thread no longer than that.
        if (System.getProperty("sun.net.httpserver.maxReqTime") == null) {
            System.setProperty("sun.net.httpserver.maxReqTime", "30");
        }
        if (System.getProperty("sun.net.httpserver.maxRspTime") == null) {
            System.setProperty("sun.net.httpserver.maxRspTime", "90");
        }
    }

    private static final Map<String, String> FILES = Map.of(
            "/board.js", "text/javascript; charset=utf-8",
            "/board.css", "text/css; charset=utf-8",
            "/label.js", "text/javascript; charset=utf-8",
            "/label.css", "text/css; charset=utf-8",
            "/favicon.svg", "image/svg+xml");

    private final BenchSession session;
    private final BoardModel model;
    private final BoardAddress address;
    private final BoardAccess access;
    private final HttpServer server;
    private final ExecutorService threads;
    private final Map<String, byte[]> files = new HashMap<>();
    private final String index;
    private final AtomicInteger streams = new AtomicInteger();
    private volatile boolean closed;

    private BoardServer(BenchSession session, BoardModel model, BoardAddress address, HttpServer server) {
        this.session = session;
        this.model = model;
        this.address = address;
        this.server = server;
        this.access = BoardAccess.forAddress(address, server.getAddress().getPort(), new SecureRandom());
        for (String file : FILES.keySet()) {
            files.put(file, resource(file.substring(1)));
        }
        this.index = new String(resource("index.html"), StandardCharsets.UTF_8)
                .replace("{{csrf}}", access.csrf())
                .replace("{{station}}", Html.escape(session.job().station()));
        this.threads = Executors.newFixedThreadPool(MAX_STREAMS + 8, r -> {
            Thread t = new Thread(r, "board-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(threads);
        server.createContext("/", this::handle);
    }

    /**
     * Listens on {@code address} for {@code session}'s board. A board offers a retry of failed boards, so the
     * session holds them for it ({@link BenchSession#holdFailedBoardsForRetry}). Pass {@link #events()} to the run.
     */
    public static BoardServer start(BenchSession session, BoardAddress address, Clock clock) {
        BoardModel model = new BoardModel(session.job().station(),
                session.ports().stream().map(BenchPort::name).toList(), clock);
        HttpServer server;
        try {
            server = HttpServer.create(address.socket(), 64);
        } catch (IOException e) {
            throw new EspfleetException(ExitStatus.UNAVAILABLE, "--ui " + address.host() + ":"
                    + address.socket().getPort() + ": cannot listen there: " + e.getMessage(),
                    "choose another port (e.g. --ui " + (address.socket().getPort() + 1) + ") or an address of this "
                            + "machine");
        }
        BoardServer board = new BoardServer(session, model, address, server);
        session.holdFailedBoardsForRetry();
        server.start();
        return board;
    }

    /** What the board hears from the run. */
    public BenchEvents events() {
        return model;
    }

    public BoardModel model() {
        return model;
    }

    /** Beyond loopback every request needs the token; it is in {@link #url()} and nowhere else. */
    public boolean tokenRequired() {
        return access.token().isPresent();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** The board's address to open, with the token when one is needed (print it once, at start). */
    public String url() {
        String host = address.socket().getAddress().isAnyLocalAddress() ? BenchService.hostName() : address.host();
        return "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port() + "/"
                + access.token().map(t -> "?token=" + t).orElse("");
    }

    @Override
    public void close() {
        closed = true;
        server.stop(0);
        threads.shutdownNow();
        try {
            threads.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // --- requests

    private void handle(HttpExchange ex) {
        try {
            Headers h = ex.getResponseHeaders();
            h.set("Content-Security-Policy", CSP);
            h.set("X-Content-Type-Options", "nosniff");
            h.set("X-Frame-Options", "DENY");
            h.set("Referrer-Policy", "no-referrer");
            h.set("Cross-Origin-Opener-Policy", "same-origin");
            h.set("Cross-Origin-Resource-Policy", "same-origin");
            h.set("Cache-Control", "no-store");
            route(ex);
        } catch (IOException e) {
            // the client went away
        } catch (RuntimeException e) {
            try {
                text(ex, 500, "internal error in espfleet's board: " + e);
            } catch (IOException | RuntimeException ignored) {
                // the response had begun
            }
        } finally {
            ex.close();
        }
    }

    private void route(HttpExchange ex) throws IOException {
        String method = ex.getRequestMethod();
        String path = ex.getRequestURI().getRawPath();
        Map<String, String> query = form(Optional.ofNullable(ex.getRequestURI().getRawQuery()).orElse(""));
        if (!access.hostAllowed(ex.getRequestHeaders().getFirst("Host"))) {
            text(ex, 403, "This board answers only as http://127.0.0.1:" + port() + "/ or http://localhost:" + port()
                    + "/ (it listens on loopback).");
            return;
        }
        Optional<String> presented = cookie(ex, access.cookieName()).or(() -> Optional.ofNullable(query.get("token")));
        if (!access.tokenAccepted(presented)) {
            text(ex, 401, "This board needs its token: open the URL that 'espfleet bench --ui' printed when it "
                    + "started (it ends in ?token=...).");
            return;
        }
        if (access.token().isPresent() && query.containsKey("token") && method.equals("GET")
                && (path.equals("/") || path.equals("/label"))) {
            // the token goes into a cookie for the page's own requests (the live stream too), and out of the URL bar
            ex.getResponseHeaders().add("Set-Cookie", access.cookieName() + "=" + access.token().get()
                    + "; Path=/; HttpOnly; SameSite=Strict");
            Map<String, String> rest = new LinkedHashMap<>(query);
            rest.remove("token");
            ex.getResponseHeaders().set("Location", path + (rest.isEmpty() ? "" : "?" + encode(rest)));
            ex.sendResponseHeaders(303, -1);
            return;
        }
        if (method.equals("POST")) {
            action(ex, path);
            return;
        }
        if (!method.equals("GET")) {
            ex.getResponseHeaders().set("Allow", "GET, POST");
            text(ex, 405, method + " is not used here");
            return;
        }
        switch (path) {
            case "/" -> send(ex, 200, "text/html; charset=utf-8", index.getBytes(StandardCharsets.UTF_8));
            case "/api/state" -> send(ex, 200, "application/json", model.json().getBytes(StandardCharsets.UTF_8));
            case "/events" -> stream(ex);
            case "/label" -> label(ex, query.getOrDefault("thing", ""));
            default -> {
                byte[] file = files.get(path);
                if (file == null) {
                    text(ex, 404, "no page " + path + " here");
                } else {
                    send(ex, 200, FILES.get(path), file);
                }
            }
        }
    }

    /** The live board: a snapshot now, then at every change (at most every 200 ms), and each second while busy. */
    private void stream(HttpExchange ex) throws IOException {
        if (streams.incrementAndGet() > MAX_STREAMS) {
            streams.decrementAndGet();
            text(ex, 503, "too many live boards open on this bench (" + MAX_STREAMS + "); close one");
            return;
        }
        try {
            ex.getResponseHeaders().set("Content-Type", "text/event-stream; charset=utf-8");
            ex.sendResponseHeaders(200, 0);
            OutputStream out = ex.getResponseBody();
            out.write("retry: 1000\n\n".getBytes(StandardCharsets.UTF_8));
            long end = System.nanoTime() + STREAM_LIFETIME.toNanos();
            long sent = -1;
            long lastWrite = 0;
            while (!closed && System.nanoTime() < end) {
                long version = model.awaitChange(sent, TICK_MILLIS);
                long now = System.nanoTime();
                if (version != sent || model.busy() || now - lastWrite > 15_000_000_000L) {
                    out.write(("event: state\ndata: " + model.json() + "\n\n").getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    sent = version;
                    lastWrite = now;
                    Thread.sleep(MIN_GAP_MILLIS);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            streams.decrementAndGet();
        }
    }

    private void label(HttpExchange ex, String thing) throws IOException {
        Optional<dev.espfleet.bench.UnitResult> unit = model.doneUnit(thing);
        if (unit.isEmpty()) {
            text(ex, 404, "no unit '" + thing + "' is done on this bench run: a label is printed for a unit the "
                    + "board shows as PASS");
            return;
        }
        send(ex, 200, "text/html; charset=utf-8", UnitLabel.page(thing, unit.get().mac().orElse(""),
                session.job().station()).getBytes(StandardCharsets.UTF_8));
    }

    /** An operator's action: the page's CSRF value in a header, a form body, then the bench service decides. */
    private void action(HttpExchange ex, String path) throws IOException {
        String origin = ex.getRequestHeaders().getFirst("Origin");
        String host = ex.getRequestHeaders().getFirst("Host");
        if (!access.csrfAccepted(ex.getRequestHeaders().getFirst(BoardAccess.CSRF_HEADER))
                || origin != null && !origin.equals("http://" + host)) {
            json(ex, 403, "error", "this action must come from the board's own page (reload it)");
            return;
        }
        Map<String, String> form;
        try (InputStream in = ex.getRequestBody()) {
            byte[] body = in.readNBytes(MAX_FORM_BYTES + 1);
            String type = Optional.ofNullable(ex.getRequestHeaders().getFirst("Content-Type")).orElse("");
            if (body.length > MAX_FORM_BYTES || !type.startsWith("application/x-www-form-urlencoded")) {
                json(ex, 400, "error", "expected a form (application/x-www-form-urlencoded) of at most "
                        + MAX_FORM_BYTES + " bytes");
                return;
            }
            form = form(new String(body, StandardCharsets.UTF_8));
        }
        String port = form.getOrDefault("port", "");
        try {
            Operator by = new Operator(form.getOrDefault("operator", ""),
                    "board " + ex.getRemoteAddress().getAddress().getHostAddress());
            String done = switch (path) {
                case "/api/pause" -> {
                    session.pause(port, by);
                    yield port + " paused: it takes no new board until resumed";
                }
                case "/api/resume" -> {
                    session.resume(port, by);
                    yield port + " resumed";
                }
                case "/api/retry" -> {
                    session.retry(port, by);
                    yield port + " serves its failed board again";
                }
                case "/api/stop" -> {
                    session.stopAfterInFlight(by);
                    yield "Stopping: no new board; the boards in flight finish";
                }
                default -> null;
            };
            if (done == null) {
                json(ex, 404, "error", "no action " + path);
            } else {
                json(ex, 200, "message", done);
            }
        } catch (EspfleetException e) {
            json(ex, e.status() == ExitStatus.BAD_INPUT ? 409 : 500, "error", e.getMessage());
        }
    }

    // --- helpers

    private static Optional<String> cookie(HttpExchange ex, String name) {
        List<String> headers = ex.getRequestHeaders().getOrDefault("Cookie", List.of());
        for (String header : headers) {
            for (String part : header.split(";")) {
                int eq = part.indexOf('=');
                if (eq > 0 && part.substring(0, eq).strip().equals(name)) {
                    return Optional.of(part.substring(eq + 1).strip());
                }
            }
        }
        return Optional.empty();
    }

    /** {@code a=1&b=2}, percent-decoded; a malformed escape is taken as it stands. */
    static Map<String, String> form(String raw) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) {
                continue;
            }
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            String value = eq < 0 ? "" : pair.substring(eq + 1);
            values.putIfAbsent(decode(key), decode(value));
        }
        return values;
    }

    private static String decode(String s) {
        try {
            return URLDecoder.decode(s, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return s;
        }
    }

    private static String encode(Map<String, String> values) {
        StringBuilder out = new StringBuilder();
        values.forEach((k, v) -> out.append(out.length() == 0 ? "" : "&").append(URLEncoder.encode(k, StandardCharsets.UTF_8))
                .append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        return out.toString();
    }

    private static void json(HttpExchange ex, int status, String key, String message) throws IOException {
        send(ex, status, "application/json", new JsonText().beginObject().field(key, message).endObject().toString()
                .getBytes(StandardCharsets.UTF_8));
    }

    private static void text(HttpExchange ex, int status, String message) throws IOException {
        send(ex, status, "text/plain; charset=utf-8", (message + "\n").getBytes(StandardCharsets.UTF_8));
    }

    private static void send(HttpExchange ex, int status, String type, byte[] body) throws IOException {
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(body);
        }
    }

    private static byte[] resource(String name) {
        try (InputStream in = BoardServer.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException("the board's " + name + " is missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the board's " + name, e);
        }
    }
}
