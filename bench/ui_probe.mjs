// bench/ui_probe.sh: API call times through the app's IPC, then the frames from a click on
// "Compare" until the residuals chart exists (first mount, then two more).
import { openApp, until } from "./webdriver.mjs";
const { exec, sync, close } = await openApp();
const ipc = (op, req) => `const cb = arguments[arguments.length-1]; const t0 = performance.now(); window.__TAURI_INTERNALS__.invoke("call", {operation: "${op}", request: ${JSON.stringify(req)}}).then(r => cb([performance.now()-t0, JSON.stringify(r).length])).catch(e => cb(String(e)));`;
for (let i = 0; i < 3; i++) {
  console.log("run_charts 1", await exec(ipc("run_charts", { run: 1 })));
  console.log("compare_runs", await exec(ipc("compare_runs", { runs: [1, 2], metric: "r2" })));
}
// echarts init cost in page
await sync(`document.querySelector('[data-testid="nav-runs"]').click()`);
await until(() => sync(`return document.querySelectorAll('[data-testid^="run-row-"]').length === 2`));
await sync(`document.querySelectorAll('[data-testid^="run-row-"]').forEach(r => r.click())`);
const t = await exec(`const cb = arguments[arguments.length-1]; const t0 = performance.now();
  const marks = {};
  document.querySelector('[data-testid="compare"]').click();
  const check = () => {
    const now = performance.now() - t0;
    const canvases = document.querySelectorAll('canvas').length;
    (marks.frames ??= []).push([Math.round(now), canvases, document.querySelectorAll('.chart').length]);
    if (!marks.first && canvases > 0) marks.first = [now, canvases];
    if (document.querySelector('[data-testid="residuals"] canvas')) { marks.residuals = now; cb(marks); } else requestAnimationFrame(check);
  };
  requestAnimationFrame(check);`);
console.log("compare click", JSON.stringify(t));
for (let round = 0; round < 2; round++) {
  await sync(`document.querySelector('[data-testid="nav-datasets"]').click()`);
  await new Promise(r => setTimeout(r, 500));
  await sync(`document.querySelector('[data-testid="nav-runs"]').click()`);
  await until(() => sync(`return document.querySelectorAll('[data-testid^="run-row-"]').length === 2`));
  await sync(`document.querySelectorAll('[data-testid^="run-row-"]').forEach(r => r.click())`);
  const again = await exec(`const cb = arguments[arguments.length-1]; const t0 = performance.now(); const marks = {};
    document.querySelector('[data-testid="compare"]').click();
    const check = () => { const now = performance.now() - t0; (marks.frames ??= []).push([Math.round(now), document.querySelectorAll('canvas').length]);
      if (document.querySelector('[data-testid="residuals"] canvas')) { cb(marks); } else requestAnimationFrame(check); };
    requestAnimationFrame(check);`);
  console.log("compare again", JSON.stringify(again));
}

const charts = await sync(`return [...document.querySelectorAll('[data-testid]')].filter(e => e.querySelector(':scope > div > canvas, :scope canvas')).map(e => e.dataset.testid).join(',')`);
console.log("charts", charts);
await close();
