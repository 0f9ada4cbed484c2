// Where the web view's memory goes: the desktop app (PROJECT holds the
// penguins and 200-column "wide" datasets, as bench/ui_daily.sh makes them)
// is driven through one kind of visit 15 times, and the WebKitWebProcess's
// proportional set size read before, right after and a minute after.
//   run by bench/ui_daily.sh --memory
import { readFileSync, readdirSync } from "node:fs";
import { Session, request as webdriver, waitFor } from "../tests/e2e/webdriver.mjs";
const driver = process.env.WEBDRIVER_URL;
function pss() {
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p)).sort((a, b) => b - a)) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, "latin1").includes("WebKitWebProcess")) continue;
      return Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, "latin1"))[1]) / 1024;
    } catch {}
  }
  return NaN;
}
const created = await webdriver(driver, "POST", "/session", { capabilities: { alwaysMatch: { "tauri:options": { application: process.env.DATALAB_DESKTOP, args: [process.env.PROJECT] } } } }, 120000);
const s = new Session(driver, created.sessionId, "/tmp");
await s.waitFor('[data-testid="nav-runs"]');
const loops = {
  nav: async () => { for (const p of ["experiments", "models", "vendors", "runs"]) await s.click(`[data-testid="nav-${p}"]`); },
  datasets: async () => { await s.click('[data-testid="nav-datasets"]'); await s.click('[data-testid="dataset-wide"]'); await s.waitFor('[data-testid="data-grid"] .grid-row:not(.grid-header)'); await s.click('[data-testid="dataset-penguins"]'); await s.click('[data-testid="nav-models"]'); },
  profile: async () => { await s.click('[data-testid="nav-datasets"]'); await s.click('[data-testid="dataset-penguins"]'); await s.click('[data-testid="tab-profile"]'); await s.click('[data-testid="tab-correlations"]'); await s.waitFor('[data-testid="correlations"] canvas'); await s.click('[data-testid="tab-table"]'); },
  tabs: async () => { await s.click('[data-testid="nav-datasets"]'); await s.click('[data-testid="dataset-penguins"]'); await s.click('[data-testid="tab-sql"]'); await s.click('[data-testid="tab-table"]'); },
};
loops.penguins = async () => { await s.click('[data-testid="nav-datasets"]'); await s.click('[data-testid="dataset-penguins"]'); await s.click('[data-testid="tab-profile"]'); await s.click('[data-testid="tab-table"]'); await s.waitFor('[data-testid="data-grid"] .grid-row:not(.grid-header)'); await s.click('[data-testid="nav-models"]'); };
for (const name of ["nav", "penguins", "datasets", "profile", "tabs"]) {
  await s.click('[data-testid="nav-runs"]');
  await new Promise((r) => setTimeout(r, 1500));
  const before = pss();
  for (let i = 0; i < 15; i++) await loops[name]();
  await s.click('[data-testid="nav-runs"]');
  await new Promise((r) => setTimeout(r, 1500));
  const after = pss();
  await new Promise((r) => setTimeout(r, 60000));
  console.log(`${name}: ${before.toFixed(0)} -> ${after.toFixed(0)} MiB over 15 rounds; ${pss().toFixed(0)} MiB a minute later`);
}
await webdriver(driver, "DELETE", `/session/${s.id}`);
