package dev.espfleet.board;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.logging.Level;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.json.Json;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's chromium, driven by Selenium through Debian's chromedriver: headless, with the flags that keep it off the
 * network (no background requests, no updates, no sync), a fresh profile, and every request it makes recorded
 * (Chrome's performance log), so a test can tell that a page loaded nothing from elsewhere. Selenium Manager is
 * never asked for a driver or a browser (both are given, and SE_OFFLINE is set).
 */
public final class Chromium implements AutoCloseable {
    public static final Path BROWSER = Path.of("/usr/bin/chromium");
    public static final Path DRIVER = Path.of("/usr/bin/chromedriver");
    /** Long enough for a simulated bench on a loaded 2-core machine; a wait ends as soon as its condition holds. */
    public static final Duration PATIENCE = Duration.ofSeconds(90);

    private final ChromeDriver driver;
    private final List<String> requested = new ArrayList<>();

    private Chromium(ChromeDriver driver) {
        this.driver = driver;
    }

    /**
     * Skips the calling test when chromium or chromedriver is not installed on a developer's machine, with what to
     * install; on CI (which installs both) their absence fails it.
     */
    public static void assumeInstalled() {
        boolean present = Files.isExecutable(BROWSER) && Files.isExecutable(DRIVER);
        if (!present && System.getenv("CI") != null) {
            fail("CI installs chromium and chromium-driver (.ci/run), but " + BROWSER + " or " + DRIVER + " is missing");
        }
        assumeTrue(present, "browser tests skipped: " + BROWSER + " or " + DRIVER
                + " is not installed (apt-get install chromium chromium-driver)");
    }

    public static Chromium start(Path profile) {
        assumeInstalled();
        System.setProperty("webdriver.chrome.driver", DRIVER.toString());
        ChromeOptions options = new ChromeOptions();
        options.setBinary(BROWSER.toFile());
        options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--user-data-dir=" + profile.toAbsolutePath(), "--window-size=1280,1000",
                "--force-device-scale-factor=1", "--lang=en-GB");
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.PERFORMANCE, Level.ALL);
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile())
                .usingAnyFreePort().withSilent(true).build();
        return new Chromium(new ChromeDriver(service, options));
    }

    public ChromeDriver driver() {
        return driver;
    }

    /** Waits (up to {@link #PATIENCE}) for {@code condition} to give something other than null or false. */
    public <T> T await(String what, Function<WebDriver, T> condition) {
        return new WebDriverWait(driver, PATIENCE, Duration.ofMillis(100)).withMessage(what).until(condition);
    }

    /**
     * Every URL that a page of {@code origin} asked for since the browser started (the page itself, its files, its
     * live stream, its actions, and anything else it tried to load from anywhere); the browser's own start page and
     * services are left out.
     */
    @SuppressWarnings("unchecked")
    public List<String> requestedBy(String origin) {
        Json json = new Json();
        for (LogEntry entry : driver.manage().logs().get(LogType.PERFORMANCE)) {
            Map<String, Object> whole = json.toType(entry.getMessage(), Map.class);
            Map<String, Object> message = (Map<String, Object>) whole.get("message");
            if ("Network.requestWillBeSent".equals(message.get("method"))) {
                Map<String, Object> params = (Map<String, Object>) message.get("params");
                String document = String.valueOf(params.get("documentURL"));
                String url = (String) ((Map<String, Object>) params.get("request")).get("url");
                if (document.startsWith(origin)) {
                    requested.add(url);
                }
            }
        }
        return List.copyOf(requested);
    }

    /**
     * What the pages printed to the console since the last call: a refusal by the Content-Security-Policy (an inline
     * script or style, a file from elsewhere) shows here.
     */
    public List<String> console() {
        return driver.manage().logs().get(LogType.BROWSER).getAll().stream()
                .map(e -> e.getLevel() + " " + e.getMessage()).toList();
    }

    @Override
    public void close() {
        driver.quit();
    }
}
