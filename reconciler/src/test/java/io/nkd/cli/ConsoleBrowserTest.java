package io.nkd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.nkd.testkit.Ci;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.logging.Level;
import org.eclipse.jgit.revwalk.RevCommit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.logging.LoggingPreferences;

/**
 * The web console in a real Chromium (Debian's {@code chromium} and {@code chromium-driver}, never a downloaded
 * one), headless, against a real {@code nkd serve} on the demo's sandbox cluster. One browser for the class; the
 * tests run in order, each a step an operator takes: the list, a rollout watched live, a broken commit, reconcile
 * with and without the token, and a plan. A screenshot of each page goes to {@code target/console-screenshots/}.
 * The browser's console must stay free of errors, except the refusals a step provokes on purpose.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleBrowserTest {
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final Path SHOTS = Path.of("target", "console-screenshots");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FROM_IMAGE = "image: " + DemoTour.FROM_IMAGE;
    private static final String TO_IMAGE = "image: " + DemoTour.TO_IMAGE;

    private ConsoleDaemon nkd;
    private ChromeDriver browser;
    private final List<String> expectedErrors = new ArrayList<>();
    private String beforeUpgrade;
    private String upgrade;

    @BeforeAll
    void start(@TempDir Path dir) throws Exception {
        Ci.require(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "Chromium is missing: apt-get install -y chromium chromium-driver (.ci/run installs both)");
        // Selenium Manager would look for (and download) a driver and a browser: both are given, so it never runs
        System.setProperty("webdriver.chrome.driver", CHROMEDRIVER.toString());
        nkd = new ConsoleDaemon(dir);
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                "--window-size=1280,900", "--user-data-dir=" + Files.createDirectories(dir.resolve("chromium-profile")));
        LoggingPreferences logs = new LoggingPreferences();
        logs.enable(LogType.BROWSER, Level.ALL);
        options.setCapability("goog:loggingPrefs", logs);
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(new File(CHROMEDRIVER.toString()))
                .usingAnyFreePort().withLogFile(dir.resolve("chromedriver.log").toFile()).build();
        browser = new ChromeDriver(service, options);
        browser.manage().timeouts().scriptTimeout(Duration.ofSeconds(10));
        Files.createDirectories(SHOTS);
    }

    @AfterAll
    void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (nkd != null) {
            nkd.close();
        }
    }

    @AfterEach
    void noConsoleErrors() {
        if (browser == null) {
            return;
        }
        List<String> errors = new ArrayList<>();
        for (LogEntry e : browser.manage().logs().get(LogType.BROWSER)) {
            if (e.getLevel().intValue() >= Level.WARNING.intValue()
                    && expectedErrors.stream().noneMatch(x -> e.getMessage().contains(x))) {
                errors.add(e.getLevel() + " " + e.getMessage());
            }
        }
        expectedErrors.clear();
        assertEquals(List.of(), errors, "the browser's console");
    }

    @Test
    @Order(1)
    @Timeout(120)
    void theListShowsWhatTheApiSays() throws Exception {
        JsonNode api = awaitApi(s -> s.path("phase").asText().equals("READY"), "sandbox-demo READY");
        browser.get(nkd.base + "/");
        String row = "tr[data-cluster='" + ConsoleDaemon.CLUSTER + "']";
        await(() -> text(row + " .phase").equals("READY"), "the list shows READY");
        double cold = firstView();
        browser.navigate().refresh();
        await(() -> text(row + " .phase").equals("READY"), "the list after a reload");
        double warm = firstView();
        Files.writeString(SHOTS.resolve("first-paint.txt"), String.format(java.util.Locale.ROOT,
                "cluster list drawn, from navigation start: first load %.0f ms, reload %.0f ms%n", cold, warm));
        assertTrue(warm < 300, "the cluster list was drawn " + warm + " ms after navigation start (reload)");
        JsonNode list = JSON.readTree(nkd.get("/api/v1/clusters").body());
        assertEquals(list.size(), browser.findElements(By.cssSelector("#clusters tr")).size(), "one row per cluster of the API");
        String applied = api.get("appliedRevision").asText();
        await(() -> text(row + " .applied").contains(applied.substring(0, 12)) && text(row + " .applied").contains("faster simulated machines"),
                "the applied commit with its subject");
        assertTrue(text(row + " .applied").contains("Ada Operator"), text(row + " .applied"));
        assertEquals("3 updated · 0 updating · 0 pending · 0 failed", text(row + " .counts"));
        assertEquals("sandbox", api.get("provider").asText(), "the API names the provider as cluster.yaml does");
        assertEquals("sandbox", text(row + " .provider"), "the provider column");
        WebElement filter = browser.findElement(By.id("filter"));
        assertEquals("Filter", browser.findElement(By.cssSelector("label[for=filter]")).getText().split("\n")[0], "the filter is labelled");
        filter.sendKeys("no-such-cluster");
        await(() -> text("#cluster-count").equals("0 of 1 cluster(s)"), "the filter hides what does not match");
        filter.clear();
        filter.sendKeys("ready");
        await(() -> text("#cluster-count").equals("1 cluster(s)"), "filtering by phase");
        filter.clear();
        filter.sendKeys("openstack");
        await(() -> text("#cluster-count").equals("0 of 1 cluster(s)"), "filtering by provider");
        filter.clear();
        filter.sendKeys("sandbox");
        await(() -> text("#cluster-count").equals("1 cluster(s)"), "filtering by provider");
        shot("clusters");

        // a phone-sized window: the page fits its width (wide tables scroll inside their own box)
        browser.manage().window().setSize(new org.openqa.selenium.Dimension(390, 844));
        await(() -> ((Number) js("return document.documentElement.scrollWidth")).intValue()
                <= ((Number) js("return window.innerWidth")).intValue(), "no sideways scrolling of the page on a narrow screen");
        shot("clusters-narrow");
        browser.manage().window().setSize(new org.openqa.selenium.Dimension(1280, 900));
        // dark mode follows the system's preference
        browser.executeCdpCommand("Emulation.setEmulatedMedia", Map.of("features",
                List.of(Map.of("name", "prefers-color-scheme", "value", "dark"))));
        await(() -> js("return getComputedStyle(document.body).backgroundColor").equals("rgb(13, 17, 23)"), "the dark scheme");
        shot("clusters-dark");
        browser.executeCdpCommand("Emulation.setEmulatedMedia", Map.of("features",
                List.of(Map.of("name", "prefers-color-scheme", "value", "light"))));
        assertEquals("rgb(255, 255, 255)", js("return getComputedStyle(document.body).backgroundColor"));
    }

    @Test
    @Order(2)
    @Timeout(180)
    void aPushedUpgradeAppearsLiveAndNodesMoveOneByOne() throws Exception {
        beforeUpgrade = awaitApi(s -> s.path("phase").asText().equals("READY"), "READY").get("appliedRevision").asText();
        browser.get(nkd.base + "/ui/#/clusters/" + ConsoleDaemon.CLUSTER);
        await(() -> text("#phase").equals("READY"), "the cluster page");
        js("window.nkdSamePage = 'yes'");
        RevCommit commit = nkd.edit(y -> y.replace(FROM_IMAGE, TO_IMAGE), "Upgrade sandbox-demo to NestOS 24.09.2");
        upgrade = commit.name();
        nkd.poll();
        await(() -> text("#attempted").contains(upgrade.substring(0, 12)), "the pushed commit, without a reload");
        // sample the nodes table as the operator sees it, until every node is Updated
        Map<String, Set<String>> seen = new LinkedHashMap<>();
        boolean shotMidway = false;
        for (long end = System.nanoTime() + Duration.ofSeconds(150).toNanos(); ; Thread.sleep(100)) {
            assertTrue(System.nanoTime() < end, "the rollout never completed in the page; states seen: " + seen);
            @SuppressWarnings("unchecked")
            List<List<String>> rows = (List<List<String>>) js("return [...document.querySelectorAll('#nodes tbody tr')]"
                    + ".map(r => [r.querySelector('.node-name') ? r.querySelector('.node-name').textContent : '',"
                    + " r.querySelector('.rollout-state .badge') ? r.querySelector('.rollout-state .badge').textContent : '-'])");
            int updated = 0;
            for (List<String> r : rows) {
                seen.computeIfAbsent(r.get(0), k -> new LinkedHashSet<>()).add(r.get(1));
                updated += r.get(1).equals("Updated") ? 1 : 0;
            }
            if (!shotMidway && rows.stream().anyMatch(r -> r.get(1).equals("Updating"))) {
                shot("cluster-rollout-progress");
                shotMidway = true;
            }
            if (updated == 3 && rows.size() == 3 && text("#phase").equals("READY") && text("#applied").contains(upgrade.substring(0, 12))) {
                break;
            }
        }
        assertEquals("yes", js("return window.nkdSamePage"), "the page was never reloaded");
        long moved = seen.values().stream().filter(s -> s.contains("Updating") || s.contains("Pending")).count();
        assertTrue(moved >= 2, "nodes were seen Pending or Updating before Updated: " + seen);
        assertTrue(seen.values().stream().allMatch(s -> s.contains("Updated")), seen.toString());
        assertTrue(text("#rollout").contains("Completed"), text("#rollout"));
        await(() -> text("#history-table").contains(upgrade.substring(0, 12)), "the history lists the upgrade");
        shot("cluster-rollout-done");
    }

    @Test
    @Order(3)
    @Timeout(60)
    void aBrokenCommitShowsTheLocatedError() throws Exception {
        browser.get(nkd.base + "/ui/#/clusters/" + ConsoleDaemon.CLUSTER);
        await(() -> text("#phase").length() > 0, "the cluster page");
        RevCommit broken = nkd.edit(y -> y.replace("    controlPlaneEndpoint:", "    controlPlaneEndpiont:"), "typo");
        nkd.poll();
        await(() -> exists("#last-error .location"), "the last error");
        assertEquals("clusters/sandbox-demo/cluster.yaml:9:5", text("#last-error .location"));
        assertTrue(text("#last-error .message").contains("unknown key \"controlPlaneEndpiont\""), text("#last-error .message"));
        assertTrue(text("#attempted").contains(broken.name().substring(0, 12)));
        assertTrue(text("#applied").contains(upgrade.substring(0, 12)), "the last good commit stays applied");
        shot("cluster-error");
        nkd.edit(y -> y.replace("    controlPlaneEndpiont:", "    controlPlaneEndpoint:"), "fix the typo");
        nkd.poll();
        await(() -> !exists("#last-error"), "the error goes with the fix");
    }

    @Test
    @Order(4)
    @Timeout(60)
    void reconcileIsRefusedWithoutTheTokenAndDoneWithIt() throws Exception {
        browser.get(nkd.base + "/ui/#/clusters/" + ConsoleDaemon.CLUSTER);
        WebElement token = awaitElement("#api-token");
        token.clear();
        expectedErrors.add("/reconcile - Failed to load resource: the server responded with a status of 401");
        browser.findElement(By.id("reconcile")).click();
        await(() -> text("#reconcile-result").startsWith("Refused (401)"), "refused without the token: " + text("#reconcile-result"));
        token.sendKeys(nkd.apiToken());
        browser.findElement(By.id("reconcile")).sendKeys(org.openqa.selenium.Keys.ENTER); // the keyboard works too
        await(() -> text("#reconcile-result").startsWith("Reconcile of sandbox-demo requested"), "accepted: " + text("#reconcile-result"));
        assertEquals(nkd.apiToken(), js("return sessionStorage.getItem('nkd.apiToken')"));
        assertEquals("", js("return document.cookie"), "the token is never a cookie");
        assertTrue(!browser.getCurrentUrl().contains(nkd.apiToken()), "nor in the URL");
        shot("cluster-reconcile");
    }

    @Test
    @Order(5)
    @Timeout(60)
    void thePlanViewShowsWhatNkdPlanSays() throws Exception {
        browser.get(nkd.base + "/ui/#/plan?base=" + beforeUpgrade + "&head=" + upgrade);
        await(() -> exists("#plan-markdown"), "the plan");
        String markdown = ConsoleHttpTest.cli("plan", "--repo", nkd.repo.toString(), "--base", beforeUpgrade, "--head", upgrade,
                "--format", "markdown");
        assertEquals(markdown, js("return document.getElementById('plan-markdown').textContent"), "the Markdown printer's text");
        JsonNode cli = JSON.readTree(ConsoleHttpTest.cli("plan", "--repo", nkd.repo.toString(), "--base", beforeUpgrade, "--head", upgrade,
                "--format", "json"));
        List<String> expected = new ArrayList<>();
        cli.get("clusters").forEach(c -> c.get("actions").forEach(a -> expected.add(c.get("cluster").asText() + " | " + a.get("effect").asText()
                + " | " + a.get("summary").asText())));
        assertTrue(!expected.isEmpty(), "the upgrade plans actions: " + cli);
        @SuppressWarnings("unchecked")
        List<String> shown = (List<String>) js("return [...document.querySelectorAll('#plan-actions tbody tr')]"
                + ".map(r => [...r.children].slice(0, 3).map(c => c.textContent).join(' | '))");
        assertEquals(expected, shown, "the same actions as nkd plan --format json");
        shot("plan");

        expectedErrors.add("/api/v1/plan/");
        WebElement base = browser.findElement(By.id("plan-base"));
        base.clear();
        base.sendKeys("no-such-branch");
        browser.findElement(By.id("plan-go")).click();
        await(() -> exists("#plan-error"), "unknown revisions are refused");
        assertTrue(text("#plan-error").contains("base \"no-such-branch\" is not a commit of the config repository"), text("#plan-error"));
    }

    @Test
    @Order(6)
    @Timeout(180)
    void aBudgetThatBlocksTheDrainIsShownWhileItBlocksAndTheBatchesAsTheyGo() throws Exception {
        browser.get(nkd.base + "/ui/#/clusters/" + ConsoleDaemon.CLUSTER);
        await(() -> text("#phase").equals("READY"), "the cluster page, READY");
        // one commit: a budget that allows no disruption, and the upgrade back to the first image
        String pdb = """
                apiVersion: v1
                kind: Namespace
                metadata:
                  name: shop
                ---
                apiVersion: policy/v1
                kind: PodDisruptionBudget
                metadata:
                  name: web
                  namespace: shop
                spec:
                  maxUnavailable: MAX
                  selector:
                    matchLabels:
                      app: web
                """;
        nkd.edit(y -> y.replace(TO_IMAGE, FROM_IMAGE) + "  addons:\n    - name: shop\n      manifests: [shop/]\n",
                Map.of("manifests/shop/pdb.yaml", pdb.replace("MAX", "0")), "Shop budget; back to the first image");
        nkd.poll();
        await(() -> exists("#drain-blocked .blocking-budget"), "the blocking budget");
        String blocked = text("#drain-blocked .blocking-budget");
        assertTrue(blocked.startsWith(ConsoleDaemon.CLUSTER + "-workers-1: evictions refused by shop/web (pods shop/web-"
                + ConsoleDaemon.CLUSTER + "-workers-1) for "), blocked);
        assertTrue(text("#rollout-now").contains(ConsoleDaemon.CLUSTER + "-workers-1 Draining"), text("#rollout-now"));
        assertEquals("control-plane nodes one at a time, first; then up to 1 worker(s) at a time (maxUnavailable)",
                text("#rollout-batch"));
        @SuppressWarnings("unchecked")
        List<List<String>> order = (List<List<String>>) js("return [...document.querySelectorAll('#rollout-order .batch')]"
                + ".map(b => [b.querySelector('h3').textContent, ...[...b.querySelectorAll('li')].map(l => l.dataset.node + '=' + l.dataset.state)])");
        assertEquals(List.of(
                List.of("Control plane, one at a time", ConsoleDaemon.CLUSTER + "-control-plane-1=Updated"),
                List.of("Workers, up to 1 at a time", ConsoleDaemon.CLUSTER + "-workers-1=Updating", ConsoleDaemon.CLUSTER + "-workers-2=Pending")),
                order, "the batches in the Housekeeper's order");
        JsonNode api = JSON.readTree(nkd.get("/api/v1/clusters/" + ConsoleDaemon.CLUSTER).body());
        JsonNode w1 = api.at("/rollout/nodes/1");
        assertEquals("shop/web", w1.at("/blockedBy/0/budget").asText(), "the API says what the page shows: " + w1);
        // the Ready condition (nkd status, the list's message) says why the rollout stands still
        String blockedWorker = ConsoleDaemon.CLUSTER + "-workers-1 (updating, draining, blocked by PodDisruptionBudget shop/web)";
        await(() -> text("#summary").contains(blockedWorker), "the Ready message names the budget: " + text("#summary"));
        String ready = "";
        for (JsonNode c : JSON.readTree(nkd.get("/api/v1/clusters/" + ConsoleDaemon.CLUSTER).body()).get("conditions")) {
            ready = c.get("type").asText().equals("Ready") ? c.get("message").asText() : ready;
        }
        assertTrue(ready.contains(blockedWorker), ready);
        String drawn = (String) js("return document.getElementById('cluster-body').innerText"); // as laid out: blocks apart
        assertTrue(!drawn.matches("(?s).*(\\bnull\\b|\\bundefined\\b|\\bNaN\\b|\\[object ).*"),
                "no placeholder of a missing value is drawn: " + drawn);
        shot("cluster-drain-blocked");

        // the budget now allows one disruption: the drain goes on, the warning goes, the rollout completes
        nkd.edit(y -> y, Map.of("manifests/shop/pdb.yaml", pdb.replace("MAX", "1")), "Shop budget allows one pod down");
        nkd.poll();
        await(() -> !exists("#drain-blocked") && text("#rollout").contains("Completed"), "the rollout completes");
        assertTrue(text("#applied").length() > 0);
        shot("cluster-drain-unblocked");
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    /** Milliseconds from navigation start to the console's first drawn view (its performance mark). */
    private double firstView() throws InterruptedException {
        await(() -> ((Number) js("return performance.getEntriesByName('nkd-first-view').length")).intValue() > 0, "the first-view mark");
        return ((Number) js("return performance.getEntriesByName('nkd-first-view')[0].startTime")).doubleValue();
    }

    private JsonNode awaitApi(java.util.function.Predicate<JsonNode> done, String what) throws Exception {
        JsonNode last = null;
        for (long end = System.nanoTime() + Duration.ofSeconds(90).toNanos(); System.nanoTime() < end; Thread.sleep(200)) {
            last = JSON.readTree(nkd.get("/api/v1/clusters/" + ConsoleDaemon.CLUSTER).body());
            if (done.test(last)) {
                return last;
            }
        }
        throw new AssertionError("the API never showed " + what + ": " + last);
    }

    private void await(Supplier<Boolean> condition, String what) throws InterruptedException {
        for (long end = System.nanoTime() + Duration.ofSeconds(60).toNanos(); System.nanoTime() < end; Thread.sleep(50)) {
            try {
                if (condition.get()) {
                    return;
                }
            } catch (org.openqa.selenium.StaleElementReferenceException | org.openqa.selenium.NoSuchElementException e) {
                // the page re-rendered between finding and reading: look again
            }
        }
        shot("failed-" + System.currentTimeMillis());
        throw new AssertionError("the page never showed " + what);
    }

    private WebElement awaitElement(String css) throws InterruptedException {
        await(() -> exists(css), css);
        return browser.findElement(By.cssSelector(css));
    }

    private boolean exists(String css) {
        return !browser.findElements(By.cssSelector(css)).isEmpty();
    }

    /** The element's text as rendered, or "" when it is not there. */
    private String text(String css) {
        Object t = js("const e = document.querySelector(arguments[0]); return e ? e.textContent.trim() : ''", css);
        return t == null ? "" : t.toString();
    }

    private Object js(String script, Object... args) {
        return ((JavascriptExecutor) browser).executeScript(script, args);
    }

    /** The whole page, not only the window (a reviewer sees the rollout below the conditions). */
    private void shot(String name) {
        try {
            @SuppressWarnings("unchecked")
            Map<String, Object> size = (Map<String, Object>) browser.executeCdpCommand("Page.getLayoutMetrics", Map.of())
                    .get("cssContentSize");
            Map<String, Object> clip = Map.of("x", 0, "y", 0, "width", size.get("width"), "height", size.get("height"), "scale", 1);
            Map<String, Object> shot = browser.executeCdpCommand("Page.captureScreenshot",
                    Map.of("format", "png", "captureBeyondViewport", true, "clip", clip));
            Files.write(SHOTS.resolve(name + ".png"), java.util.Base64.getDecoder().decode((String) shot.get("data")));
        } catch (Exception e) {
            throw new AssertionError("screenshot " + name + ": " + e, e);
        }
    }
}
