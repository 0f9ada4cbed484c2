// The UI served over HTTP (`datalab ui --serve`), in a real browser engine:
// WebKitWebDriver driving MiniBrowser (WebKitGTK's own browser). The page
// learns its token from the printed URL and sends it in a header; files are
// picked among the folders the server may use, and a path outside them is
// refused with a message that says what to do.
//
//   node tests/e2e/browser.mjs   (run by tests/e2e/run.sh after the desktop test)
//
// Environment: DATALAB_CLI (the datalab binary), BROWSER_WEBDRIVER_URL
// (WebKitWebDriver), MINIBROWSER (its path), E2E_OUT, DATALAB_REPO.

import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { Session, request as webdriver, waitFor } from "./webdriver.mjs";

const driver = process.env.BROWSER_WEBDRIVER_URL ?? "http://127.0.0.1:4445";
const cli = process.env.DATALAB_CLI;
const browser = process.env.MINIBROWSER;
const repo = process.env.DATALAB_REPO ?? process.cwd();
const out = process.env.E2E_OUT ?? join(repo, "tests/e2e/out");

if (!cli || !browser) throw new Error("set DATALAB_CLI to the datalab binary and MINIBROWSER to WebKitGTK's MiniBrowser");

const request = (method, path, body, timeoutMs) => webdriver(driver, method, path, body, timeoutMs);

/** Starts `datalab ui --serve`; resolves to the child and the URL it printed. */
function serve(project, allowed) {
  const child = spawn(cli, ["ui", "--serve", "--project", project, "--allow-dir", allowed], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout });
    const timer = setTimeout(() => reject(new Error("the server printed no URL in 60 s")), 60_000);
    lines.on("line", (line) => {
      const url = line.trim();
      if (url.startsWith("http://")) {
        clearTimeout(timer);
        resolve({ child, url });
      }
    });
    child.on("exit", (code) => reject(new Error(`datalab ui --serve exited with ${code}`)));
  });
}

async function main() {
  const project = join(out, "served-project");
  rmSync(project, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  for (const name of readdirSync(out)) if (name.startsWith("browser-") && name.endsWith(".png")) rmSync(join(out, name));
  const init = spawnSync(cli, ["init", project], { encoding: "utf8" });
  if (init.status !== 0) throw new Error(`datalab init failed: ${init.stderr}`);
  const datasets = join(repo, "assets/datasets");
  const { child, url } = await serve(project, datasets);
  let session;
  try {
    await waitFor("WebKitWebDriver", async () => (await fetch(`${driver}/status`)).ok, 30_000);
    const created = await request(
      "POST",
      "/session",
      {
        capabilities: {
          alwaysMatch: {
            browserName: "MiniBrowser",
            "webkitgtk:browserOptions": { binary: browser, args: ["--automation"] },
          },
        },
      },
      120_000,
    );
    session = new Session(driver, created.sessionId, out, "browser-");
    await request("POST", session.path("/url"), { url });

    // 1. The project is open; the token left the address bar for the tab's storage.
    const name = await session.text('[data-testid="project-name"]');
    if (name !== "served-project") throw new Error(`the top bar names the project '${name}'`);
    const address = await session.run("return window.location.href");
    if (address.includes("token=")) throw new Error(`the token is still in the address bar: ${address}`);

    // 2. Browse…: the server's folders only, then a file in one of them, imported.
    await session.click('[data-testid="browse"]');
    await session.waitFor('[data-testid="file-browser"]');
    const places = await waitFor("the server's folders", async () => {
      const text = await session.text('[data-testid="file-browser"]');
      return text.includes("datasets") ? text : null;
    });
    if (places.includes("/etc")) throw new Error(`the browser offers folders outside the allowed ones:\n${places}`);
    await session.screenshot("folders");
    await session.run(
      `[...document.querySelectorAll('[data-testid^="browse-entry-"]')].find(b => b.innerText.endsWith("datasets/")).click()`,
    );
    await session.click('[data-testid="browse-entry-penguins.csv"]');
    // The import dialog shows the file's first rows as they will be read.
    await session.waitFor('[data-testid="import-dialog"] table', 60_000);
    await session.click('[data-testid="import-confirm"]');
    await session.waitFor('[data-testid="dataset-penguins"]', 120_000);
    const listed = await session.text('[data-testid="dataset-penguins"]');
    if (!listed.includes("344 rows")) throw new Error(`the dataset list says '${listed}'`);
    await waitFor("the first rows", async () => (await session.text('[data-testid="data-grid"]')).includes("Adelie"));
    await session.screenshot("imported-through-the-browser");

    // 3. A path typed by hand outside the folders: refused, saying how to allow it.
    await session.type('[data-testid="import-path"]', "/etc/passwd");
    await session.click('[data-testid="import"]');
    const refused = await waitFor("the refusal", () => session.textNow('[data-testid="import-dialog-error"]'));
    if (!refused.includes("outside the folders") || !refused.includes("--allow-dir")) {
      throw new Error(`importing /etc/passwd says '${refused}'`);
    }
    await session.screenshot("outside-refused");

    // 4. The experiment report the desktop test wrote (report.html), opened from its
    // file as a colleague would: its tables and both charts drawn with nothing fetched.
    const report = join(out, "report.html");
    if (existsSync(report)) {
      await request("POST", session.path("/url"), { url: `file://${report}` });
      await waitFor("the report's charts", () => session.run(`return document.querySelectorAll("svg.chart rect.bar").length >= 3`));
      const title = await session.run("return document.querySelector('h1').innerText");
      if (!title.startsWith("Experiment 1")) throw new Error(`the report's title is '${title}'`);
      await session.screenshot("report");
      await session.run(`document.querySelector("svg.chart").scrollIntoView()`);
      await session.screenshot("report-chart");
    } else {
      throw new Error(`the desktop test wrote no ${report}`);
    }
    console.log("e2e (served UI): every step passed");
  } catch (error) {
    if (session) {
      await session.screenshot("failure").catch(() => {});
      const text = await session.run("return document.body.innerText").catch(() => "");
      console.error(`the page said:\n${text}`);
    }
    throw error;
  } finally {
    if (session) await request("DELETE", `/session/${session.id}`).catch(() => {});
    child.kill("SIGTERM");
  }
}

main().catch((error) => {
  console.error(`e2e (served UI) failed: ${error.stack ?? error}`);
  process.exit(1);
});
