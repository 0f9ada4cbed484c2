// Is the web view's growth the page's or the bridge's? The desktop app is
// left on one page and only calls the API from a script, a few hundred times:
// small answers (list_datasets), then pages of 200 rows of the 200-column
// table (preview_dataset), and the web view's PSS read after each.
//   run by bench/ui_daily.sh --memory-ipc
import { pss } from "./webview_memory.mjs";
import { Session, request as webdriver } from "../tests/e2e/webdriver.mjs";
const driver = process.env.WEBDRIVER_URL;
const created = await webdriver(driver, "POST", "/session", { capabilities: { alwaysMatch: { "tauri:options": { application: process.env.DATALAB_DESKTOP, args: [process.env.PROJECT] } } } }, 120000);
const s = new Session(driver, created.sessionId, "/tmp");
await s.waitFor('[data-testid="nav-runs"]');
await s.click('[data-testid="nav-runs"]');
const settle = () => new Promise((r) => setTimeout(r, 3000));
const calls = async (count, operation, request) => {
  const started = Date.now();
  await s.request("POST", s.path("/execute/async"), {
    script: `const [count, operation, request, done] = arguments;
      (async () => { for (let i = 0; i < count; i++) await window.__TAURI_INTERNALS__.invoke("call", { operation, request, job: null }); })().then(() => done(true), (e) => done(String(e)));`,
    args: [count, operation, request],
  }, 600000);
  return Date.now() - started;
};
await settle();
let at = pss();
console.log(`start: ${at.toFixed(0)} MiB`);
for (const [label, count, operation, request] of [
  ["list_datasets x500", 500, "list_datasets", {}],
  ["list_datasets x500", 500, "list_datasets", {}],
  ["200x200 page x100", 100, "preview_dataset", { dataset: "wide", offset: 0, limit: 200, sort: null, filters: [], filter_text: "" }],
  ["200x200 page x100", 100, "preview_dataset", { dataset: "wide", offset: 0, limit: 200, sort: null, filters: [], filter_text: "" }],
  ["200x200 page x100", 100, "preview_dataset", { dataset: "wide", offset: 0, limit: 200, sort: null, filters: [], filter_text: "" }],
]) {
  const ms = await calls(count, operation, request);
  await settle();
  const now = pss();
  console.log(`${label}: ${ms} ms, ${at.toFixed(0)} -> ${now.toFixed(0)} MiB (${(now - at >= 0 ? "+" : "") + (now - at).toFixed(1)})`);
  at = now;
}
await new Promise((r) => setTimeout(r, 60000));
console.log(`a minute later: ${pss().toFixed(0)} MiB`);
await webdriver(driver, "DELETE", `/session/${s.id}`);
