package dev.espfleet.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.board.Chromium;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

/** {@code espfleet bench --ui}: the bench as a process with its board, looked at in headless Chromium. */
class BenchBoardCommandTest {
    static final Pattern BOARD_URL = Pattern.compile("board: (http://\\S+)");

    @TempDir
    Path tmp;
    Path ca;
    Process bench;
    Path log;

    @BeforeEach
    void makeCa() {
        ca = tmp.resolve("ca");
        assertEquals(0, CliRun.of("ca", "init", "--out", ca.toString()).exitCode());
    }

    @AfterEach
    void endBench() throws Exception {
        if (bench != null && bench.isAlive()) {
            bench.destroyForcibly().waitFor(20, TimeUnit.SECONDS);
        }
    }

    /** {@code espfleet bench --config examples/env-sensor.yaml --ca CA ...} as its own process, output to a file. */
    private Process bench(String... options) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "bench",
                "--config", "../examples/env-sensor.yaml", "--ca", ca.toString(), "--units", tmp.resolve("units").toString()));
        command.addAll(List.of(options));
        log = tmp.resolve("bench.log");
        bench = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return bench;
    }

    /** Waits for a line of the output matching {@code pattern}; its first group. */
    private String awaitOutput(Pattern pattern) throws Exception {
        Instant end = Instant.now().plus(Chromium.PATIENCE);
        while (Instant.now().isBefore(end)) {
            Matcher m = pattern.matcher(Files.readString(log));
            if (m.find()) {
                return m.groupCount() > 0 ? m.group(1) : m.group();
            }
            assertTrue(bench.isAlive(), "the bench ended:\n" + Files.readString(log));
            Thread.sleep(100);
        }
        throw new AssertionError("no " + pattern + " in:\n" + Files.readString(log));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    @Test
    void threeSimulatedBoardsShowTheirThingNamesAndPassOnTheBoardWhichLoadsNothingFromElsewhere() throws Exception {
        int port = freePort();
        bench("--ports", "sim:3", "--ui", "127.0.0.1:" + port);
        String url = awaitOutput(BOARD_URL);
        assertEquals("http://127.0.0.1:" + port + "/", url, "on loopback, no token");

        try (Chromium chromium = Chromium.start(tmp.resolve("profile"))) {
            chromium.driver().get(url);
            chromium.await("three tiles that pass", d -> {
                List<WebElement> words = d.findElements(By.cssSelector("main .tile .status .word"));
                return words.size() == 3 && words.stream().allMatch(w -> w.getText().equals("PASS"));
            });
            List<String> things = chromium.driver().findElements(By.cssSelector("main .tile .thing")).stream()
                    .map(WebElement::getText).toList();
            assertEquals(List.of("env-sensor-240ac4e50001", "env-sensor-240ac4e50002", "env-sensor-240ac4e50003"), things);
            List<String> requests = chromium.requestedBy(url);
            assertTrue(requests.contains(url + "events"), requests.toString());
            assertTrue(requests.stream().allMatch(r -> r.startsWith(url)), "requests beyond espfleet: " + requests);
        }
        awaitOutput(Pattern.compile("the board stays up at http://127.0.0.1:" + port + "/ until Ctrl-C"));
        Thread.sleep(500);
        assertTrue(bench.isAlive(), "the board stays up after the last board");
        HttpResponse<String> page = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, page.statusCode());
        bench.destroy(); // SIGTERM, as Ctrl-C
        assertTrue(bench.waitFor(30, TimeUnit.SECONDS), Files.readString(log));
        assertEquals(143, bench.exitValue(), Files.readString(log));
        assertTrue(Files.readString(log).contains("3 of 3 units done"), Files.readString(log));
    }

    @Test
    void beyondLoopbackTheTokenIsPrintedOnceInTheUrlAndEveryRequestNeedsIt() throws Exception {
        bench("--ports", "sim:1", "--ui", "0.0.0.0:0");
        String url = awaitOutput(BOARD_URL);
        Matcher m = Pattern.compile("http://[^:/]+:(\\d+)/\\?token=([A-Za-z0-9_-]{43})$").matcher(url);
        assertTrue(m.matches(), url);
        awaitOutput(Pattern.compile("the board stays up at (http://[^:/]+:\\d+/) until Ctrl-C"));
        String output = Files.readString(log);
        assertEquals(1, output.split(m.group(2), -1).length - 1, "the token is printed once:\n" + output);

        String local = "http://127.0.0.1:" + m.group(1) + "/";
        HttpClient http = HttpClient.newHttpClient();
        assertEquals(401, http.send(HttpRequest.newBuilder(URI.create(local)).build(),
                HttpResponse.BodyHandlers.ofString()).statusCode());
        assertEquals(401, http.send(HttpRequest.newBuilder(URI.create(local + "events")).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode());
        HttpResponse<String> withToken = http.send(HttpRequest.newBuilder(URI.create(local + "api/state?token="
                + m.group(2))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, withToken.statusCode());
        assertTrue(withToken.body().contains("\"thing\":\"env-sensor-240ac4e50001\""), withToken.body());
    }

    @Test
    void aBadUiAddressIsOneErrorLineAndNothingIsWritten() {
        CliRun run = CliRun.of("bench", "--config", "../examples/env-sensor.yaml", "--ca", ca.toString(),
                "--units", tmp.resolve("units").toString(), "--ports", "sim:1", "--ui", "127.0.0.1:99999");
        assertEquals(2, run.exitCode(), run.toString());
        assertEquals("error: --ui 127.0.0.1:99999: expected [HOST:]PORT with PORT 0 to 65535 (0: any free port), e.g. "
                + "8080, 127.0.0.1:8080 or 0.0.0.0:8080\n", run.err());
        assertFalse(Files.exists(tmp.resolve("units")));
    }
}
