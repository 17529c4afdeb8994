package dev.espfleet.board;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.services.BenchOutcome;
import dev.espfleet.services.BenchSession;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.interactions.Actions;

/**
 * The board in a real browser (Debian's chromium, headless) while a simulated bench runs: every port shown, live
 * progress, PASS and FAIL, a retry, pause and resume from the keyboard alone, stop, the token beyond loopback, and
 * nothing loaded from anywhere but espfleet.
 */
class BoardBrowserTest {
    static Chromium chromium;
    @TempDir
    static Path profile;

    @TempDir
    Path tmp;
    BoardServer board;
    CompletableFuture<BenchOutcome> run;
    BenchSession session;

    @BeforeAll
    static void startBrowser() {
        chromium = Chromium.start(profile);
    }

    @AfterAll
    static void stopBrowser() {
        if (chromium != null) {
            chromium.close();
        }
    }

    @AfterEach
    void stopBench() throws Exception {
        if (session != null && run != null && !run.isDone()) {
            session.stop();
        }
        if (run != null) {
            run.get(30, TimeUnit.SECONDS);
        }
        if (board != null) {
            board.close();
        }
    }

    private void startBench(int boards, Map<Integer, List<dev.espfleet.flasher.sim.Fault>> faulty, int linkMillis,
                            String listen) {
        session = SimBench.prepare(tmp, boards, faulty, linkMillis);
        board = BoardServer.start(session, BoardAddress.parse(listen), Clock.systemUTC());
        run = SimBench.run(session, board.events());
    }

    private WebElement tile(String port) {
        return chromium.driver().findElements(By.cssSelector("main .tile")).stream()
                .filter(t -> t.findElement(By.cssSelector(".port")).getText().equals(port)).findFirst().orElseThrow();
    }

    private String word(String port) {
        return tile(port).findElement(By.cssSelector(".status .word")).getText();
    }

    private String text(String css) {
        return chromium.driver().findElement(By.cssSelector(css)).getText();
    }

    private void awaitWord(String port, String word) {
        chromium.await(port + " shows " + word, d -> word.equals(word(port)));
    }

    @Test
    void everyPortLiveWithProgressThenPassAndFailAndARetryClickPassesTheFailedBoard() throws Exception {
        startBench(3, Map.of(2, List.of(SimBench.CABLE_PULLED)), 4, "127.0.0.1:0");
        var driver = chromium.driver();
        driver.get(board.url());
        driver.executeScript("window.espfleetLoadedOnce = true;"); // gone if the page ever reloads

        chromium.await("three tiles", d -> d.findElements(By.cssSelector("main .tile")).size() == 3);
        assertEquals(List.of("sim-1", "sim-2", "sim-3"), driver.findElements(By.cssSelector("main .tile .port")).stream()
                .map(WebElement::getText).toList());
        // live progress: a tile part-way through its write, as the bench reports it
        String partWay = chromium.await("a tile part-way through its write", d -> {
            for (WebElement p : d.findElements(By.cssSelector("main .tile progress"))) {
                if (p.isDisplayed()) {
                    int value = Integer.parseInt(p.getAttribute("value"));
                    if (value > 0 && value < 100) {
                        return value + "% " + p.findElement(By.xpath("ancestor::section")).getText();
                    }
                }
            }
            return null;
        });
        assertTrue(partWay.contains("WORKING") && partWay.contains("flashing env-sensor-"), partWay);

        awaitWord("sim-1", "PASS");
        awaitWord("sim-3", "PASS");
        awaitWord("sim-2", "FAIL");
        for (int n = 1; n <= 3; n++) {
            assertEquals(SimBench.thing(n), tile("sim-" + n).findElement(By.cssSelector(".thing")).getText());
            assertEquals(String.format("24:0a:c4:e5:00:%02x", n), tile("sim-" + n).findElement(By.cssSelector(".mac")).getText());
        }
        String reason = tile("sim-2").findElement(By.cssSelector(".last")).getText();
        assertTrue(reason.startsWith("FAIL: "), reason);
        String failure = text("#failures li");
        assertTrue(failure.contains("sim-2 " + SimBench.thing(2) + " (24:0a:c4:e5:00:02): "
                + reason.substring(reason.indexOf(": ") + 2)), failure);
        assertEquals("2", text("#done"));
        assertEquals("1", text("#failed"));
        assertNotEquals("–", text("#per-hour"));
        assertTrue(text("#announce").matches("sim-\\d (PASS|FAIL) env-sensor-.*"), text("#announce"));
        assertTrue(text("#audit").contains("unit-failed sim-2"), text("#audit"));
        saveScreenshot();
        WebElement retry = tile("sim-2").findElement(By.cssSelector("button.retry"));
        assertTrue(retry.isEnabled());
        assertFalse(tile("sim-1").findElement(By.cssSelector("button.retry")).isEnabled(), "nothing to retry on sim-1");

        retry.click();

        chromium.await("the retried board passes", d -> word("sim-2").equals("PASS"));
        assertEquals("3", text("#done"));
        assertEquals("0", text("#failed"));
        assertEquals("sim-2 PASS " + SimBench.thing(2), text("#announce"));
        assertTrue(text("#failures li").endsWith("(passed on retry)"), text("#failures"));
        assertTrue(text("#audit").contains("operator-retry sim-2: from board 127.0.0.1"), text("#audit"));
        assertEquals(Boolean.TRUE, driver.executeScript("return window.espfleetLoadedOnce === true;"), "no reload");
        chromium.await("the run ends", d -> text("#live .text").startsWith("Bench finished"));
        String origin = "http://127.0.0.1:" + board.port() + "/";
        List<String> urls = chromium.requestedBy(origin);
        assertTrue(urls.contains(origin + "events"), urls.toString());
        assertTrue(urls.stream().allMatch(u -> u.startsWith(origin)), "requests beyond espfleet: " + urls);
        assertEquals(0, run.get(30, TimeUnit.SECONDS).failed());
    }

    /** The screenshot in docs/bench.md: target/ always; with -Dboard.screenshot.update=true, docs/ too. */
    private void saveScreenshot() throws Exception {
        var window = chromium.driver().manage().window();
        var size = window.getSize();
        long height = (Long) chromium.driver().executeScript("return document.documentElement.scrollHeight;");
        window.setSize(new org.openqa.selenium.Dimension(1280, (int) height + 150)); // the whole board, no scrolling
        chromium.driver().executeScript("window.scrollTo(0, 0);");
        Path png = chromium.driver().getScreenshotAs(OutputType.FILE).toPath();
        window.setSize(size);
        Path target = Path.of("target/bench-board.png");
        Files.copy(png, target, StandardCopyOption.REPLACE_EXISTING);
        if (Boolean.getBoolean("board.screenshot.update")) {
            Files.copy(png, Path.of(System.getProperty("board.docs", "../docs")).resolve("bench-board.png"),
                    StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
