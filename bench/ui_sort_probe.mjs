// bench/ui_probe.sh: query_runs through the app's own IPC on a 100,000-run project, each sort
// twice in a row: how long the database and the transport take, without the page;
// then the same sorts clicked in the page.
import { openApp } from "./webdriver.mjs";
const { exec, sync, close } = await openApp();
const ipc = (req) => `const cb = arguments[arguments.length-1]; const t0 = performance.now(); window.__TAURI_INTERNALS__.invoke("call", {operation: "query_runs", request: ${JSON.stringify(req)}}).then(r => cb([Math.round(performance.now()-t0), r.total])).catch(e => cb(JSON.stringify(e)));`;
for (const sort of [{by: "metric", name: "accuracy"}, {by: "metric", name: "accuracy"}, {by: "id"}, {by: "metric", name: "r2"}, {by: "param", name: "max_depth"}, {by: "param", name: "max_depth"}]) {
  for (const descending of [false, true]) console.log(JSON.stringify(sort), descending, await exec(ipc({ sort, descending, offset: 0, limit: 200 })));
}
// The same sorts through the page, as bench/ui.mjs clicks them, in a session that did
// nothing else before: from the click to the frame showing the sorted rows.
// [ms to the frame showing the result, ms to the DOM holding it]: the difference is WebKit drawing the frame.
const timed = (action, done) => exec(`const cb = arguments[arguments.length-1]; const t0 = performance.now(); let dom = null;
  const observer = new MutationObserver(() => { if (dom === null && (() => { ${done} })()) dom = performance.now() - t0; });
  observer.observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
  ${action};
  const check = () => { if ((() => { ${done} })()) { observer.disconnect(); cb([Math.round(performance.now()-t0), Math.round(dom ?? 0)]); } else requestAnimationFrame(check); }; requestAnimationFrame(check);`);
console.log("first screen (ms to frame, ms to DOM)", await timed(`document.querySelector('[data-testid="nav-runs"]').click()`, `return document.querySelectorAll('[data-testid^="run-row-"]').length > 10`));
for (let i = 0; i < 5; i++) {
  console.log(`sort ${i + 1} by accuracy in the page (ms to frame, ms to DOM)`, await timed(
    `window.__first = document.querySelector('[data-testid^="run-row-"]').dataset.testid;
     [...document.querySelectorAll('[data-testid="runs-table"] .grid-header .grid-cell')].find(c => c.innerText.startsWith('accuracy')).click()`,
    `const row = document.querySelector('[data-testid^="run-row-"]'); return row !== null && row.dataset.testid !== window.__first;`));
}
await sync("return 1");
await close();
