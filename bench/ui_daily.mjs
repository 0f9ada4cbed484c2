// The desktop app as it is used all day, measured in its real window over
// WebDriver (bench/ui_daily.sh sets it up):
// - horizontal scroll of a 200-column dataset: the time between frames while
//   the table scrolls right and back, 40 px a frame;
// - cancel latency: a long sweep launched from the form, Cancel clicked while a
//   trial runs, to the frame that shows every run stopped (three times);
// - the web view's memory (the WebKitWebProcess's proportional set size) after
//   start and along a scripted session that visits every page, scrolls, sorts,
//   filters, compares and profiles, for SOAK_MINUTES.

import { webViewMemory } from "./webview_memory.mjs";
import { Session, request as webdriver, waitFor } from "../tests/e2e/webdriver.mjs";
import { timedScript } from "./webdriver.mjs";

const driver = process.env.WEBDRIVER_URL;
const app = process.env.DATALAB_DESKTOP;
const project = process.env.PROJECT;
const soakMinutes = Number(process.env.SOAK_MINUTES ?? "60");

// In the page: scroll the data grid right by 40 px a frame to its end (or
// \`frames\` frames) and back, answering the time between consecutive frames.
const scrollScript = (frames = Infinity) => `
  const callback = arguments[arguments.length - 1];
  const view = document.querySelector('[data-testid="data-grid"] .grid-viewport');
  const end = Math.min(view.scrollWidth - view.clientWidth, 40 * ${frames});
  const gaps = [];
  let last = null, direction = 1;
  const step = (t) => {
    if (last !== null) gaps.push(t - last);
    last = t;
    const before = view.scrollLeft;
    view.scrollLeft = Math.max(0, Math.min(end, before + 40 * direction));
    // At an end (or where the view stops short of it): turn, or finish.
    const stuck = Math.abs(view.scrollLeft - before) < 1;
    if (direction === 1 && (view.scrollLeft >= end - 1 || stuck)) direction = -1;
    else if (direction === -1 && (view.scrollLeft <= 0 || stuck)) return callback({ gaps, width: view.scrollWidth });
    requestAnimationFrame(step);
  };
  requestAnimationFrame(step);
`;

const percentile = (values, p) => {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((s.length - 1) * p))];
};

/** The web view's memory in MiB: proportional set size (and resident) of the WebKitWebProcess. */

async function main() {
  await waitFor("tauri-driver", async () => (await fetch(`${driver}/status`)).ok, 30_000);
  const created = await webdriver(driver, "POST", "/session", { capabilities: { alwaysMatch: { "tauri:options": { application: app, args: [project] } } } }, 120_000);
  const session = new Session(driver, created.sessionId, "/tmp");
  const exec = (script) => session.request("POST", session.path("/execute/async"), { script, args: [] }, 600_000);
  // A scroll across 200 columns and back takes longer than WebDriver's 30 s default.
  await session.request("POST", session.path("/timeouts"), { script: 600_000 });
  try {
    await session.waitFor('[data-testid="nav-runs"]');
    await new Promise((r) => setTimeout(r, 2_000));
    const atStart = webViewMemory();

    // 1. Horizontal scroll of the 200-column table.
    await session.click('[data-testid="nav-datasets"]');
    await session.click('[data-testid="dataset-wide"]');
    await session.waitFor('[data-testid="data-grid"] .grid-row:not(.grid-header)');
    const scrolls = [];
    for (let i = 0; i < 2; i++) scrolls.push(await exec(scrollScript()));
    const gaps = scrolls.flatMap((s) => s.gaps.slice(1));
    console.log(`horizontal scroll, 200 columns (${scrolls[0].width} px wide), ${gaps.length} frames: median ${percentile(gaps, 0.5).toFixed(1)} ms, p95 ${percentile(gaps, 0.95).toFixed(1)} ms, worst ${Math.max(...gaps).toFixed(1)} ms (${(1000 / percentile(gaps, 0.5)).toFixed(0)} fps at the median)`);

    // 2. Cancel a long trial from the window, three times.
    const cancels = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      await session.click('[data-testid="nav-experiments"]');
      await session.choose('[data-testid="experiment-dataset"]', "penguins");
      await session.choose('[data-testid="experiment-target"]', "species");
      const ticked = await session.run(`return document.querySelector('[data-testid="model-random_forest"]').checked`);
      if (!ticked) await session.click('[data-testid="model-random_forest"]');
      for (const other of ["decision_tree", "logistic_regression"]) {
        if (await session.run(`return document.querySelector('[data-testid="model-${other}"]')?.checked === true`)) await session.click(`[data-testid="model-${other}"]`);
      }
      await session.type('[data-testid="param-random_forest-trees"]', "1000");
      await session.type('[data-testid="param-random_forest-max_depth"]', "10, 12");
      await session.type('[data-testid="param-random_forest-max_features"]', "all");
      await session.waitEnabled('[data-testid="launch"]');
      await session.click('[data-testid="launch"]');
      await waitFor("a trial inside its second fold", async () => {
        const progress = await session.run(`return [...document.querySelectorAll('[data-testid^="live-progress-"]')].map(c => c.innerText).join(" | ")`);
        return progress.includes("1/5 folds") ? progress : null;
      }, 120_000);
      cancels.push(
        await exec(
          timedScript(
            `document.querySelector('[data-testid="cancel"]').click()`,
            `const s = [...document.querySelectorAll('[data-testid^="live-run-"]')].map(r => r.dataset.status);
             return s.length > 0 && s.every(x => !["queued", "running"].includes(x));`,
          ),
        ),
      );
      await session.waitFor('[data-testid="resume"]');
    }
    console.log(`cancel, click to every run stopped: ${cancels.map((c) => c.toFixed(0)).join(" / ")} ms`);

    // 3. A session of daily use, for SOAK_MINUTES.
    const visit = async () => {
      await session.click('[data-testid="nav-datasets"]');
      await session.click('[data-testid="dataset-wide"]');
      await session.waitFor('[data-testid="data-grid"] .grid-row:not(.grid-header)');
      await exec(scrollScript(50));
      await session.click('[data-testid="tab-profile"]');
      await session.click('[data-testid="tab-correlations"]');
      await session.waitFor('[data-testid="correlations"] canvas');
      await session.click('[data-testid="dataset-penguins"]');
      await session.click('[data-testid="tab-table"]');
      await session.click('[data-testid="nav-runs"]');
      await session.waitFor('[data-testid^="run-row-"]');
      await session.type('[data-testid="runs-filter"]', "decision_tree");
      await waitFor("the filtered runs", async () => (await session.textNow('[data-testid="runs-table"] .grid-footer'))?.startsWith("5 runs"));
      await session.type('[data-testid="runs-filter"]', "");
      await waitFor("every run again", () =>
        session.run(`return [...document.querySelectorAll('[data-testid^="run-row-"]')].filter(r => r.dataset.status === "succeeded").length >= 3`),
      );
      await session.run(`[...document.querySelectorAll('[data-testid^="run-row-"]')].filter(r => r.dataset.status === "succeeded").slice(0, 3).forEach(r => r.click())`);
      await session.waitEnabled('[data-testid="compare"]');
      await session.click('[data-testid="compare"]');
      await session.waitFor('[data-testid="comparison-chart"] canvas');
      await session.run(`document.querySelectorAll('[data-testid^="run-row-"].selected').forEach(r => r.click())`);
      await session.click('[data-testid="nav-experiments"]');
      await session.click('[data-testid="nav-models"]');
      await session.click('[data-testid="nav-vendors"]');
    };
    const samples = [{ minute: 0, ...atStart }];
    const started = Date.now();
    let visits = 0;
    while (Date.now() - started < soakMinutes * 60_000) {
      await visit();
      visits++;
      const minute = (Date.now() - started) / 60_000;
      if (minute - samples[samples.length - 1].minute >= 5 || Date.now() - started >= soakMinutes * 60_000) samples.push({ minute, ...webViewMemory() });
    }
    const atEnd = webViewMemory();

    console.log(`web view memory (PSS / RSS MiB): after start ${atStart.pss.toFixed(0)} / ${atStart.rss.toFixed(0)}; after ${soakMinutes} min (${visits} rounds of every page) ${atEnd.pss.toFixed(0)} / ${atEnd.rss.toFixed(0)}: ${(atEnd.pss / atStart.pss).toFixed(2)}x`);
    console.log(`along the way (minute: PSS MiB): ${samples.map((s) => `${s.minute.toFixed(0)}: ${s.pss.toFixed(0)}`).join(", ")}`);
  } finally {
    await webdriver(driver, "DELETE", `/session/${session.id}`).catch(() => {});
  }
}

main().catch((e) => {
  console.error(`bench failed: ${e.stack ?? e}`);
  process.exit(1);
});
