/**
 * The live status page in a real browser: the Chromium build that the npm package @sparticuz/chromium ships
 * (installed by `npm ci`, unpacked to the temp folder on first use), headless, driven by playwright-core. A pipeline runs
 * on a real topic; the page shows the graph with per-step counts, the watermarks, charts, partitions and panes;
 * its numbers move as records are produced; a product id containing markup shows as text and runs nothing. The
 * screenshot is saved as output/status-page.png, or as docs/img/status-page.png (shown in docs/operations.md)
 * with UPDATE_SCREENSHOTS=1.
 *
 * Every machine runs that same browser, whether or not a system Chromium exists: nothing to install but npm's
 * packages.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { produce, rawRecord } from "./kafka_test_helpers";
import { freshTopic, sale, saleRecord, startPipeline, waitFor, type PipelineRun } from "./pipeline_test_helpers";
import { startOpsServer, type OpsServer } from "../../ops/server";

jest.setTimeout(120_000);

/** @sparticuz/chromium's CommonJS entry (its package.json lists the ESM types first, which TypeScript would apply). */
const npmChromium = require("@sparticuz/chromium") as { executablePath(): Promise<string> };

// The docs' screenshot is refreshed on request (UPDATE_SCREENSHOTS=1); otherwise it goes to the git-ignored output/,
// so that a test run leaves the checkout clean.
const SCREENSHOT = path.resolve(
  __dirname,
  process.env.UPDATE_SCREENSHOTS === "1" ? "../../docs/img/status-page.png" : "../../output/status-page.png",
);
const HOSTILE = `<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2">`;
const PRODUCTS = ["apples", "bread", "cheese", "dates", HOSTILE];

async function launch(): Promise<{ context: BrowserContext; userDataDir: string }> {
  const executablePath = await npmChromium.executablePath(); // unpacks the npm package's build (a few seconds, once)
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "status-page-chromium-"));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    viewport: { width: 1280, height: 1100 },
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  return { context, userDataDir };
}

/** The number shown in a tile (e.g. "records read"). */
async function tile(page: Page, label: string): Promise<number> {
  const text = await page.locator(`.tile[data-metric="${label}"] .value`).textContent();
  return Number((text ?? "").replace(/,/g, ""));
}

/** Event times a few minutes behind the clock, on whole minutes, so that the page shows a realistic lag. */
const BASE = Math.floor(Date.now() / 60_000) * 60_000 - 6 * 60_000;
const at = (second: number): number => BASE + second * 1000;

/** Waits until a tile shows `text`. */
async function tileShows(page: Page, label: string, text: string): Promise<void> {
  // (A locator, not a string expression: the page's Content-Security-Policy forbids eval.)
  await page.locator(`.tile[data-metric="${label}"] .value`, { hasText: new RegExp(`^${text}$`) }).waitFor();
}

/** Sales of every product at `second`, one per partition. */
function batch(second: number): ReturnType<typeof saleRecord>[] {
  return PRODUCTS.flatMap((product, i) => [0, 1, 2].map((p) => saleRecord(p, sale(`user_${p}`, product, 10 + i + p, at(second + p)))));
}

describe("status page in headless Chromium (npm's build)", () => {
  let run: PipelineRun | undefined;
  let ops: OpsServer | undefined;
  let browser: { context: BrowserContext; userDataDir: string } | undefined;

  afterEach(async () => {
    await browser?.context.close();
    if (browser) fs.rmSync(browser.userDataDir, { recursive: true, force: true });
    await run?.result.stop().catch(() => undefined);
    await ops?.close();
  });

  test("shows the graph and live numbers that move as records arrive; untrusted keys show as text", async () => {
    const { topic, groupId } = await freshTopic(3);
    await produce(topic, batch(0));
    run = await startPipeline(
      { window: { kind: "fixed", size: 60_000, offset: 0 }, key: "product", trigger: {}, allowedLateness: 30_000 },
      { topic, groupId },
    );
    const pipeline = run;
    ops = await startOpsServer({ port: 0, snapshot: () => pipeline.result.snapshot(), sampleEveryMs: 250 });
    browser = await launch();
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${ops.url}/`);

    // The graph: one node per step, with the element counts.
    await page.waitForSelector('#graph g[data-step="readFromKafka"]');
    for (const step of ["readFromKafka", "parseSalesEvents/map(parseOrDeadLetter)", "sumCountAvgPerProduct/combinePerKeyAndWindow"]) {
      expect(await page.locator(`#graph g[data-step="${step}"]`).count()).toBe(1);
    }
    await tileShows(page, "records read", "15");
    expect(await page.locator("#partitions tbody tr").count()).toBe(3);

    // More records: the numbers move, windows fire, panes appear (the hostile key among them).
    for (let second = 70; second <= 250; second += 60) {
      await produce(topic, [...batch(second), rawRecord(second % 3, at(second), "{not json", "mallory")]);
      await new Promise((resolve) => setTimeout(resolve, 700));
    }
    await produce(topic, [saleRecord(0, sale("user_0", "apples", 1, at(5)))]); // droppable by now
    await waitFor("every record read", () => pipeline.result.snapshot().elementsRead === 80);
    await tileShows(page, "records read", "80");
    expect(await tile(page, "records read")).toBe(80);
    await tileShows(page, "late-data output", "1");
    expect(await tile(page, "dead letters")).toBe(4);
    await page.locator("#panes tbody tr").nth(9).waitFor();
    const readCount = await page.locator('#graph g[data-step="readFromKafka"] text.count').textContent();
    expect(readCount).toBe("80");
    const groupedRows = await page.locator("#grouped tbody tr td").allTextContents();
    expect(groupedRows[0]).toBe("sumCountAvgPerProduct/combinePerKeyAndWindow");
    expect(Number(groupedRows[3])).toBeGreaterThan(0); // open windows
    expect(await page.locator("#chart-throughput polyline").count()).toBe(1);

    // Panes as a table: window, key, sum, count, avg (exact cents), timing; no raw JSON.
    const apples = page.locator("#panes tbody tr", { has: page.locator("td:nth-child(2)", { hasText: /^apples$/ }) }).first();
    expect((await apples.locator("td").allTextContents()).slice(2, 6)).toEqual(["33.00", "3", "11.00", "ON_TIME #0"]);
    expect(await page.locator("#panes").textContent()).not.toContain("sumCents");
    // Whole step names (no "…"), a legend for the node colours, and the charts span 5 minutes of wall clock.
    const names = await page.locator("#graph text.name").allTextContents();
    expect(names).toContain("combinePerKeyAndWindow");
    expect(names.concat(await page.locator("#graph text.path").allTextContents()).some((n) => n.includes("…"))).toBe(false);
    expect(await page.locator("#legend .swatch.grouped").count()).toBe(1);
    const axis = (await page.locator("#chart-throughput text").allTextContents()).filter((t) => /^\d\d:\d\d:\d\d$/.test(t));
    const secondsOf = (t: string): number => t.split(":").reduce((n, x) => n * 60 + Number(x), 0);
    expect((secondsOf(axis[axis.length - 1]) - secondsOf(axis[0]) + 86_400) % 86_400).toBe(300);

    // The hostile product id is text in the panes table; nothing it contains ran or became an element.
    const keys = await page.locator("#panes tbody tr td:nth-child(2)").allTextContents();
    expect(keys).toContain(HOSTILE);
    expect(await page.evaluate(() => typeof (globalThis as Record<string, unknown>).__xss)).toBe("undefined");
    expect(await page.locator("img").count()).toBe(0);
    expect(await page.locator("script").count()).toBe(1); // status.js only
    expect(errors).toEqual([]);

    fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(fs.statSync(SCREENSHOT).size).toBeGreaterThan(10_000);
  });
});
