// Takes a screenshot of the real console's supervisor board, as a supervisor sees it, with Debian's Chromium
// (/usr/bin/chromium) driven by the playwright-core that Microsoft.Playwright ships in the test build (nothing is
// downloaded). The first case is selected, so the picture shows its alerts and reasons too.
//   node tools/triage/board-screenshot.mjs PLAYWRIGHT_PACKAGE WEB_URL SUPERVISOR_KEY OUT.png
import { createRequire } from "node:module";

const [packageDir, web, key, out] = process.argv.slice(2);
if (!out) {
  console.error("usage: board-screenshot.mjs PLAYWRIGHT_PACKAGE WEB_URL SUPERVISOR_KEY OUT.png");
  process.exit(2);
}
const { chromium } = createRequire(import.meta.url)(packageDir);
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--disable-background-networking"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, baseURL: web });
  page.setDefaultTimeout(60_000);
  await page.goto("/");
  await page.fill("#key", key);
  await page.click("#sign-in-form button[type=submit]");
  await page.waitForSelector("#connection-state[data-state=live]");
  const first = page.locator("#case-rows tr").first();
  await first.waitFor();
  await first.click();
  await page.waitForSelector("#alert-detail .case-alert");
  await page.screenshot({ path: out });
  console.log(`board screenshot: ${out}`);
} finally {
  await browser.close();
}
