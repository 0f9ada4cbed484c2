// Where the web view's memory goes: the desktop app (PROJECT holds the
// penguins and 200-column "wide" datasets, as bench/ui_daily.sh makes them)
// is driven through one kind of visit 15 times, and the WebKitWebProcess's
// proportional set size read before, right after and a minute after.
//   run by bench/ui_daily.sh --memory
import { pss } from "./webview_memory.mjs";
import { Session, request as webdriver, waitFor } from "../tests/e2e/webdriver.mjs";
const driver = process.env.WEBDRIVER_URL;
const created = await webdriver(driver, "POST", "/session", { capabilities: { alwaysMatch: { "tauri:options": { application: process.env.DATALAB_DESKTOP, args: [process.env.PROJECT] } } } }, 120000);
const s = new Session(driver, created.sessionId, "/tmp");
await s.waitFor('[data-testid="nav-runs"]');
// MEMORY_CLICKS=script clicks from a script in the page instead of through
// WebDriver's element handles: is the growth the app's or the automation's?
if (process.env.MEMORY_CLICKS === "script") {
  const inPage = (css) =>
    s.request("POST", s.path("/execute/async"), {
      script: `const [css, done] = arguments; const t0 = Date.now();
        (function poll() { const e = document.querySelector(css); if (e) { done(e.click() ?? true); } else if (Date.now() - t0 > 60000) { done(false); } else { setTimeout(poll, 50); } })();`,
      args: [css],
    });
  s.click = inPage;
  s.waitFor = (css) =>
    s.request("POST", s.path("/execute/async"), {
      script: `const [css, done] = arguments; const t0 = Date.now();
        (function poll() { if (document.querySelector(css)) { done(true); } else if (Date.now() - t0 > 60000) { done(false); } else { setTimeout(poll, 50); } })();`,
      args: [css],
    });
}
const loops = {
  nav: async () => { for (const p of ["experiments", "models", "vendors", "runs"]) await s.click(`[data-testid="nav-${p}"]`); },
  datasets: async () => { await s.click('[data-testid="nav-datasets"]'); await s.click('[data-testid="dataset-wide"]'); await s.waitFor('[data-testid="data-grid"] .grid-row:not(.grid-header)'); await s.click('[data-testid="dataset-penguins"]'); await s.click('[data-testid="nav-models"]'); },
  profile: async () => { await s.click('[data-testid="nav-datasets"]'); await s.click('[data-testid="dataset-penguins"]'); await s.click('[data-testid="tab-profile"]'); await s.click('[data-testid="tab-correlations"]'); await s.waitFor('[data-testid="correlations"] canvas'); await s.click('[data-testid="tab-table"]'); },
  tabs: async () => { await s.click('[data-testid="nav-datasets"]'); await s.click('[data-testid="dataset-penguins"]'); await s.click('[data-testid="tab-sql"]'); await s.click('[data-testid="tab-table"]'); },
};
loops.penguins = async () => { await s.click('[data-testid="nav-datasets"]'); await s.click('[data-testid="dataset-penguins"]'); await s.click('[data-testid="tab-profile"]'); await s.click('[data-testid="tab-table"]'); await s.waitFor('[data-testid="data-grid"] .grid-row:not(.grid-header)'); await s.click('[data-testid="nav-models"]'); };
for (const name of (process.env.MEMORY_LOOPS ?? "nav,penguins,datasets,profile,tabs").split(",")) {
  await s.click('[data-testid="nav-runs"]');
  await new Promise((r) => setTimeout(r, 1500));
  const before = pss();
  const rounds = Number(process.env.MEMORY_ROUNDS ?? 15);
  for (let i = 0; i < rounds; i++) {
    await loops[name]();
    // Every 15 rounds a reading: does it level off (a heap that grows to its
    // collector's threshold) or climb on (something kept)?
    if ((i + 1) % 15 === 0 && i + 1 < rounds) console.log(`  ${name}: ${pss().toFixed(0)} MiB after ${i + 1} rounds`);
  }
  await s.click('[data-testid="nav-runs"]');
  await new Promise((r) => setTimeout(r, 1500));
  const after = pss();
  await new Promise((r) => setTimeout(r, 60000));
  console.log(`${name}: ${before.toFixed(0)} -> ${after.toFixed(0)} MiB over ${rounds} rounds; ${pss().toFixed(0)} MiB a minute later`);
}
await webdriver(driver, "DELETE", `/session/${s.id}`);
