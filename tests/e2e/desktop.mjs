// End to end, as a person uses Data Lab: the real desktop binary in a real
// window (under Xvfb in CI), driven over WebDriver (tauri-driver in front
// of WebKitWebDriver). Each step saves a screenshot to look at.
//
//   node tests/e2e/desktop.mjs   (run by tests/e2e/run.sh, which starts Xvfb and tauri-driver)
//
// Environment: DATALAB_DESKTOP (the binary), WEBDRIVER_URL (tauri-driver),
// E2E_OUT (screenshots and the scratch project), DATALAB_REPO (the checkout),
// E2E_MLFLOW_PYTHON (a python with the mlflow client, for the script that logs
// into the open app).

import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Session, request as webdriver, waitFor } from "./webdriver.mjs";

const driver = process.env.WEBDRIVER_URL ?? "http://127.0.0.1:4444";
const app = process.env.DATALAB_DESKTOP;
const repo = process.env.DATALAB_REPO ?? process.cwd();
const out = process.env.E2E_OUT ?? join(repo, "tests/e2e/out");

if (!app) throw new Error("set DATALAB_DESKTOP to the datalab-desktop binary");

const request = (method, path, body, timeoutMs) => webdriver(driver, method, path, body, timeoutMs);

async function main() {
  mkdirSync(out, { recursive: true });
  // Old screenshots go; the scratch project too (run.sh owns the rest of the folder).
  for (const name of readdirSync(out)) {
    if ((name.endsWith(".png") && !name.startsWith("browser-")) || name === "project") rmSync(join(out, name), { recursive: true, force: true });
  }
  await waitFor("tauri-driver", async () => (await fetch(`${driver}/status`)).ok, 30_000);
  const created = await request(
    "POST",
    "/session",
    { capabilities: { alwaysMatch: { "tauri:options": { application: app } } } },
    120_000,
  );
  const session = new Session(driver, created.sessionId, out);
  // The app started again (the last step): a second session.
  let reopened = null;
  try {
    // 1. Create a project.
    const project = join(out, "project");
    await session.type('[data-testid="project-path"]', project);
    await session.screenshot("start");
    await session.click('[data-testid="create-project"]');
    const name = await session.text('[data-testid="project-name"]');
    if (name !== "project") throw new Error(`the top bar names the project '${name}'`);

    // 2. Import a CSV through the dialog: its first rows as they will be read, the
    // dialect found; then its rows appear in the table.
    await session.type('[data-testid="import-path"]', join(repo, "assets/datasets/penguins.csv"));
    await session.click('[data-testid="import"]');
    await session.waitFor('[data-testid="import-dialog"] table');
    const previewed = await session.text('[data-testid="import-dialog"]');
    const yearFound = await session.run(`return document.querySelector('[data-testid="import-type-year"] option')?.textContent ?? ""`);
    if (!previewed.includes("Adelie") || yearFound !== "integer (found)") {
      throw new Error(`the import dialog says '${previewed.slice(0, 300)}', year '${yearFound}'`);
    }
    await session.screenshot("import-dialog");
    await session.click('[data-testid="import-confirm"]');
    await session.waitFor('[data-testid="dataset-penguins"]', 120_000);
    const listed = await session.text('[data-testid="dataset-penguins"]');
    if (!listed.includes("344 rows")) throw new Error(`the dataset list says '${listed}'`);
    await waitFor("the first rows", async () => (await session.text('[data-testid="data-grid"]')).includes("Adelie"));
    await session.screenshot("imported");
    // Scrolled to the end, the table fetches the second page: the last row has its values.
    await session.run(`const v = document.querySelector('[data-testid="data-grid"] .grid-viewport'); v.scrollTop = v.scrollHeight;`);
    await waitFor("row 344 fetched as the table scrolls", async () => {
      const rows = await session.run(`return [...document.querySelectorAll('[data-testid="data-grid"] .grid-row')].map(r => r.innerText)`);
      const last = rows.find((r) => r.startsWith("344"));
      return last !== undefined && last.includes("Chinstrap") && !last.includes("…");
    });
    await session.run(`document.querySelector('[data-testid="data-grid"] .grid-viewport').scrollTop = 0`);

    // 2b. Scrolled right, each header still sits over its own values (the header
    // scrolls with the rows), numbers are right-aligned, and row numbers are whole.
    await session.run(`const v = document.querySelector('[data-testid="data-grid"] .grid-viewport'); v.scrollLeft = v.scrollWidth;`);
    const aligned = await waitFor("the year column in view under its header", () =>
      session.run(
        `const grid = document.querySelector('[data-testid="data-grid"]');
         const head = grid.querySelector('.grid-head[data-column="year"]');
         const row = [...grid.querySelectorAll('.grid-row:not(.grid-header)')].find(r => r.querySelector('.grid-index')?.innerText === "1");
         if (!head || !row) return null;
         const cell = [...row.querySelectorAll('.grid-cell')].pop();
         const h = head.getBoundingClientRect(), c = cell.getBoundingClientRect(), v = grid.querySelector('.grid-viewport').getBoundingClientRect();
         return { dx: Math.abs(h.left - c.left), text: cell.innerText, inView: h.left >= v.left && h.right <= v.right + 1,
                  align: getComputedStyle(cell).textAlign, scrolled: grid.querySelector('.grid-viewport').scrollLeft };`,
      ),
    );
    if (aligned.dx > 1 || aligned.text !== "2007" || !aligned.inView || aligned.scrolled === 0 || aligned.align !== "right") {
      throw new Error(`after scrolling right the year header and its first value are ${JSON.stringify(aligned)}`);
    }
    await session.screenshot("table-scrolled-right");
    await session.run(`document.querySelector('[data-testid="data-grid"] .grid-viewport').scrollLeft = 0`);
    // Keys move the chosen cell: from row 1's first value, three right and two down.
    await session.click('[data-testid="data-grid"] .grid-row:not(.grid-header) .grid-cell:not(.grid-index)');
    await session.press("\uE014", "\uE014", "\uE014", "\uE015", "\uE015");
    const chosenCell = await session.text('[data-testid="cell-value"]');
    if (!chosenCell.includes("row 3 · bill_depth_mm") || !chosenCell.includes("18")) throw new Error(`after the keys the chosen cell is '${chosenCell}'`);

    // 2c. Rows filtered as written, with the count; a condition that cannot be read says why.
    await session.type('[data-testid="row-filter"]', "species = Gentoo and body_mass_g >= 5000");
    await waitFor("the filter's count", async () => (await session.textNow('[data-testid="filter-count"]'))?.includes("67 of 344"));
    await session.screenshot("table-filtered");
    await session.type('[data-testid="row-filter"]', "body_mass_g 5000");
    await waitFor("the filter's error", async () => (await session.textNow('[data-testid="filter-error"]'))?.includes("cannot read the condition"));
    await session.type('[data-testid="row-filter"]', "");
    await waitFor("every row back", async () => (await session.text('[data-testid="data-grid"] .grid-footer')).includes("344 rows"));

    // 2d. The same file again, with a type given for a column: the dialog says it is
    // imported already, then, with year as text, it is a new dataset under a new name.
    await session.type('[data-testid="import-path"]', join(repo, "assets/datasets/penguins.csv"));
    await session.click('[data-testid="import"]');
    await waitFor("the dialog to say the file is imported", async () => (await session.textNow('[data-testid="import-known"]'))?.includes("penguins"));
    await session.choose('[data-testid="import-type-year"]', "text");
    await session.type('[data-testid="import-dialog-name"]', "penguins_years");
    await waitFor("the preview to read year as text", async () => {
      const known = await session.textNow('[data-testid="import-known"]');
      const cells = await session.run(
        `const t = document.querySelector('[data-testid="import-dialog"] table'); return t ? [...t.querySelectorAll('tbody tr:first-child td')].pop().className : null;`,
      );
      return known === null && cells === "";
    });
    await session.click('[data-testid="import-confirm"]');
    await session.waitFor('[data-testid="dataset-penguins_years"]', 120_000);
    const yearType = await session.run(
      `return document.querySelector('[data-testid="data-grid"] .grid-head[data-column="year"]')?.title ?? ""`,
    );
    if (!/str/i.test(yearType)) throw new Error(`year in the new dataset is '${yearType}'`);
    await session.click('[data-testid="dataset-penguins"] strong');
    await waitFor("penguins shown again", async () => (await session.text('[data-testid="data-grid"] .grid-footer')).includes("344 rows"));

    // 3. Its profile, with the histogram of a numeric column.
    await session.click('[data-testid="tab-profile"]');
    await session.click('[data-testid="profile-column-body_mass_g"] td');
    await session.waitFor('[data-testid="histogram"] canvas');
    const panel = await session.text('[data-testid="column-panel"]');
    if (!panel.includes("body_mass_g") || !panel.includes("2 missing")) throw new Error(`the column panel says '${panel}'`);
    await session.screenshot("profile-histogram");
    // 3b. Correlations: numeric columns by Pearson's r, categorical ones by Cramér's V.
    await session.click('[data-testid="tab-correlations"]');
    await session.waitFor('[data-testid="correlations"] canvas');
    await session.waitFor('[data-testid="associations"] canvas');
    await session.run(`document.querySelector('[data-testid="associations"]').scrollIntoView()`);
    await session.screenshot("associations");

    // 4. A sweep: trees of depth 2 and 4, and logistic regression allowed 10
    // iterations (too few: it fails, saying so) or 1,000.
    await session.click('[data-testid="nav-experiments"]');
    await session.choose('[data-testid="experiment-dataset"]', "penguins");
    await session.choose('[data-testid="experiment-target"]', "species");
    await session.click('[data-testid="model-decision_tree"]');
    await session.type('[data-testid="param-decision_tree-max_depth"]', "2, 4");
    await session.click('[data-testid="model-logistic_regression"]');
    await session.type('[data-testid="param-logistic_regression-max_iterations"]', "10, 1000");
    const launch = await session.text('[data-testid="launch"]');
    if (!launch.includes("4 trials")) throw new Error(`the launch button says '${launch}'`);
    await session.screenshot("experiment-form");
    await session.click('[data-testid="launch"]');
    await session.waitFor('[data-testid="live-runs"]');
    const statuses = await waitFor(
      "the runs to finish",
      async () => {
        const s = await session.run(
          `return [...document.querySelectorAll('[data-testid^="live-run-"]')].map(r => r.dataset.status)`,
        );
        return s.length === 4 && s.every((x) => !["queued", "running"].includes(x)) ? s : null;
      },
      180_000,
    );
    if (statuses.filter((s) => s === "succeeded").length !== 3 || !statuses.includes("failed")) {
      throw new Error(`runs ended ${statuses.join(", ")}`);
    }
    const why = await session.text('[data-testid="live-runs"]');
    if (!why.includes("10 iterations")) throw new Error(`the live runs do not say why a run failed: '${why}'`);
    await session.screenshot("runs-finished");

    // 5. Two succeeded runs and the failed one compared: the failed one is left out,
    // saying why, and the others' metrics, chart and tests are all there.
    await session.click('[data-testid="show-runs"]');
    await session.waitFor('[data-testid="runs-table"]');
    // Rows arrive a page at a time from the database.
    const rows = await waitFor("the four runs in the runs table", async () => {
      const shown = await session.run(
        `return [...document.querySelectorAll('[data-testid^="run-row-"]')].map(r => ({ id: r.dataset.testid.slice(8), status: r.dataset.status }))`,
      );
      return shown.length === 4 ? shown : null;
    });
    const ids = rows.filter((r) => r.status === "succeeded").map((r) => r.id);
    const failedId = rows.find((r) => r.status === "failed")?.id;
    const failedWhy = await session.text(`[data-testid="run-why-${failedId}"]`);
    if (!failedWhy.includes("iterations")) throw new Error(`the failed run's row says '${failedWhy}'`);
    await session.click(`[data-testid="run-row-${ids[0]}"]`);
    await session.click(`[data-testid="run-row-${ids[1]}"]`);
    await session.click(`[data-testid="run-row-${failedId}"]`);
    await session.click('[data-testid="compare"]');
    await session.waitFor('[data-testid="comparison-chart"] canvas');
    await session.waitFor('[data-testid="significance"]');
    const significance = await session.text('[data-testid="significance"]');
    if (!significance.includes(`vs ${ids[0]}`)) throw new Error(`the significance matrix says '${significance}'`);
    const leftOut = await session.text('[data-testid="left-out"]');
    if (!leftOut.includes(`run ${failedId} (failed`)) throw new Error(`the comparison says '${leftOut}'`);
    await session.run(`document.querySelector('[data-testid="comparison"]').scrollIntoView()`);
    await session.screenshot("comparison");
    // 5b. The comparison saved as CSV and its chart as PNG: each lands in the
    // Downloads folder, and the window says where.
    const savedFile = async (button, extension) => {
      await session.click(button);
      const path = await waitFor(`the notice of the saved ${extension}`, () =>
        session.run(`const n = document.querySelector('[data-testid="saved-notice"]'); return n && n.dataset.path.endsWith(arguments[0]) ? n.dataset.path : null;`, `.${extension}`),
      );
      await waitFor(`${path} on disk`, () => existsSync(path) && readFileSync(path).length > 0);
      const bytes = readFileSync(path);
      rmSync(path);
      return bytes;
    };
    const csv = (await savedFile('[data-testid="comparison-csv"]', "csv")).toString("utf8");
    if (!csv.startsWith("\uFEFFrun,experiment,status,model") || !csv.includes(`\r\n${failedId},`) || !csv.includes("accuracy mean")) {
      throw new Error(`the saved comparison reads '${csv.slice(0, 300)}'`);
    }
    const png = await savedFile('[data-testid="comparison-chart-png"]', "png");
    if (png.subarray(1, 4).toString("latin1") !== "PNG") throw new Error("the saved chart is not a PNG");

    // 6. The better run becomes a model: one run selected, a name, Register.
    await session.click(`[data-testid="run-row-${failedId}"]`);
    await session.click(`[data-testid="run-row-${ids[1]}"]`);
    await session.type('[data-testid="model-name"]', "penguins-classifier");
    await session.click('[data-testid="register-model"]');
    await waitFor("the model to be registered", async () =>
      (await session.text('[data-testid="register-status"]')).includes("Registered penguins-classifier v1"),
    );
    // 6b. The one run selected, in full: its experiment and dataset, each metric per
    // fold beside the mean; a second metric column chosen from the menu.
    await waitFor("the run's detail", () =>
      session.run(`const d = document.querySelector('[data-testid="run-detail"]'); return d !== null && d.dataset.run === arguments[0];`, ids[0]),
    );
    const detail = await session.text('[data-testid="run-detail"]');
    if (!detail.includes("dataset penguins")) throw new Error(`the run's detail names no dataset: '${detail}'`);
    const folds = await session.text('[data-testid="run-detail-folds"]');
    if (!folds.includes("fold 1") || !folds.includes("accuracy") || !folds.includes("mean")) throw new Error(`the folds table says '${folds}'`);
    const experimentCell = await session.text(`[data-testid="run-experiment-${ids[0]}"]`);
    if (experimentCell.trim() === "" || /^\d+$/.test(experimentCell.trim())) throw new Error(`the experiment column says '${experimentCell}'`);
    await session.run(`document.querySelector('[data-testid="runs-columns"]').open = true`);
    await session.click('[data-testid="runs-column-f1_macro"]');
    const headers = await session.text('[data-testid="runs-table"] .grid-header');
    if (!headers.includes("f1_macro")) throw new Error(`the runs table's header has no f1_macro column: '${headers}'`);
    await session.run(`document.querySelector('[data-testid="runs-columns"]').open = false; document.querySelector('[data-testid="run-detail"]').scrollIntoView()`);
    await session.screenshot("run-detail");
    // 6c. The failed run archived: gone from the table, saying so; Undo brings it back.
    await session.click(`[data-testid="run-row-${ids[0]}"]`);
    await session.click(`[data-testid="run-row-${failedId}"]`);
    await session.click('[data-testid="archive-runs"]');
    await waitFor("the archived run to leave the table", async () =>
      (await session.textNow('[data-testid="runs-table"] .grid-footer'))?.startsWith("3 runs") && (await session.textNow(`[data-testid="run-row-${failedId}"]`)) === null,
    );
    const archivedSays = await session.text('[data-testid="archived-notice"]');
    if (!archivedSays.includes(`run ${failedId}`)) throw new Error(`the archive notice says '${archivedSays}'`);
    await session.screenshot("run-archived");
    await session.click('[data-testid="archive-undo"]');
    await waitFor("the run back after Undo", async () => (await session.textNow(`[data-testid="run-row-${failedId}"]`)) !== null);
    // The keyboard: a row clicked, then Down and Space select the row below it too.
    await session.click(`[data-testid="run-row-${ids[0]}"]`);
    await session.press("\uE015", " ");
    const footer = await session.text('[data-testid="runs-table"] .grid-footer');
    if (!footer.includes("2 selected")) throw new Error(`after Down and Space the runs table says '${footer}'`);
    await session.run(`document.querySelectorAll('[data-testid^="run-row-"].selected').forEach(r => r.click())`);

    // 7. An S3 target, and one click publishes the model with its card; the page says where.
    await session.click('[data-testid="nav-models"]');
    await session.waitFor('[data-testid="model-card"]');
    await session.type('[data-testid="storage-name"]', "minio");
    await session.choose('[data-testid="storage-kind"]', "s3");
    await session.type('[data-testid="storage-bucket"]', "models");
    await session.type('[data-testid="storage-endpoint"]', process.env.E2E_S3_ENDPOINT ?? "");
    await session.click('[data-testid="add-storage"]');
    await session.choose('[data-testid="publish-target"]', "minio");
    await session.click('[data-testid="publish"]');
    const where = await waitFor("the published location", async () => {
      const text = await session.text('[data-testid="published-location"]').catch(() => "");
      return text.includes("s3://models/models/penguins-classifier/1/") ? text : null;
    });
    const card = await session.text('[data-testid="model-card"]');
    if (!card.includes("How to reproduce")) throw new Error(`the model card says '${card.slice(0, 200)}'`);
    // The card is drawn, not shown as Markdown source: headings and tables, no '|' or '#'.
    const drawn = await session.run(
      `const c = document.querySelector('[data-testid="model-card"]'); return { tables: c.querySelectorAll('table').length, headings: c.querySelectorAll('h2, h3').length, raw: c.innerText.includes('|---') };`,
    );
    if (drawn.tables === 0 || drawn.headings < 2 || drawn.raw) throw new Error(`the model card is not drawn: ${JSON.stringify(drawn)}`);
    const stored = join(process.env.E2E_S3_DATA ?? "", "models/models/penguins-classifier/1/MODEL_CARD.md");
    if (!existsSync(stored)) throw new Error(`${stored} is not in the S3 server's storage (the page said '${where}')`);
    await session.screenshot("published");

    // 7b. An alias from the app: @champion points at v1.
    await session.type('[data-testid="alias-name"]', "champion");
    await session.click('[data-testid="set-alias"]');
    await waitFor("the alias to be set", async () => (await session.textNow('[data-testid="alias-status"]'))?.includes("@champion"));
    await waitFor("the version to show its alias", async () => (await session.text('[data-testid="model-penguins-classifier-1"]')).includes("@champion"));
    await session.run(`document.querySelector('[data-testid="alias-name"]').scrollIntoView({ block: "center" })`);
    await session.screenshot("alias-set");

    // 8. Serve locally: the version answers on 127.0.0.1 from the app's own
    // process; the panel shows its URLs, the sample requests and a curl command.
    const modelName = "penguins-classifier";
    await session.click('[data-testid="nav-models"]');
    // A <li>: its text is clicked (the click reaches the item's handler).
    await session.click(`[data-testid="model-${modelName}-1"] strong`);
    await waitFor(`${modelName} v1 on the Models page`, () =>
      session.run(
        `const v = document.querySelector('[data-testid="model-version"]');
         return v !== null && v.dataset.model === arguments[0] && v.dataset.version === "1";`,
        modelName,
      ),
    );
    // The experiment the version came from: the vendor is evaluated on its test rows.
    const experimentId = await session.run(`return document.querySelector('[data-testid="model-version"]').dataset.experiment`);
    if (!/^\d+$/.test(experimentId ?? "")) throw new Error(`the model version names no experiment ('${experimentId}')`);
    await session.waitEnabled("#serve-model");
    await session.click("#serve-model");
    const serving = await waitFor(
      "#served-url to show an http://127.0.0.1: URL (or #serve-error)",
      async () => {
        const url = await session.textNow("#served-url");
        if (url !== null && url.startsWith("http://127.0.0.1:")) return { url: url.trim() };
        const error = await session.textNow("#serve-error");
        return error ? { error } : null;
      },
      30_000,
    );
    if (serving.error) throw new Error(`Serve locally failed: ${serving.error}`);
    const inferUrl = `${serving.url}/v2/models/${modelName}/infer`;
    const curl = await session.text("#served-curl");
    if (!curl.includes(inferUrl)) throw new Error(`the curl command does not call ${inferUrl}: '${curl}'`);
    // The sample the panel shows is a request the service answers.
    const sample = await session.text("#served-sample-oip");
    const answer = await waitFor(
      `an answer from ${inferUrl} to the sample request`,
      async () => {
        const response = await fetch(inferUrl, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: sample,
          signal: AbortSignal.timeout(5_000),
        });
        const body = await response.text();
        if (!response.ok) throw new Error(`${response.status} ${body}`);
        return JSON.parse(body);
      },
      30_000,
    );
    if (!Array.isArray(answer.outputs) || answer.outputs.length === 0) {
      throw new Error(`${inferUrl} answered the sample with no outputs: ${JSON.stringify(answer)}`);
    }
    await session.run(`document.querySelector('#served-panel').scrollIntoView()`);
    await session.screenshot("served");

    // 9. Add as vendor: an OIP v2 connector to the service, named served-<name>-<version>.
    const vendorName = `served-${modelName}-1`;
    await session.waitEnabled("#served-add-vendor");
    await session.click("#served-add-vendor");
    const added = await waitFor("#served-vendor-added (or #served-vendor-error)", async () => {
      const vendor = await session.run(
        `const e = document.querySelector('#served-vendor-added'); return e === null ? null : e.dataset.vendor`,
      );
      if (vendor) return { vendor, text: await session.textNow("#served-vendor-added") };
      const error = await session.textNow("#served-vendor-error");
      return error ? { error } : null;
    });
    if (added.error) throw new Error(`Add as vendor failed: ${added.error}`);
    if (added.vendor !== vendorName || !added.text.includes(`Added vendor ${vendorName}`)) {
      throw new Error(`expected 'Added vendor ${vendorName}', the page says '${added.text}' (vendor '${added.vendor}')`);
    }
    await session.screenshot("served-vendor");

    // 10. The Vendors page evaluates it on the test rows of the experiment the model came from.
    await session.click("#nav-vendors");
    // The page's steps are tabs: the launcher is on Evaluate (a hidden tab's controls take no clicks).
    await session.click("#vendors-tab-evaluate");
    await session.choose("#evaluate-vendor", vendorName);
    await session.choose("#evaluate-experiment", experimentId);
    await session.waitEnabled("#evaluate-start");
    await session.click("#evaluate-start");
    const ended = await waitFor(
      '#evaluation-status to end (data-status="succeeded")',
      async () => {
        const status = await session.run(
          `const e = document.querySelector('#evaluation-status'); return e === null ? null : e.dataset.status`,
        );
        return status && !["idle", "running"].includes(status) ? status : null;
      },
      60_000,
    );
    if (ended !== "succeeded") {
      const said = [await session.textNow("#evaluation-status"), await session.textNow("#evaluate-error")].filter(Boolean).join(" / ");
      throw new Error(`the evaluation of ${vendorName} ended '${ended}': ${said}`);
    }
    // A succeeded evaluation opens the Compare tab; its outcome stays on the Evaluate tab.
    const activeTab = () =>
      session.run(`const t = document.querySelector('[data-testid^="vendors-tab-"].active'); return t === null ? null : t.dataset.testid`);
    await waitFor("the finished evaluation to open #vendors-tab-compare", async () => (await activeTab()) === "vendors-tab-compare", 10_000).catch(
      async () => {
        throw new Error(`the finished evaluation left the Vendors page on '${await activeTab()}', not on the Compare tab`);
      },
    );
    await session.click("#vendors-tab-evaluate");
    await session.run(`document.querySelector('#evaluation-result').scrollIntoView()`);
    await session.screenshot("vendor-evaluated");

    // 11. The comparison: the local runs and the served version against an
    // agreement (accuracy at least 0.5); the table marks the best.
    await session.click("#vendors-tab-compare");
    await session.choose("#compare-experiment", experimentId);
    await session.type("#agreement-min-metric", "0.5");
    await session.click("#agreements-save");
    await waitFor("#agreements-status to say the agreements are saved", async () => {
      const status = await session.textNow("#agreements-status");
      if (status !== null && status.startsWith("Saved")) return true;
      const error = await session.textNow("#compare-error");
      if (error) throw new Error(error);
      return false;
    });
    const rowsOf = () =>
      session.run(
        `const t = document.querySelector('#candidates-table');
         return t === null ? null : [...t.querySelectorAll('tbody tr')].map(r => ({
           id: r.dataset.testid ?? "", best: r.classList.contains('candidate-best'), meets: r.dataset.meets, text: r.innerText,
         }));`,
      );
    let candidates = null;
    await waitFor(
      `#candidates-table to list ${vendorName} and a .candidate-best row`,
      async () => {
        candidates = await rowsOf();
        return candidates !== null && candidates.some((r) => r.id.startsWith("candidate-vendor-")) && candidates.some((r) => r.best);
      },
      30_000,
    ).catch(() => {});
    const describe = (rows) => (rows === null ? "no #candidates-table" : rows.map((r) => `${r.id}${r.best ? " [best]" : ""}: ${r.text.replace(/\s+/g, " ")}`).join("\n"));
    const vendorRow = (candidates ?? []).find((r) => r.id.startsWith("candidate-vendor-") && r.text.includes(vendorName));
    if (!vendorRow) throw new Error(`the candidates table has no row for ${vendorName}:\n${describe(candidates)}`);
    if (!(candidates ?? []).some((r) => r.best)) throw new Error(`no candidate is marked best:\n${describe(candidates)}`);
    await session.run(`document.querySelector('#candidates-table').scrollIntoView()`);
    await session.screenshot("candidates");

    // 12. A long sweep, cancelled from the window: Cancel is acknowledged at once, the
    // trial stops within two seconds keeping its finished folds, the Jobs panel shows
    // the job cancelled, and Resume runs what is left.
    await session.click('[data-testid="nav-experiments"]');
    // The form is as it was left on the way through the other pages (the catalog's
    // models are drawn once the page has asked for them).
    await session.waitFor('[data-testid="model-decision_tree"]');
    const kept = await session.run(
      `return [document.querySelector('[data-testid="experiment-target"]').value,
               document.querySelector('[data-testid="model-decision_tree"]').checked,
               document.querySelector('[data-testid="param-decision_tree-max_depth"]')?.value];`,
    );
    if (kept[0] !== "species" || kept[1] !== true || kept[2] !== "2, 4") throw new Error(`the experiment form was not kept: ${JSON.stringify(kept)}`);
    await session.click('[data-testid="model-decision_tree"]');
    await session.click('[data-testid="model-logistic_regression"]');
    await session.choose('[data-testid="experiment-dataset"]', "penguins");
    await session.choose('[data-testid="experiment-target"]', "species");
    await session.click('[data-testid="model-random_forest"]');
    // Every feature at every split and the most trees: seconds per fold even on
    // penguins, now that the split search allocates nothing per threshold.
    await session.type('[data-testid="param-random_forest-trees"]', "1000");
    await session.type('[data-testid="param-random_forest-max_depth"]', "10, 12");
    await session.type('[data-testid="param-random_forest-max_features"]', "all");
    await session.click('[data-testid="launch"]');
    await waitFor("a trial to finish a fold", async () => {
      const progress = await session.run(
        `return [...document.querySelectorAll('[data-testid^="live-progress-"]')].map(c => c.innerText).join(" | ")`,
      );
      return progress.includes("1/5 folds") ? progress : null;
    }, 120_000);
    await session.run(
      `window.__clicked = performance.now();
       document.querySelector('[data-testid="cancel"]').click();`,
    );
    const acknowledged = await session.text('[data-testid="cancel"]');
    if (!acknowledged.includes("Cancelling")) throw new Error(`Cancel says '${acknowledged}' once clicked`);
    const stoppedAfter = await waitFor("every live run to stop", async () => {
      const s = await session.run(
        `return [...document.querySelectorAll('[data-testid^="live-run-"]')].map(r => r.dataset.status)`,
      );
      if (s.length === 0 || s.some((x) => ["queued", "running"].includes(x))) return null;
      return { statuses: s, ms: await session.run("return performance.now() - window.__clicked") };
    }, 30_000);
    if (stoppedAfter.ms > 2_000) throw new Error(`the sweep took ${Math.round(stoppedAfter.ms)} ms to stop after Cancel`);
    if (!stoppedAfter.statuses.every((x) => x === "cancelled")) throw new Error(`after Cancel the runs are ${stoppedAfter.statuses.join(", ")}`);
    await session.waitFor('[data-testid="resume"]');
    await session.click('[data-testid="jobs-toggle"]');
    await session.waitFor('[data-testid="jobs-panel"]');
    const jobs = await waitFor("the cancelled sweep in the Jobs panel", async () => {
      const text = await session.text('[data-testid="jobs-panel"]');
      return text.includes("cancelled") && text.includes("experiment") ? text : null;
    });
    if (!jobs.includes("import penguins") && !jobs.includes("penguins.csv")) throw new Error(`the Jobs panel lacks the import: ${jobs}`);
    await session.screenshot("sweep-cancelled-jobs");
    await session.click('[data-testid="jobs-toggle"]');

    // 13. A script logs into the open app with the stock mlflow client, as a notebook
    // would, with what the Runs page shows to copy: its run appears in the runs table
    // beside the lab's own, and its curve appears and grows while it logs.
    const python = process.env.E2E_MLFLOW_PYTHON;
    if (!python) throw new Error("set E2E_MLFLOW_PYTHON to a python with mlflow (scripts/test.sh does)");
    await session.click('[data-testid="nav-runs"]');
    await session.waitFor('[data-testid="tracking-panel"]');
    await session.run(`document.querySelector('[data-testid="tracking-panel"]').open = true;`);
    const exports = await session.run(`return document.querySelector('[data-testid="tracking-exports"]').textContent`);
    const uri = /MLFLOW_TRACKING_URI=(\S+)/.exec(exports)?.[1];
    const token = /MLFLOW_TRACKING_TOKEN=(\S+)/.exec(exports)?.[1];
    if (!uri || !token) throw new Error(`the Runs page shows no tracking URI and token: '${exports}'`);
    const script = [
      "import mlflow, time",
      "mlflow.set_experiment('live')",
      "with mlflow.start_run(run_name='live-script'):",
      "    mlflow.log_param('lr', 0.1)",
      "    for step in range(120):",
      "        mlflow.log_metric('loss', 1.0 / (1 + step), step=step)",
      "        time.sleep(0.25)",
    ].join("\n");
    const logger = spawn(python, ["-c", script], {
      env: { ...process.env, MLFLOW_TRACKING_URI: uri, MLFLOW_TRACKING_TOKEN: token, MLFLOW_HTTP_REQUEST_MAX_RETRIES: "0" },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let loggerErrors = "";
    logger.stderr.on("data", (chunk) => (loggerErrors += chunk));
    try {
      const row = await waitFor("the script's run in the runs table", async () => {
        await session.click('[data-testid="runs-refresh"]');
        const id = await session.run(
          `const row = [...document.querySelectorAll('[data-testid^="run-row-"]')].find(r => r.innerText.includes("live-script"));
           return row ? row.dataset.testid : null;`,
        );
        return id;
      }, 60_000).catch((e) => {
        throw new Error(`${e.message}; the script said: ${loggerErrors}`);
      });
      const rowText = await session.text(`[data-testid="${row}"]`);
      if (!rowText.includes("mlflow") || !rowText.includes("lr=0.1")) throw new Error(`the logged run's row says '${rowText}'`);
      await session.click(`[data-testid="${row}"]`);
      const first = await waitFor("the loss curve", async () => {
        const points = await session.run(`const c = document.querySelector('[data-testid="curve-loss"]'); return c ? Number(c.dataset.points) : 0;`);
        return points >= 2 ? points : null;
      }, 30_000);
      const grown = await waitFor("the curve to grow as the script logs", async () => {
        const points = await session.run(`return Number(document.querySelector('[data-testid="curve-loss"]')?.dataset.points ?? 0)`);
        return points >= first + 4 ? points : null;
      }, 30_000);
      const live = await session.run(`return document.querySelector('[data-testid="metric-curves"]').dataset.running`);
      if (live !== "yes") throw new Error("the curves do not say the run is live");
      console.log(`e2e: the live curve grew from ${first} to ${grown} points`);
      await session.run(`document.querySelector('[data-testid="metric-curves"]').scrollIntoView();`);
      await session.screenshot("live-curve");
    } finally {
      logger.kill();
    }

    // 14. A TPE sweep with early stopping, from the form: trials outside the best third
    // at a rung of their folds end as pruned, and the search-progress chart shows each
    // trial with the best finished one so far (never a pruned one).
    await session.click('[data-testid="nav-experiments"]');
    await session.choose('[data-testid="experiment-dataset"]', "penguins");
    await session.choose('[data-testid="experiment-target"]', "species");
    for (const model of ["random_forest", "decision_tree"]) {
      const checked = await session.run(`return document.querySelector('[data-testid="model-${model}"]').checked`);
      if (checked !== (model === "decision_tree")) await session.click(`[data-testid="model-${model}"]`);
    }
    // Trees from one level to twelve, split only above 2 to 200 rows: some weak enough to prune.
    await session.type('[data-testid="param-decision_tree-max_depth"]', "1..12");
    await session.type('[data-testid="param-decision_tree-min_samples_split"]', "2..200 log");
    await session.choose('[data-testid="experiment-search"]', "tpe");
    await session.choose('[data-testid="experiment-early-stop"]', "asha");
    const tpeLaunch = await session.text('[data-testid="launch"]');
    if (!tpeLaunch.includes("30 trials")) throw new Error(`the TPE launch button says '${tpeLaunch}'`);
    await session.click('[data-testid="launch"]');
    const tpeEnded = await waitFor("every TPE trial to end", async () => {
      const s = await session.run(
        `return [...document.querySelectorAll('[data-testid^="live-run-"]')].map(r => r.dataset.status)`,
      );
      if (s.length !== 30 || s.some((x) => ["queued", "running"].includes(x))) return null;
      return s;
    }, 180_000);
    const prunedRuns = tpeEnded.filter((x) => x === "pruned").length;
    if (prunedRuns === 0 || tpeEnded.some((x) => !["succeeded", "pruned"].includes(x))) {
      throw new Error(`the TPE sweep ended as ${tpeEnded.join(", ")}`);
    }
    const progress = await session.run(
      `const c = document.querySelector('[data-testid="search-progress"]'); return c ? [Number(c.dataset.pruned), Number(c.dataset.best)] : null;`,
    );
    if (!progress || progress[0] !== prunedRuns || !(progress[1] > 0.9)) throw new Error(`the search progress says ${JSON.stringify(progress)} with ${prunedRuns} pruned`);
    console.log(`e2e: TPE with ASHA pruned ${prunedRuns} of 30 trials; best accuracy ${progress[1]}`);
    await session.run(`document.querySelector('[data-testid="search-progress"]').scrollIntoView();`);
    await session.screenshot("search-progress");

    // 14b. A decision threshold from the form: a binary target, the best F1 for the
    // class the user names; the run succeeds and reports the positive class's F1.
    await session.choose('[data-testid="experiment-target"]', "sex");
    for (const model of ["decision_tree", "logistic_regression"]) {
      const checked = await session.run(`return document.querySelector('[data-testid="model-${model}"]').checked`);
      if (checked !== (model === "logistic_regression")) await session.click(`[data-testid="model-${model}"]`);
    }
    await session.choose('[data-testid="experiment-search"]', "grid");
    await session.choose('[data-testid="experiment-early-stop"]', "none");
    await session.choose('[data-testid="experiment-threshold"]', "f1");
    await session.type('[data-testid="experiment-threshold-positive"]', "female");
    await session.click('[data-testid="launch"]');
    const decided = await waitFor("the thresholded run to end", async () => {
      const s = await session.run(
        `return [...document.querySelectorAll('[data-testid^="live-run-"]')].map(r => [r.dataset.status, r.title])`,
      );
      if (s.length !== 1 || ["queued", "running"].includes(s[0][0])) return null;
      return s[0];
    }, 120_000);
    if (decided[0] !== "succeeded") throw new Error(`the thresholded run ended ${decided[0]}: ${decided[1]}`);
    await session.run(`document.querySelector('[data-testid="experiment-threshold"]').scrollIntoView();`);
    await session.screenshot("decision-threshold");
    console.log("e2e: a run decided at its F1 threshold succeeded");

    // 15. A spec across datasets, run by the CLI on the open project (as a script would),
    // shown in the window: models × datasets with their ranks, the Friedman test and the
    // critical-difference diagram.
    const cli = join(dirname(app), "datalab");
    const lab = (args) => execFileSync(cli, ["--project", project, ...args], { encoding: "utf8" });
    lab(["dataset", "import", join(repo, "assets/datasets/iris.csv")]);
    const studySpec = join(out, "study.toml");
    writeFileSync(
      studySpec,
      [
        'name = "across datasets"',
        "[task]",
        'kind = "classification"',
        "[validation]",
        'kind = "k_fold"',
        "folds = 3",
        "[[datasets]]",
        'name = "iris"',
        'target = "species"',
        "[[datasets]]",
        'name = "penguins"',
        'target = "species"',
        "[[models]]",
        'model = "decision_tree"',
        "params = { max_depth = [1, 3] }",
        "[[models]]",
        'model = "gaussian_nb"',
        "",
      ].join("\n"),
    );
    lab(["run", studySpec]);
    // The page lists studies when it loads: leave and come back.
    await session.click('[data-testid="nav-runs"]');
    await session.click('[data-testid="nav-experiments"]');
    await session.click('[data-testid="study-across datasets"]');
    await session.waitFor('[data-testid="study-comparison"]');
    const studyTable = await session.text('[data-testid="study-table"]');
    if (!studyTable.includes("iris") || !studyTable.includes("penguins") || !studyTable.includes("mean rank")) {
      throw new Error(`the study table says '${studyTable}'`);
    }
    const studyTest = await session.text('[data-testid="study-test"]');
    if (!studyTest.includes("Friedman over 2 datasets") || !studyTest.includes("critical difference")) throw new Error(`the study says '${studyTest}'`);
    await session.waitFor('[data-testid="cd-diagram"]');
    await session.run(`document.querySelector('[data-testid="study-comparison"]').scrollIntoView();`);
    await session.screenshot("study");

    // 15b. The lab journal: a note on the project links experiment 1 (there) and a
    // run that is not (shown broken, not an error); the history lists it with the
    // imports and experiments, newest first.
    await session.click('[data-testid="nav-journal"]');
    await session.type('[data-testid="project-notes-text"]', "Penguins: the thresholded run looked right. See experiment 1 and run 99999.");
    await session.click('[data-testid="project-notes-add"]');
    const links = await waitFor("the note's links", () => session.textNow('[data-testid="project-notes"] [data-testid="note-links"]'));
    if (!links.includes("experiment 1") || !links.includes("run 99999 (broken)") || links.includes("experiment 1 (broken)")) {
      throw new Error(`the note's links say '${links}'`);
    }
    const history = await waitFor("the note in the history", async () => {
      await session.click('[data-testid="nav-experiments"]');
      await session.click('[data-testid="nav-journal"]');
      const kinds = await session.run(`return [...document.querySelectorAll('[data-testid="journal"] li')].map(li => li.dataset.kind)`);
      return kinds.includes("note") ? kinds : null;
    });
    if (history[0] !== "note" || !history.includes("experiment") || !history.includes("import")) throw new Error(`the journal lists ${history.join(", ")}`);
    await session.screenshot("journal");

    // 15b'. The ledger: compute time drawn by day and the vendor's spend listed; a
    // budget of 0 over all vendors warns that it is spent, a larger one does not.
    await session.click('[data-testid="nav-ledger"]');
    await session.waitFor('[data-testid="ledger-compute-chart"] canvas');
    const spendTable = await session.text('[data-testid="ledger-spend"]');
    if (spendTable.includes("No vendor evaluated")) throw new Error(`the ledger lists no vendor spend: '${spendTable}'`);
    const byModel = await session.text('[data-testid="ledger-by-model"]');
    if (!byModel.includes("decision_tree") || !byModel.includes("logistic_regression")) throw new Error(`compute by model says '${byModel}'`);
    const standings = await session.text('[data-testid="ledger-agreements"]');
    if (!standings.includes("penguins-classifier:1")) throw new Error(`the ledger's agreements say '${standings}'`);
    await session.type('[data-testid="budget-limit"]', "0");
    await session.click('[data-testid="budget-set"]');
    const budgetSays = await waitFor("the budget's warning", () => session.textNow('[data-testid="budgets"] .error'));
    if (!budgetSays.includes("all vendors")) throw new Error(`the budget says '${budgetSays}'`);
    await session.screenshot("ledger");
    await session.type('[data-testid="budget-limit"]', "1000");
    await session.click('[data-testid="budget-set"]');
    await waitFor("the warning gone", async () => (await session.textNow('[data-testid="budgets"] .error')) === null);

    // 15c. Experiment 1 pushed to the S3 target as a bundle, then reproduced: its spec
    // run again on the same snapshot, every run identical to the bit (the failed one too).
    await session.click('[data-testid="nav-experiments"]');
    await session.choose('[data-testid="share-target"]', "minio");
    await session.choose('[data-testid="share-experiment"]', "1");
    await session.click('[data-testid="share-push"]');
    const pushedSays = await waitFor("the push to end", async () => {
      const error = await session.textNow('[data-testid="share-error"]');
      if (error) throw new Error(`Push failed: ${error}`);
      return session.textNow('[data-testid="share-pushed"]');
    }, 120_000);
    if (!/sent \d+ files/.test(pushedSays)) throw new Error(`the push says '${pushedSays}'`);
    await session.click('[data-testid="share-reproduce"]');
    const reproduced = await waitFor("the reproduction's report", async () => {
      const error = await session.textNow('[data-testid="share-error"]');
      if (error) throw new Error(`Reproduce failed: ${error}`);
      return session.textNow('[data-testid="share-report"]');
    }, 180_000);
    if (!reproduced.includes("4 identical") || /\bnot\b/.test(reproduced)) throw new Error(`the reproduction says '${reproduced}'`);
    await session.run(`document.querySelector('[data-testid="share-report"]').scrollIntoView();`);
    await session.screenshot("reproduced");
    // Its report, written by the CLI for the browser step to open from the file.
    lab(["report", "experiment", "1", "--out", join(out, "report.html")]);
    console.log("e2e: a note links records, an experiment pushed to S3 reproduces identically");

    // 16. The app closes and starts again: the model, served again, is on the
    // port it had (so the vendor added in step 9 still reaches it), and a
    // request sent from the panel is answered with each class's probability.
    await request("DELETE", `/session/${session.id}`);
    const again = await request(
      "POST",
      "/session",
      { capabilities: { alwaysMatch: { "tauri:options": { application: app } } } },
      120_000,
    );
    reopened = new Session(driver, again.sessionId, out);
    reopened.step = session.step; // screenshots numbered on
    const opened = await waitFor("the app to start again", async () => {
      if (await reopened.textNow('[data-testid="project-name"]')) return "open";
      return (await reopened.textNow('[data-testid="open-project"]')) !== null ? "start" : null;
    });
    if (opened === "start") {
      await reopened.type('[data-testid="project-path"]', project);
      await reopened.click('[data-testid="open-project"]');
      await reopened.waitFor('[data-testid="project-name"]');
    }
    await reopened.click('[data-testid="nav-models"]');
    await reopened.click(`[data-testid="model-${modelName}-1"] strong`);
    await reopened.waitEnabled("#serve-model");
    await reopened.click("#serve-model");
    const servedAgain = await waitFor("#served-url after the restart", async () => {
      const url = await reopened.textNow("#served-url");
      if (url !== null && url.startsWith("http://127.0.0.1:")) return url.trim();
      const error = await reopened.textNow("#serve-error");
      if (error) throw new Error(`Serve locally failed after the restart: ${error}`);
      return null;
    });
    if (servedAgain !== serving.url) throw new Error(`served at ${servedAgain} after the restart, not at ${serving.url} as before`);
    await reopened.click("#served-send-button");
    const predicted = await waitFor("the answer to the sent request", () => reopened.textNow("#served-prediction-0"));
    if (!["Adelie", "Chinstrap", "Gentoo"].includes(predicted.trim())) throw new Error(`the served model predicted '${predicted}'`);
    const probabilities = await reopened.text("#served-probabilities-0");
    for (const species of ["Adelie", "Chinstrap", "Gentoo"]) {
      if (!probabilities.includes(species)) throw new Error(`the probabilities leave out ${species}: '${probabilities}'`);
    }
    // A body the model cannot read: the server's 400 and its reason, in the panel.
    await reopened.type("#served-send-body", '{"inputs": []}');
    await reopened.click("#served-send-button");
    const refused = await waitFor("the refusal of an empty request", () => reopened.textNow("#served-answer-error"));
    if (!refused.includes("HTTP 400")) throw new Error(`an empty request was answered '${refused}'`);
    await reopened.click("#served-send-reset");
    await reopened.click("#served-send-button");
    await waitFor("the sample answered again", () => reopened.textNow("#served-prediction-0"));
    await reopened.run(`document.querySelector('#served-send').scrollIntoView()`);
    await reopened.screenshot("served-after-restart");
    console.log("e2e: every step passed");
  } catch (error) {
    const shown = reopened ?? session;
    await shown.screenshot("failure").catch(() => {});
    const text = await shown.run("return document.body.innerText").catch(() => "");
    console.error(`the window said:\n${text}`);
    throw error;
  } finally {
    await request("DELETE", `/session/${session.id}`).catch(() => {});
    if (reopened) await request("DELETE", `/session/${reopened.id}`).catch(() => {});
  }
}

main().catch((error) => {
  console.error(`e2e failed: ${error.stack ?? error}`);
  process.exit(1);
});
