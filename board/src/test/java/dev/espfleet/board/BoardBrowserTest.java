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

    @org.junit.jupiter.api.BeforeEach
    void forgetEarlierConsole() {
        chromium.console(); // what earlier tests' pages printed is not this test's
    }

    @AfterEach
    void stopBench() throws Exception {
        chromium.driver().get("about:blank"); // the page closes its live stream before the board goes
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
                .filter(t -> t.findElement(By.cssSelector(".port")).getText().equals(port)).findFirst()
                .orElseThrow(() -> new org.openqa.selenium.NotFoundException("no tile " + port));
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
        assertEquals("false", retry.getAttribute("aria-disabled"));
        assertEquals("true", tile("sim-1").findElement(By.cssSelector("button.retry")).getAttribute("aria-disabled"),
                "nothing to retry on sim-1");

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
        assertEquals(List.of(), chromium.console(), "the page ran within its Content-Security-Policy, no errors");
        assertEquals(0, run.get(30, TimeUnit.SECONDS).failed());

        // the label of a unit, from its tile: 62 mm wide when printed, the QR code drawn in the page
        tile("sim-2").findElement(By.cssSelector(".label-link")).click();
        chromium.await("the label page", d -> d.getCurrentUrl().equals(origin + "label?thing=" + SimBench.thing(2)));
        assertEquals(SimBench.thing(2), text(".label .thing"));
        assertEquals("MAC 24:0a:c4:e5:00:02", text(".label .mac"));
        assertEquals("QR code of " + SimBench.thing(2), driver.findElement(By.cssSelector(".label svg.qr"))
                .getAttribute("aria-label"));
        driver.executeCdpCommand("Emulation.setEmulatedMedia", Map.of("media", "print"));
        try {
            assertEquals(234, (int) Double.parseDouble(driver.findElement(By.cssSelector(".label")).getCssValue("width")
                    .replace("px", "")), "62 mm at 96 px per inch");
            assertFalse(driver.findElement(By.cssSelector(".controls")).isDisplayed(), "only the label is printed");
        } finally {
            driver.executeCdpCommand("Emulation.setEmulatedMedia", Map.of("media", ""));
        }
        assertEquals(List.of(), chromium.console());
    }

    /** The element that has the keyboard focus, as a person hears it: its label, else its text. */
    private String focused() {
        WebElement e = chromium.driver().switchTo().activeElement();
        String label = e.getAttribute("aria-label");
        return label != null && !label.isEmpty() ? label : e.getTagName().equals("input") ? "input " + e.getAttribute("id")
                : e.getText();
    }

    private void shiftTab() {
        new Actions(chromium.driver()).keyDown(Keys.SHIFT).sendKeys(Keys.TAB).keyUp(Keys.SHIFT).perform();
    }

    private void press(CharSequence... keys) {
        new Actions(chromium.driver()).sendKeys(keys).perform();
    }

    @Test
    void theKeyboardAloneReachesEveryActionInOrderAndPausesRetriesAndResumesAFailedBoard() throws Exception {
        startBench(2, Map.of(2, List.of(SimBench.CABLE_PULLED)), 0, "127.0.0.1:0");
        var driver = chromium.driver();
        driver.get(board.url());
        awaitWord("sim-1", "PASS");
        awaitWord("sim-2", "FAIL");

        List<String> order = new ArrayList<>();
        press(Keys.TAB);
        order.add(focused());
        int skipX = driver.switchTo().activeElement().getRect().getX();
        press(Keys.TAB);
        order.add(focused());
        press("kb-7");
        while (!focused().equals("Retry the failed board on sim-2") && order.size() < 20) {
            press(Keys.TAB);
            order.add(focused());
        }
        assertEquals(List.of("Skip to the ports", "input operator", "Stop after boards in flight", "Pause sim-1",
                "Retry the failed board on sim-1", "Print the label of " + SimBench.thing(1), "Pause sim-2",
                "Retry the failed board on sim-2"), order);
        assertTrue(skipX >= 0, "the skip link shows when it has the focus, at x " + skipX);
        WebElement retry = driver.switchTo().activeElement();
        assertEquals("solid", retry.getCssValue("outline-style"), "the focus is visible");
        assertEquals("4px", retry.getCssValue("outline-width"));

        shiftTab();
        assertEquals("Pause sim-2", focused());
        press(Keys.ENTER);
        awaitWord("sim-2", "PAUSED");
        assertEquals("Resume sim-2", focused(), "the focus stays on the button, which now resumes");
        press(Keys.TAB);
        press(Keys.SPACE); // Retry, while paused: the board is served once resumed
        chromium.await("the retry waits for the resume", d -> tile("sim-2").findElement(By.cssSelector(".state"))
                .getText().equals("paused: resume to take the next board"));
        assertEquals("Retry the failed board on sim-2", focused(), "the focus stays on Retry, now unavailable");
        assertEquals("true", driver.switchTo().activeElement().getAttribute("aria-disabled"));
        assertEquals("PAUSED", word("sim-2"));
        shiftTab();
        press(Keys.ENTER);

        awaitWord("sim-2", "PASS");
        String audit = text("#audit");
        for (String action : List.of("pause", "retry", "resume")) {
            assertTrue(audit.contains("operator-" + action + " sim-2: by kb-7 from board 127.0.0.1"), audit);
        }
        assertEquals(List.of(), chromium.console());
    }

    @Test
    void stopAfterTheBoardsInFlightEndsARunThatWaitsForARetry() throws Exception {
        startBench(1, Map.of(1, List.of(SimBench.CABLE_PULLED)), 0, "127.0.0.1:0");
        chromium.driver().get(board.url());
        awaitWord("sim-1", "FAIL");

        chromium.driver().findElement(By.id("stop")).click();
        chromium.driver().switchTo().alert().accept(); // "Stop the bench? ..."

        chromium.await("the run ends", d -> text("#live .text").startsWith("Bench finished"));
        assertEquals(1, run.get(30, TimeUnit.SECONDS).failed());
        assertEquals("true", tile("sim-1").findElement(By.cssSelector("button.retry")).getAttribute("aria-disabled"));
        assertEquals("true", chromium.driver().findElement(By.id("stop")).getAttribute("aria-disabled"));
        assertTrue(text("#audit").contains("operator-stop: from board 127.0.0.1"), text("#audit"));
        assertEquals("FAIL", word("sim-1"));
    }

    @Test
    void beyondLoopbackThePageNeedsItsTokenAndKeepsItOutOfTheAddressBar() throws Exception {
        startBench(1, Map.of(), 0, "0.0.0.0:0");
        String token = board.url().substring(board.url().indexOf("?token=") + 7);
        String local = "http://127.0.0.1:" + board.port() + "/";
        var driver = chromium.driver();

        driver.get(local);
        assertTrue(driver.findElement(By.tagName("body")).getText().startsWith("This board needs its token"),
                driver.getPageSource());
        driver.get(local + "?token=" + token.substring(1) + "A");
        assertTrue(driver.findElement(By.tagName("body")).getText().startsWith("This board needs its token"));
        assertEquals(List.of(), driver.findElements(By.cssSelector("main .tile")));

        driver.get(local + "?token=" + token);
        assertEquals(local, driver.getCurrentUrl(), "the token is not left in the address bar");
        awaitWord("sim-1", "PASS"); // the live stream carries the token too (a cookie)
        assertTrue(text("#live .text").startsWith("Bench finished") || text("#live .text").startsWith("Live"));
        HttpResponse<String> stream = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(local + "events"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(401, stream.statusCode(), "the live stream without the token");
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
