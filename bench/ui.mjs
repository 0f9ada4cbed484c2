// Measures the desktop app in its real window over WebDriver (bench/ui.sh
// sets it up). Times are taken inside the page with performance.now(), from
// the click (or keystroke) to the frame that shows its result, except the
// cold start, which is timed from the WebDriver request that launches the
// app to the first screen showing the project.

import { request, timedScript, until } from "./webdriver.mjs";

const driver = process.env.WEBDRIVER_URL;
const app = process.env.DATALAB_DESKTOP;
const project = process.env.PROJECT;


function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main() {
  await until(async () => (await fetch(`${driver}/status`)).ok);
  const starts = [];
  let session;
  for (let attempt = 0; attempt < 3; attempt++) {
    const t0 = performance.now();
    const created = await request("POST", "/session", {
      capabilities: { alwaysMatch: { "tauri:options": { application: app, args: [project] } } },
    });
    session = created.sessionId;
    // Polled every 5 ms: the cold start is timed by this wait.
    await until(() => request("POST", `/session/${session}/element`, { using: "css selector", value: '[data-testid="nav-runs"]' }), 60_000, 5);
    starts.push(performance.now() - t0);
    if (attempt < 2) await request("DELETE", `/session/${session}`);
  }
  const timed = (action, done) =>
    request("POST", `/session/${session}/execute/async`, { script: timedScript(action, done), args: [] });
  const firstScreen = await timed(
    `document.querySelector('[data-testid="nav-runs"]').click()`,
    `return document.querySelectorAll('[data-testid^="run-row-"]').length > 10`,
  );
  const rows = await request("POST", `/session/${session}/execute/sync`, {
    script: `return document.querySelector('[data-testid="runs-table"] .grid-footer').innerText`,
    args: [],
  });
  const sorts = [];
  for (let i = 0; i < 5; i++) {
    sorts.push(
      await timed(
        `window.__first = document.querySelector('[data-testid^="run-row-"]').dataset.testid;
         [...document.querySelectorAll('[data-testid="runs-table"] .grid-header .grid-cell')].find(c => c.innerText.startsWith('accuracy')).click()`,
        `const row = document.querySelector('[data-testid^="run-row-"]'); return row !== null && row.dataset.testid !== window.__first;`,
      ),
    );
  }
  const filters = [];
  for (const text of ['max_depth":7,', "random_forest", 'max_depth":13,', ""]) {
    filters.push(
      await timed(
        `window.__footer = document.querySelector('[data-testid="runs-table"] .grid-footer').innerText;
         const input = document.querySelector('[data-testid="runs-filter"]');
         input.value = ${JSON.stringify(text)};
         input.dispatchEvent(new Event('input', { bubbles: true }));`,
        `return document.querySelector('[data-testid="runs-table"] .grid-footer').innerText !== window.__footer`,
      ),
    );
  }
  // Two regressors with a million test rows each: their residuals reach the chart downsampled.
  const select = async (text) => {
    await timed(
      `window.__footer = document.querySelector('[data-testid="runs-table"] .grid-footer').innerText;
       const input = document.querySelector('[data-testid="runs-filter"]');
       input.value = ${JSON.stringify(text)};
       input.dispatchEvent(new Event('input', { bubbles: true }));`,
      // The table keeps the previous rows until the filtered ones arrive: wait for this model's row.
      `const rows = document.querySelectorAll('[data-testid^="run-row-"]'); return rows.length === 1 && rows[0].innerText.includes(${JSON.stringify(text)});`,
    );
    await request("POST", `/session/${session}/execute/sync`, {
      script: `document.querySelector('[data-testid^="run-row-"]').click()`,
      args: [],
    });
  };
  await select("linear_regression");
  await select("elastic_net");
  const series = await timed(
    `document.querySelector('[data-testid="compare"]').click()`,
    `const c = document.querySelector('[data-testid="residuals"] canvas'); return c !== null && c.width > 0;`,
  );
  await request("DELETE", `/session/${session}`);
  console.log(`runs table: ${rows}`);
  console.log(`two 1,000,000-point residual series, click to chart: ${series.toFixed(0)} ms`);
  console.log(`cold start to an interactive window (3 launches): median ${median(starts).toFixed(0)} ms, ${starts.map((s) => s.toFixed(0)).join(" / ")} ms`);
  console.log(`runs table, first screen: ${firstScreen.toFixed(0)} ms`);
  console.log(`sort by accuracy (5 times): median ${median(sorts).toFixed(0)} ms, max ${Math.max(...sorts).toFixed(0)} ms (${sorts.map((s) => s.toFixed(0)).join(" / ")})`);
  console.log(`filter (4 filters): median ${median(filters).toFixed(0)} ms, max ${Math.max(...filters).toFixed(0)} ms (${filters.map((s) => s.toFixed(0)).join(" / ")})`);
}

main().catch((e) => {
  console.error(`bench failed: ${e.stack ?? e}`);
  process.exit(1);
});
